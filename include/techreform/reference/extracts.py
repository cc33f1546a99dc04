"""The tables the product reads besides the county return (DESIGN.md §3.2, §3.3): the statistics
bureau's FAI project extract and its unit totals, and the targets file (目标责任书).

They are read by the same tolerant table reader as the return (title rows, aliases, column order,
units, .xls), so each field is declared here once, with its header and the spellings the bureau's
system and offices use.
"""

from __future__ import annotations

from techreform.reference import schema
from techreform.reference.schema import Field

STATS_PROJECTS = "统计局项目库"
STATS_TOTALS = "统计局县区汇总"
TARGETS = "目标责任书"

TECH_REFORM_NATURE = "改建和技术改造"  # the only 建设性质 counted as tech-reform investment (§3.2)

_UNIT_CODE_ALIASES = (
    "县区代码",
    "县(市、区)代码",
    "县（市、区）代码",
    "区县代码",
    "县市区代码",
    "行政区划代码",
    "所在地区代码",
    "所在县区代码",
    "地区代码",
    "区划代码",
    "单位所在地代码",
    "县区",
)

STATS_PROJECT_FIELDS: tuple[Field, ...] = (
    Field(
        "stats_project_id",
        "统计项目编号",
        "code",
        ("项目编号", "统计编号", "项目统计编号", "入库编号", "项目库编号", "统计库编号", "项目ID", "项目id"),
        required=True,
    ),
    Field("project_name", "项目名称", "text", ("项目全称", "投资项目名称"), required=True),
    Field(
        "enterprise_name",
        "法人单位名称",
        "text",
        ("法人单位", "单位名称", "企业名称", "项目法人单位", "建设单位", "项目单位", "法人单位详细名称"),
        required=True,
    ),
    Field(
        "uscc",
        "统一社会信用代码",
        "code",
        ("信用代码", "社会信用代码", "统一信用代码", "法人单位统一社会信用代码", "法人单位代码"),
    ),
    Field("unit_code", "县区代码", "code", _UNIT_CODE_ALIASES, required=True),
    Field("construction_nature", "建设性质", "text", ("性质", "项目建设性质"), required=True),
    Field(
        "total_investment",
        "计划总投资（万元）",
        "amount",
        ("计划总投资", "总投资", "项目总投资", "计划投资总额", "投资总额"),
    ),
    Field(
        "ytd_completed",
        "本年累计完成投资（万元）",
        "amount",
        schema.PROJECT_FIELD["ytd_completed"].aliases + ("本年完成投资额", "本年累计完成投资额"),
        required=True,
    ),
    Field("project_code", "项目代码", "code", schema.PROJECT_FIELD["project_code"].aliases),
    Field("industry_code", "行业代码", "code", ("国民经济行业代码", "所属行业代码", "行业类别代码")),
    Field("registered_month", "入库年月", "month", ("入库时间", "入库日期", "纳统年月", "入统年月")),
)

STATS_TOTAL_FIELDS: tuple[Field, ...] = (
    Field("unit_code", "县区代码", "code", _UNIT_CODE_ALIASES, required=True),
    Field(
        "industrial_ytd",
        "工业投资本年累计（万元）",
        "amount",
        ("工业投资本年累计", "工业投资本年累计完成", "本年工业投资", "工业投资累计", "工业投资"),
        required=True,
    ),
    Field(
        "tech_ytd",
        "技改投资本年累计（万元）",
        "amount",
        ("技改投资本年累计", "技改投资本年累计完成", "本年技改投资", "技改投资累计", "技改投资"),
        required=True,
    ),
    Field(
        "industrial_prev",
        "上年同期工业投资（万元）",
        "amount",
        ("上年同期工业投资", "去年同期工业投资", "工业投资上年同期", "上年同期工业投资累计"),
    ),
    Field(
        "tech_prev",
        "上年同期技改投资（万元）",
        "amount",
        ("上年同期技改投资", "去年同期技改投资", "技改投资上年同期", "上年同期技改投资累计"),
    ),
)

TARGET_FIELDS: tuple[Field, ...] = (
    Field("unit_code", "单位代码", "code", _UNIT_CODE_ALIASES + ("单位", "代码"), required=True),
    Field("indicator", "指标", "text", ("指标名称", "考核指标", "指标代码", "指标id"), required=True),
    Field("target", "年度目标", "amount", ("目标值", "目标", "年度目标值", "全年目标"), required=True),
)

DECISIONS = "统计局匹配决定"
DECISION_FIELDS: tuple[Field, ...] = (
    Field("unit_code", "单位代码", "code", _UNIT_CODE_ALIASES),
    Field("project_code", "项目代码", "code", ("库内项目代码",)),
    Field("uscc", "统一社会信用代码", "code", ("信用代码", "社会信用代码")),
    Field("project_name", "项目名称", "text", ("库内项目名称", "县区项目名称")),
    Field("stats_project_id", "统计项目编号", "code", ("统计编号", "项目编号", "关联统计项目编号")),
    Field(
        "decision",
        "统计局意见",
        "text",
        ("统计局意见（确认/否决/关联）", "处理意见", "意见", "决定", "核实意见", "统计局决定"),
    ),
)

SUBSIDY_INPUTS = "奖补测算输入"
SUBSIDY_INPUT_FIELDS: tuple[Field, ...] = (
    Field("uscc", "统一社会信用代码", "code", ("信用代码", "社会信用代码", "统一信用代码"), required=True),
    Field("enterprise_name", "企业名称", "text", ("单位名称", "法人单位名称")),
    Field("project_code", "项目代码", "code", schema.PROJECT_FIELD["project_code"].aliases),
    Field("project_name", "项目名称", "text", ("项目或认定", "项目（认定）名称", "认定类别")),
    Field(
        "other_support",
        "已获上级或其他资金支持（万元）",
        "amount",
        ("已获上级资金支持", "上级资金支持", "已获其他资金支持", "已获资金支持", "其他专项资金支持"),
    ),
    Field("design_fee", "方案设计费（万元）", "amount", ("改造方案设计费", "设计费", "诊断方案设计费")),
    Field(
        "smart_equipment_purchase",
        "智能装备采购额（万元）",
        "amount",
        ("智能装备采购金额", "智能装备采购", "工业机器人及数控机床采购额", "智能设备采购额"),
    ),
    Field(
        "provincial_funds", "省级财政支持金额（万元）", "amount", ("省级财政支持", "省级资金", "省级财政补助")
    ),
    Field(
        "retained_tax",
        "当年地方留存税收（万元）",
        "amount",
        ("地方留存税收", "地方财政实得", "税收地方留存", "当年缴纳税收地方留存部分", "地方实得税收"),
    ),
)

FIELDS_BY_TABLE = {
    DECISIONS: DECISION_FIELDS,
    STATS_PROJECTS: STATS_PROJECT_FIELDS,
    STATS_TOTALS: STATS_TOTAL_FIELDS,
    TARGETS: TARGET_FIELDS,
    SUBSIDY_INPUTS: SUBSIDY_INPUT_FIELDS,
}


def fields_of(kind: str) -> tuple[Field, ...]:
    """The fields of a table kind: the return's two sheets or one of the tables above."""
    return schema.FIELDS_BY_SHEET.get(kind) or FIELDS_BY_TABLE[kind]


ALL_KINDS = (*schema.FIELDS_BY_SHEET, *FIELDS_BY_TABLE)
