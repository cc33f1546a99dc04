"""The county return's layout (DESIGN.md §3.1): sheets, fields, headers and their aliases.

Everything that reads or writes a return (template, parser, receipts, sample city) takes the
field list from here, so a header is spelled in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

PROJECT_SHEET = "项目表"
RECOGNITION_SHEET = "认定表"
INSTRUCTIONS_SHEET = "填报说明"
METADATA_SHEET = "_meta"
TEMPLATE_VERSION = "2026.1"

# Amount fields are stored in 万元; a header in 元 or 亿元 is converted (DESIGN.md §3.1).
AMOUNT_UNITS = {"万元": 1.0, "元": 1e-4, "千元": 1e-1, "亿元": 1e4}


@dataclass(frozen=True)
class Field:
    """A column of a return. Its value list and limits are rules, kept in rules/return_rules.yaml."""

    name: str  # identifier used in code, the warehouse and findings.csv
    header: str  # the template's header text
    kind: str  # text | code | enum | month | amount | int | pct | phone
    aliases: tuple[str, ...] = ()
    width: int = 14
    required: bool = False
    personal: bool = False  # never shown in leadership outputs
    sheet: str = PROJECT_SHEET

    @property
    def enum(self) -> tuple[str, ...]:
        """The fixed value list of the rules file (reform types come from the profile: ())."""
        from techreform.rules.book import default_book  # the rules read the schema: import late

        return default_book().field_values(self.sheet, self.name)


PROJECT_FIELDS: tuple[Field, ...] = (
    Field("seq", "序号", "int", ("编号", "行号"), width=6),
    Field(
        "uscc",
        "统一社会信用代码",
        "code",
        ("信用代码", "社会信用代码", "统一信用代码", "企业信用代码", "统一社会信用代码（18位）"),
        width=22,
        required=True,
    ),
    Field(
        "enterprise_name",
        "企业名称",
        "text",
        (
            "项目单位",
            "建设单位",
            "项目法人单位",
            "企业全称",
            "项目建设单位",
            "单位名称",
            "法人单位名称",
            "企业（单位）名称",
        ),
        width=28,
        required=True,
    ),
    Field(
        "above_scale",
        "是否规上企业",
        "enum",
        ("是否规上", "规上企业", "是否规模以上企业", "规模以上"),
        width=10,
    ),
    Field(
        "industry_code",
        "行业代码",
        "code",
        ("国民经济行业代码", "所属行业代码", "行业类别代码", "行业"),
        width=10,
    ),
    Field("project_name", "项目名称", "text", ("技改项目名称", "项目全称"), width=32, required=True),
    Field(
        "project_code",
        "项目代码",
        "code",
        (
            "项目编号",
            "项目代码（统一代码）",
            "项目统一代码",
            "投资项目统一代码",
            "投资项目代码",
            "备案代码",
            "项目备案代码",
            "项目代码（备案/核准）",
            "备案编号",
            "项目备案编号",
            "备案号",
            "项目编码",
            "项目备案（核准）代码",
            "备案（核准）代码",
        ),
        width=28,
    ),
    Field(
        "reform_type",
        "改造类型",
        "enum",
        ("改造类别", "技改方向", "技改类别", "技改类型", "改造方向", "项目类型"),
        width=14,
        required=True,
    ),
    Field(
        "construction_nature",
        "建设性质",
        "enum",
        ("建设类型",),
        width=16,
        required=True,
    ),
    Field(
        "status",
        "项目状态",
        "enum",
        ("项目阶段", "项目所处阶段", "建设进度", "建设状态", "项目进度", "状态"),
        width=10,
        required=True,
    ),
    Field(
        "start_month",
        "开工年月",
        "month",
        ("开工时间", "开工日期", "实际开工年月", "计划开工年月"),
        width=12,
        required=True,
    ),
    Field(
        "planned_completion",
        "计划竣工年月",
        "month",
        (
            "计划完工年月",
            "预计完工时间",
            "竣工投产年月",
            "投产年月",
            "计划竣工投产年月",
            "完工时间",
            "竣工年月",
            "计划竣工时间",
            "计划竣工日期",
            "预计竣工年月",
            "竣工时间",
        ),
        width=12,
    ),
    Field(
        "total_investment",
        "总投资（万元）",
        "amount",
        ("投资总额", "项目投资总额", "总投资额", "计划总投资", "项目总投资", "总投资额"),
        width=14,
        required=True,
    ),
    Field(
        "equipment_investment",
        "其中：设备投资（万元）",
        "amount",
        (
            "设备及工器具购置",
            "设备购置费",
            "其中设备购置",
            "设备投资",
            "其中设备投资",
            "设备购置投资",
            "其中：设备购置",
        ),
        width=14,
    ),
    Field(
        "annual_plan",
        "本年计划投资（万元）",
        "amount",
        (
            "本年计划完成投资",
            "年度投资计划",
            "本年投资计划",
            "年度计划投资额",
            "本年计划投资",
            "年度计划投资",
            "本年度计划投资",
            "年计划投资",
            "本年计划",
            "年度计划",
            "年投资计划",
        ),
        width=14,
    ),
    Field(
        "ytd_completed",
        "本年累计完成投资（万元）",
        "amount",
        (
            "本年实际完成投资",
            "今年完成投资",
            "本年已完成投资",
            "当年累计完成投资",
            "当年完成投资",
            "本年累计完成投资",
            "本年完成投资",
            "本年度累计完成投资",
            "本年度完成投资",
            "本年累计完成",
            "今年累计完成投资",
            "本年累计",
            "本年完成",
        ),
        width=14,
    ),
    Field(
        "cumulative_completed",
        "自开工累计完成投资（万元）",
        "amount",
        (
            "累计已完成投资",
            "已完成投资",
            "开工以来累计完成投资",
            "自开工累计完成投资",
            "累计完成投资",
            "开工累计完成投资",
            "自开工以来累计完成投资",
            "自开工累计",
            "累计完成",
        ),
        width=14,
    ),
    Field(
        "in_statistics",
        "是否入统",
        "enum",
        (
            "入统状态",
            "是否纳入统计库",
            "是否入统（入库）",
            "是否入库",
            "是否纳统",
            "入统情况",
            "是否纳入统计",
            "是否已入统",
            "是否已纳统",
        ),
        width=10,
    ),
    Field(
        "smart_equipment_units",
        "新增智能装备（台套）",
        "int",
        (
            "新增智能装备",
            "智能装备（台套）",
            "新增智能化设备（台套）",
            "新增智能装备数",
            "新增智能化装备（台套）",
            "新增智能化装备",
        ),
        width=12,
    ),
    Field(
        "staff_reduction_pct",
        "减少产线员工（%）",
        "pct",
        ("减少产线员工", "减员比例", "减少用工（%）", "产线减员（%）"),
        width=12,
    ),
    Field(
        "energy_reduction_pct",
        "降低综合能耗（%）",
        "pct",
        ("降低综合能耗", "降耗比例", "能耗降低（%）", "综合能耗降低（%）"),
        width=12,
    ),
    Field(
        "efficiency_gain_pct",
        "提升生产效率（%）",
        "pct",
        ("提升生产效率", "效率提升（%）", "生产效率提升（%）", "增效比例"),
        width=12,
    ),
    Field("contact", "联系人", "text", ("填报人", "项目联系人"), width=10),
    Field(
        "phone",
        "联系电话",
        "phone",
        ("联系人电话", "联系人手机", "联系人电话号码", "电话", "手机", "联系方式", "手机号码"),
        width=14,
        personal=True,
    ),
    Field("note", "备注", "text", ("说明", "核实说明", "备注说明"), width=30),
)

RECOGNITION_FIELDS: tuple[Field, ...] = tuple(
    replace(f, sheet=RECOGNITION_SHEET)
    for f in (
        Field(
            "uscc",
            "统一社会信用代码",
            "code",
            ("信用代码", "社会信用代码", "统一信用代码"),
            width=22,
            required=True,
        ),
        Field("enterprise_name", "企业名称", "text", ("单位名称",), width=28, required=True),
        Field(
            "category",
            "认定类别",
            "enum",
            ("类别", "认定类型", "认定名称"),
            width=18,
            required=True,
        ),
        Field("level", "级别", "enum", ("认定级别", "等级"), width=10, required=True),
        Field("year", "认定年份", "int", ("年份", "认定年度", "获评年份"), width=10, required=True),
        Field("document_no", "文号", "text", ("认定文号", "发文文号"), width=24),
    )
)

FIELDS_BY_SHEET = {PROJECT_SHEET: PROJECT_FIELDS, RECOGNITION_SHEET: RECOGNITION_FIELDS}
PROJECT_FIELD = {f.name: f for f in PROJECT_FIELDS}
RECOGNITION_FIELD = {f.name: f for f in RECOGNITION_FIELDS}
AMOUNT_FIELDS = tuple(f.name for f in PROJECT_FIELDS if f.kind == "amount")
