"""Words and national codes of the demo city (NOT the product): people, companies, trades,
products, project names, recognitions, and valid 统一社会信用代码 / 项目代码 to give them."""

from __future__ import annotations

import random

from techreform.reference.codes import uscc

TECH = "改建和技术改造"  # the only 建设性质 counted as tech-reform investment (§3.2)

# ---------------------------------------------------------------------------------------------
# Vocabulary

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋"
    "蔡余杜程苏魏吕丁任姚卢崔谭陆汪范金石贾夏付方白邹孟秦江薛闫段雷侯史郝龚邵严武"
)
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 鹏 辉 玲 斌 宇 浩 凯 晶 博 亮 "
    "建华 国强 志刚 海燕 红梅 晓东 玉兰 建军 文博 晓燕 春生 新民 雪梅 永强 金凤 卫东 丽娟 俊杰"
).split()
BRAND_A = "金银宏鑫华恒瑞泰隆盛丰祥中永东正安康远兴新昌宝通源达嘉万德凯伟锦富茂豪汇弘"
BRAND_B = "联雅昌安业鼎中伟正万宏瑞丰源通达华盛泰新科创博润辉信诚合力阳光元"
SUFFIXES = (("有限公司", 60), ("有限责任公司", 22), ("股份有限公司", 13), ("集团有限公司", 5))

# industry division → (trade words in the company name, [(product, measure for 年产…)], weight)
INDUSTRY = {
    "06": (("煤业",), (("原煤", "万吨"),), 1),
    "08": (("矿业",), (("铁精粉", "万吨"),), 1),
    "09": (("矿业", "钼业"), (("钼精矿", "吨"),), 2),
    "10": (("石材", "矿业"), (("石英砂", "万吨"),), 1),
    "13": (("粮油", "食品"), (("面粉", "万吨"), ("饲料", "万吨")), 4),
    "14": (("食品",), (("速冻食品", "万吨"), ("调味品", "吨")), 3),
    "15": (("酒业", "饮品"), (("白酒", "吨"), ("饮料", "万吨")), 2),
    "17": (("纺织",), (("棉纱", "吨"), ("功能性面料", "万米")), 2),
    "18": (("服饰",), (("服装", "万件"),), 1),
    "21": (("家居",), (("定制家具", "万套"),), 1),
    "22": (("纸业",), (("瓦楞纸板", "万平方米"),), 1),
    "26": (("化工", "新材料"), (("精细化学品", "吨"), ("环保涂料", "吨")), 5),
    "27": (("药业", "制药"), (("原料药", "吨"), ("中成药", "万盒")), 4),
    "29": (("塑业", "橡胶"), (("塑料管材", "吨"), ("橡胶制品", "万件")), 3),
    "30": (("耐材", "建材", "玻璃"), (("耐火材料", "万吨"), ("新型建材", "万吨"), ("光伏玻璃", "万吨")), 7),
    "31": (("钢铁", "特钢"), (("特种钢材", "万吨"), ("精密钢管", "万吨")), 4),
    "32": (("铝业", "钼业", "铜业"), (("铝板带箔", "万吨"), ("钼制品", "吨"), ("铜材", "万吨")), 6),
    "33": (("金属制品",), (("钢结构件", "万吨"), ("紧固件", "万件")), 4),
    "34": (("机械", "轴承"), (("轴承", "万套"), ("齿轮", "万件"), ("阀门", "万台")), 9),
    "35": (("重工", "装备"), (("矿山机械", "台"), ("农机装备", "台"), ("工程机械", "台")), 8),
    "36": (("汽车部件", "汽配"), (("汽车零部件", "万件"), ("制动器", "万套")), 5),
    "37": (("机车", "航空装备"), (("轨道交通配件", "万件"),), 2),
    "38": (("电气", "电器"), (("电线电缆", "万米"), ("变压器", "台"), ("电机", "万台")), 6),
    "39": (("电子", "光电"), (("电子元器件", "万件"), ("传感器", "万只")), 5),
    "40": (("仪表",), (("智能仪表", "万台"),), 2),
    "42": (("再生资源",), (("再生铝", "万吨"),), 2),
    "44": (("热电", "能源"), (("热力", "万吉焦"),), 1),
}
INDUSTRY_CODES = tuple(INDUSTRY)
INDUSTRY_WEIGHTS = tuple(v[2] for v in INDUSTRY.values())

# Project names by the kind of reform; {p} is a product, {n}{m} a yearly output.
NAMES_SMART = (
    "数字化车间建设项目",
    "智能工厂建设项目",
    "{p}生产线智能化改造项目",
    "智能仓储物流系统建设项目",
    "机器换人技术改造项目",
    "MES系统及数字化管理提升项目",
    "工业互联网平台建设项目",
)
NAMES_GREEN = (
    "节能降耗技术改造项目",
    "余热余压回收利用项目",
    "VOCs治理提升改造项目",
    "分布式光伏发电项目",
    "超低排放改造项目",
    "清洁生产技术改造项目",
    "废水循环利用改造项目",
)
NAMES_HIGH = ("高端{p}产业化项目", "{p}提质升级项目", "新一代{p}研发及产业化项目")
NAMES_SERVICE = ("{p}远程运维服务平台建设项目", "总集成总承包服务能力提升项目", "个性化定制服务改造项目")
NAMES_TECH = (
    "年产{n}{m}{p}技术改造项目",
    "{p}扩能提质技术改造项目",
    "关键工艺装备升级改造项目",
    "{p}生产线技术改造项目",
)
NAMES_OTHER = ("{p}关键技术成果转化项目", "{p}核心基础零部件提升项目", "工业设计中心建设项目")
OUTPUTS = (1, 2, 3, 5, 8, 10, 12, 15, 20, 30, 50, 100)

RECOG_WEIGHTS = {
    "智能车间": 6,
    "智能工厂": 4,
    "绿色工厂": 5,
    "绿色供应链": 1,
    "服务型制造示范": 2,
    "两化融合贯标": 4,
    "专精特新小巨人": 2,
    "省级专精特新": 6,
    "首台套": 2,
    "上云企业": 6,
    "技术创新示范企业": 2,
    "工业设计中心": 2,
}
LEVEL_WEIGHTS = {"国家级": 1, "省级": 5, "市级": 3}
LEVELS_OF = {  # categories whose level is fixed by what they are
    "专精特新小巨人": ("国家级",),
    "省级专精特新": ("省级",),
    "制造业创新中心": ("国家级", "省级"),
    "首台套": ("国家级", "省级"),
}
# province (first two digits of GB/T 2260) → (short name in document numbers, name companies carry)
PROVINCES = {
    "41": ("豫", "河南"),
    "11": ("京", "北京"),
    "32": ("苏", "江苏"),
    "37": ("鲁", "山东"),
    "42": ("鄂", "湖北"),
    "61": ("陕", "陕西"),
    "62": ("甘", "甘肃"),
}

BAD_TYPES = ("数字化转型", "设备更新", "智能化", "节能改造")
BAD_STATUS = ("在建", "建设中")
WARNING_NOTES = (
    "项目追加建设内容，实际完成投资超出备案总投资，备案变更手续正在办理",
    "设备价格上涨导致超概算，已报发改部门变更备案",
)

# ---------------------------------------------------------------------------------------------
# National codes


def new_uscc(rng: random.Random, division: str, taken: set[str]) -> str:
    """A valid 统一社会信用代码: 9 (工商) 1 (企业) + division + organisation code + check."""
    alphabet = uscc.ALPHABET
    while True:
        org = "".join(rng.choice("0123456789" if rng.random() < 0.6 else alphabet) for _ in range(8))
        body = "91" + division + org + rng.choice("0123456789X")
        code = body + uscc.calc_check_digit(body)
        if code not in taken:
            taken.add(code)
            return code


def bad_check(code: str, rng: random.Random) -> str:
    """The same code with a wrong check character (a typo on the last place)."""
    wrong = [c for c in uscc.ALPHABET if c != code[-1]]
    return code[:-1] + rng.choice(wrong)


def new_project_code(rng: random.Random, year: int, division: str, industry: str, taken: set[str]) -> str:
    while True:
        code = f"{year}-{division}-{industry}-03-{rng.randrange(10**6):06d}"
        if code not in taken:
            taken.add(code)
            return code


# ---------------------------------------------------------------------------------------------
# People and names


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18")) + str(rng.randint(0, 9)) + f"{rng.randrange(10**8):08d}"


def name_pool(reform_type: str) -> tuple[str, ...]:
    """The project names fitting a reform type, by the words in its name (any profile's types)."""
    for key, pool in (
        ("智能", NAMES_SMART),
        ("绿色", NAMES_GREEN),
        ("高端", NAMES_HIGH),
        ("服务", NAMES_SERVICE),
        ("技术改造", NAMES_TECH),
    ):
        if key in reform_type:
            return pool
    return NAMES_OTHER
