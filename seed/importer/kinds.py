"""The registry of spreadsheet kinds: each kind's headers with synonyms, natural key and updatable fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from db import models as m
from seed.importer import synonyms as syn
from seed.importer.kinds_oversight import OVERSIGHT_ENUM_SYNONYMS, OVERSIGHT_KINDS
from seed.importer.kinds_workshops import WORKSHOP_ENUM_SYNONYMS, WORKSHOP_KINDS
from seed.importer.kindspec import KINDS, Col, Kind, _register  # noqa: F401 - KINDS re-exported
from services.rules import levels

# Cadre levels as 章丘区 (a 区) says them; every other spelling is read too (ENUM_SYNONYMS), the code is stored.
LEVEL_CHOICES = tuple(levels.level_labels(levels.DISTRICT))


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    synonyms: tuple[str, ...] = field(default=())


# The four task-list indicators of the 2022 任务清单 (seeds/004 附件1); later years may add columns.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("示范创建", "食品小作坊示范创建", "家", ("示范创建", "小作坊示范创建", "食品小作坊示范创建（家）")),
    Indicator(
        "新升级为食品生产企业",
        "食品小作坊提升（新升级为食品生产企业数量）",
        "家",
        ("食品小作坊提升", "新升级为食品生产企业数量", "升级为生产企业", "小作坊提升", "小作坊升级"),
    ),
    Indicator("视频监管试点", "打造视频监管试点（家）", "家", ("打造视频监管试点", "视频监管试点", "视频监管")),
    Indicator(
        "抱团发展活动",
        "推进产业协会工作实现抱团高质量发展（活动次数）",
        "次",
        ("推进产业协会工作实现抱团高质量发展", "产业协会活动", "产业协会活动次数", "产业协会", "抱团发展活动"),
    ),
)

# A station column: its spellings, 单位 on the per-station sheets, and a 镇街 column where the kind has no township.
STATION_SYNONYMS = (*syn.STATION, *syn.STATION_AS_UNIT, *syn.TOWNSHIP)
STATION_NAMES = (*syn.rest(syn.STATION, "监管所"), *syn.TOWNSHIP)  # registers: 单位 there is a cadre's or a business's
# Columns that never hold data: ignored wherever they appear.
NON_DATA = ("序号", "备注", "说明", "联系人", "联系电话", "填报人", "审核人", "负责人", "排名", "编号", "完成率", "进度")

_station = Col("station", "监管所", syn.rest(STATION_SYNONYMS, "监管所"), "station", required=True, help="监管所名称，可写简称（如“明水”）或镇街名")
_year = Col("year", "年度", syn.rest(syn.YEAR, "年度"), "year", help="四位年份；不填时取标题中的年份")
_month = Col("month", "月份", syn.rest(syn.MONTH, "月份"), "month", help="1–12；不填时取标题中的月份")
_cadre_code = Col("cadre_code", "干部编号", syn.rest(syn.CADRE_CODE, "干部编号"), "code")
_cadre_name = Col("cadre_name", "干部姓名", syn.rest(syn.CADRE_NAME, "干部姓名"), "text")
_cadre_unit = Col("cadre_unit", "干部单位", syn.rest(syn.CADRE_UNIT, "干部单位"), "text")
_biz_code = Col("business_code", "主体编码", syn.rest(syn.BUSINESS_CODE, "主体编码"), "code")
_biz_name = Col("business_name", "主体名称", syn.rest(syn.BUSINESS_NAME, "主体名称"), "text")

_register(Kind(
    name="区县",
    table="district",
    columns=(
        Col("name", "区县", ("区县名称", "区", "县", "行政区"), required=True),
        Col("code", "行政区划代码", ("区划代码", "代码"), "code"),
        Col("population_wan", "常住人口（万人）", ("常住人口", "常住人口(万人)", "人口（万人）"), "float"),
        Col("population_year", "人口年份", ("人口统计年份", "统计年份"), "year"),
        Col("population_source", "人口来源", ("数据来源", "来源"), "text"),
    ),
    key="区县",
    updatable="行政区划代码、常住人口、人口年份、人口来源",
    title_words=("区县",),
    description="区县与常住人口（注明年份与来源）",
    template_example=(("章丘区", "370114", 110.1, 2023, "章丘区2023年统计公报"),),
))

_register(Kind(
    name="监管所",
    table="station",
    columns=(
        Col("name", "监管所", syn.rest(syn.STATION, "监管所", "所"), required=True),
        Col("townships", "所辖镇街", ("所辖镇（街道）", "辖区镇街", *syn.TOWNSHIP), help="多个镇街用顿号分隔"),
        Col("lat", "纬度", ("北纬",), "float"),
        Col("lon", "经度", ("东经",), "float"),
        Col("coord_precision", "坐标精度", ("坐标类型",), "enum", choices=("近似", "精确")),
        Col("coord_note", "坐标说明", ("坐标来源",)),
        Col("aliases", "别名", ("其他名称", "简称"), help="多个别名用顿号分隔"),
        Col("district", "区县", ("所属区县",)),
    ),
    key="监管所",
    updatable="所辖镇街、坐标、别名、区县",
    title_words=("监管所", "镇街"),
    description="监管所、所辖镇街与坐标（近似坐标须标明）",
    template_example=(("明水所", "明水街道", 36.717, 117.537, "近似", "镇街驻地估计位置", "明水监管所", "章丘区"),),
))

_register(Kind(
    name="任务清单",
    table="station_target",
    columns=(_station,),
    key="年度 + 监管所 + 指标",
    updatable="目标值",
    layout="wide",
    title_words=("任务清单", "任务分解", "目标任务", "任务表"),
    needs_year=True,
    description="各监管所年度任务目标：每行一个监管所，每列一个指标；末行合计须等于各行之和",
))

_register(Kind(
    name="任务进度",
    table="station_progress",
    columns=(
        _station,
        _month,
        Col("report_date", "上报日期", syn.rest(syn.REPORT_DATE, "上报日期"), "date", help="监管所报送的日期；不填为导入当日"),
    ),
    key="年度 + 月份 + 监管所 + 指标",
    updatable="累计完成数",
    layout="wide",
    title_words=("进度", "完成情况", "推进情况", "月报"),
    needs_year=True,
    needs_month=True,
    description="各监管所截至当月的累计完成数（空白=未报，不是0）",
))

_register(Kind(
    name="任务明细",
    table="task_item",
    columns=(
        _year,
        Col("station", "监管所", STATION_NAMES, "station", required=True, help=_station.help),
        Col("indicator", "指标", ("任务类型", "类别"), required=True, help="示范创建 / 新升级为食品生产企业 / 视频监管试点 / 抱团发展活动"),
        Col("name", "名称", ("点位名称", "示范点名称", "试点名称", "项目名称", "作坊名称"), required=True),
        Col("business_name", "主体名称", (*syn.rest(syn.BUSINESS_NAME, "主体名称"), "小作坊名称")),
        Col("planned_month", "计划月份", ("计划完成月份",), "month"),
        Col("status", "状态", ("进展状态", "完成状态"), "enum", choices=m.ITEM_STATUSES),
        Col("completed_date", "完成日期", ("验收日期", "完成时间"), "date"),
        Col("video_online", "视频是否在线", ("视频在线", "是否在线", "视频在线情况"), "bool"),
    ),
    key="年度 + 监管所 + 指标 + 名称",
    updatable="主体名称、计划月份、状态、完成日期、视频是否在线",
    title_words=("明细", "示范点", "试点名单", "点位"),
    needs_year=True,
    description="任务背后的点位：示范创建的小作坊、视频监管试点等",
    template_example=((2022, "明水所", "视频监管试点", "某某食品小作坊视频点", "某某食品小作坊", 6, "已完成", "2022-06-20", "是"),),
))

_register(Kind(
    name="配档表",
    table="schedule_milestone",
    columns=(
        Col("time_text", "时间", ("时间节点", "时间安排", "完成时限", "时限"), required=True, help="如“2022年2月底前”“2022年4月~6月”"),
        Col("focus", "工作重点", ("重点工作", "工作内容", "主要任务"), required=True),
        Col("measures", "推进措施", ("工作措施", "具体措施", "措施")),
        Col("note", "备注", ("说明",)),
        Col("status", "状态", ("完成状态",), "enum", choices=m.MILESTONE_STATUSES),
    ),
    key="年度 + 行序",
    updatable="时间、工作重点、推进措施、备注、状态",
    title_words=("配档表", "推进表", "时间安排"),
    needs_year=True,
    description="工作推进配档表：每行一个时间窗口",
))

_register(Kind(
    name="工作要点",
    table="plan_task",
    columns=(
        Col("number", "序号", ("编号", "任务序号"), "int", required=True),
        Col("section", "章节", ("部分", "类别", "分类")),
        Col("title", "任务", ("任务名称", "工作任务", "要点")),
        Col("text", "内容", ("任务内容", "工作内容", "具体内容", "主要内容", "主要任务", "重点任务"),
            help="任务全文；没有这一列时以“任务”列为内容（二者至少有一列）"),
        Col("deadline_text", "完成时限", ("时限", "完成时间", "截止日期", "截止时间", "时间要求", "完成期限"),
            help="日期、“2022年12月底前”“4月~6月”“全年”或“长期坚持”；不填时取实施阶段的结束日期，再不然取内容中写明的"
                 "时限，都没有的为未定期限"),
        Col("label", "条目", ("文内编号", "条款"), help="文件自己的编号，如“二(一)”"),
        Col("units", "责任单位", ("责任分工",),
            help="如“（食品生产监管科统筹，各监管所落实）”；内容中的括注（…牵头，…配合）同样解析"),
        Col("lead_units", "牵头单位", ("牵头部门", "牵头科室"), help="多个单位用顿号分隔"),
        Col("resp_units", "负责单位", ("责任部门", "负责部门"), help="多个单位用顿号分隔"),
        Col("co_units", "配合单位", ("配合部门", "协办单位"), help="多个单位用顿号分隔"),
        Col("phase", "实施阶段", ("所属阶段",), help="任务所在的工作阶段，如“三(二)”：未写完成时限时以该阶段结束日期为时限"),
        Col("plan_title", "文件名称", ("计划名称", "文件标题")),
        Col("issuer", "发文单位", ()),
        Col("jurisdiction", "辖区", ()),
        Col("plan_year", "计划年度", (), "year"),
    ),
    key="文件（标题 + 辖区 + 年度）+ 序号",
    updatable="章节、条目、任务、内容、完成时限、实施阶段、责任单位（及内容中的括注）",
    title_words=("工作要点", "计划", "要点"),
    description="工作要点：每张表一个文件（标题行写文件名称，第二行写“发文单位：…；辖区：…；年度：…；文号：…”），每行一条；"
                "辖区不是本库区县的文件作参考，不计入统计",
))

_register(Kind(
    name="工作阶段",
    table="plan_phase",
    columns=(
        Col("number", "序号", ("阶段序号",), "int", required=True),
        Col("label", "条目", ("阶段编号", "文内编号"), required=True, help="文件自己的编号，如“三(二)”"),
        Col("name", "阶段", ("阶段名称",), required=True),
        Col("time_text", "时间", ("时间安排",), required=True, help="文件中的写法，如“2022年3月至11月底”"),
        Col("start_date", "开始日期", ("起始日期",), "date", required=True),
        Col("end_date", "结束日期", ("截止日期",), "date", required=True),
        Col("text", "工作举措", ("工作内容", "主要任务")),
        Col("plan_title", "文件名称", ("计划名称", "文件标题")),
        Col("issuer", "发文单位", ()),
        Col("jurisdiction", "辖区", ()),
        Col("plan_year", "计划年度", (), "year"),
    ),
    key="文件（标题 + 辖区 + 年度）+ 序号",
    updatable="条目、阶段、时间、开始日期、结束日期、工作举措",
    title_words=("工作阶段", "时间安排及工作举措"),
    description="工作要点的实施阶段及其起止日期（标题行写文件名称，第二行写“发文单位：…；辖区：…；年度：…”）；"
                "任务清单按阶段窗口计算时序进度",
))

_register(Kind(
    name="工作要点进展",
    table="plan_task_status",
    columns=(
        Col("plan_title", "文件名称", ("计划名称", "工作要点", "文件"), required=True),
        Col("plan_year", "计划年度", (), "year"),
        Col("number", "序号", ("任务序号",), "int", required=True),
        _year,
        _month,
        Col("status", "状态", ("进展状态", "完成状态"), "enum", required=True, choices=m.PLAN_STATUSES),
        Col("delay_reason", "延期原因", ("未完成原因",)),
        Col("notes", "进展情况", ("备注", "工作进展", "说明")),
    ),
    key="文件 + 序号 + 年度 + 月份",
    updatable="状态、延期原因、进展情况",
    title_words=("进展", "落实情况"),
    needs_year=True,
    needs_month=True,
    description="工作要点每月进展",
    template_example=(("2024年食品安全协调工作要点", 2024, 1, 2024, 5, "进行中", "", "已完成部署"),),
))

_register(Kind(
    name="指标",
    table="kpi",
    columns=(
        Col("name", "指标名称", ("指标", "考核指标"), required=True),
        Col("unit", "单位", ("计量单位",), required=True, help="% 表示比率，其余为计数单位"),
        Col("target", "目标值", ("目标", "年度目标"), "number", required=True),
        Col("direction", "方向", ("考核方向",), "enum", choices=("≥", "≤")),
        Col("pacing", "进度类型", ("进度", "时序类型"), "enum", choices=m.PACING_KINDS),
        Col("baseline", "基线", ("基数", "年初值"), "number"),
        Col("due_date", "截止日期", ("完成时限",), "date"),
        Col("jurisdiction", "辖区", ("区县", "地区"), required=True),
        Col("year", "年度", syn.rest(syn.YEAR, "年度"), "year", required=True),
        Col("gauged", "是否仪表", ("仪表", "纳入仪表"), "bool"),
        Col("rule_text", "规则说明", ("说明", "规则")),
        Col("source_doc", "来源文件", ("来源", "文件")),
        Col("source_article", "条款", ("条目", "来源条款")),
        Col("window_start", "起始日期", ("开始日期", "起算日期"), "date",
            help="来源写明推进起始日时填写；不填则按当年1月1日起算"),
    ),
    key="指标名称 + 辖区 + 年度",
    updatable="单位、目标值、方向、进度类型、基线、起始日期、截止日期、是否仪表、说明、来源",
    title_words=("指标",),
    description="指标及目标（比率以百分数填写），注明来源文件与条款",
))

_register(Kind(
    name="指标月报",
    table="kpi_reading",
    columns=(
        Col("name", "指标名称", ("指标",), required=True),
        Col("jurisdiction", "辖区", ("区县",), required=True),
        _year,
        _month,
        Col("value", "本年累计", ("累计值", "完成值", "实际值", "数值"), "number", required=True),
        Col("numerator", "分子", (), "number"),
        Col("denominator", "分母", (), "number"),
    ),
    key="指标 + 年度 + 月份",
    updatable="本年累计、分子、分母",
    title_words=("指标月报", "指标完成"),
    needs_year=True,
    needs_month=True,
    description="指标每月的本年累计值（比率以百分数填写）",
    template_example=(("监督抽检批次", "章丘区", 2022, 10, 4200, "", ""),),
))

_register(Kind(
    name="包保主体",
    table="business",
    columns=(
        Col("uscc", "统一社会信用代码", ("信用代码", "社会信用代码"), "code"),
        Col("license", "许可证编号", ("许可证号", "登记证编号"), "code"),
        Col("name", "主体名称", syn.rest(syn.BUSINESS_NAME, "主体名称"), required=True),
        Col("sector", "业态", ("主体类型", "类型"), "enum", required=True, choices=m.SECTORS),
        Col("subtype", "细分类型", ("子类型", "具体类型")),
        Col("tier", "包保分级", ("主体分级", "包保等级"), "enum", required=True, choices=m.GRADES),
        Col("risk_level", "风险等级", ("风险分级",), "enum", required=True, choices=m.GRADES),
        Col("station", "监管所", syn.rest(syn.STATION, "监管所"), "station", required=True, help=_station.help),
        Col("township", "镇街", syn.rest(syn.TOWNSHIP, "镇街")),
        Col("address", "地址", ("经营地址", "住所", "生产地址")),
        Col("lat", "纬度", (), "float"),
        Col("lon", "经度", (), "float"),
        Col("status", "经营状态", ("状态",), "enum", choices=m.BUSINESS_STATUSES),
    ),
    key="统一社会信用代码或许可证编号；都没有时为 名称 + 监管所 + 地址（规范化后）",
    updatable="除键以外的全部字段",
    title_words=("包保主体", "主体台账"),
    description="包保主体台账：包保分级（A最大）与风险等级（A风险最低）是两列",
    template_example=(("91370181MA3C000001", "", "某某食品有限公司", "生产", "", "B", "C", "明水所", "明水街道", "明水街道某路1号", "", "", "在营"),),
))

_register(Kind(
    name="包保干部",
    table="cadre",
    columns=(
        Col("code", "干部编号", ("编号", *syn.rest(syn.CADRE_CODE, "干部编号")), "code"),
        Col("name", "姓名", syn.rest(syn.CADRE_NAME, "姓名"), required=True),
        Col("level", "层级", ("包保层级", "干部层级"), "enum", required=True, choices=LEVEL_CHOICES),
        Col("unit", "单位", ("工作单位", *syn.CADRE_UNIT), required=True),
        Col("title", "职务", ()),
        Col("station", "监管所", STATION_NAMES, "station"),
    ),
    key="干部编号；没有时为 姓名 + 单位",
    updatable="层级、职务、监管所",
    title_words=("包保干部",),
    description="包保干部：层级为 " + " / ".join(LEVEL_CHOICES) + "（镇级、街道级、社区级等写法也可）",
    template_example=(("GB0001", "张某", LEVEL_CHOICES[2], "明水街道办事处", "副主任", "明水所"),),
))

_register(Kind(
    name="包保关系",
    table="assignment",
    columns=(
        _cadre_code, _cadre_name, _cadre_unit, _biz_code, _biz_name,
        Col("station", "监管所", STATION_NAMES, "station"),
        Col("start_date", "开始日期", ("包保开始日期", *syn.rest(syn.START_DATE, "开始日期")), "date", required=True),
        Col("end_date", "结束日期", ("包保结束日期", *syn.rest(syn.END_DATE, "结束日期")), "date"),
    ),
    key="干部 + 主体 + 开始日期",
    updatable="结束日期",
    title_words=("包保关系", "包保对应"),
    description="哪位干部从哪天起包保哪个主体（干部按编号或姓名+单位，主体按编码或名称+监管所）",
    template_example=(("GB0001", "张某", "明水街道办事处", "91370181MA3C000001", "某某食品有限公司", "明水所", "2022-01-01", ""),),
))

_register(Kind(
    name="督导记录",
    table="visit",
    columns=(
        Col("record_no", "记录编号", ("督导编号",), "code"),
        Col("visit_date", "督导日期", ("日期", "督导时间"), "date", required=True),
        _cadre_code, _cadre_name, _cadre_unit, _biz_code, _biz_name,
        Col("station", "监管所", STATION_NAMES, "station"),
        Col("method", "督导方式", ("方式",), "enum", required=True, choices=m.VISIT_METHODS),
        Col("problems_found", "发现问题数", ("问题数", "发现问题"), "int"),
        Col("note", "备注", ("督导情况",)),
    ),
    key="记录编号；没有时为 日期 + 干部 + 主体 + 方式 + 当日序号",
    updatable="方式、发现问题数、备注",
    title_words=("督导记录", "督导台账"),
    description="包保督导记录",
    template_example=(("DD2022000001", "2022-03-15", "GB0001", "张某", "明水街道办事处", "91370181MA3C000001", "某某食品有限公司", "明水所", "现场", 1, ""),),
))

_register(Kind(
    name="问题",
    table="problem",
    columns=(
        Col("record_no", "记录编号", ("督导编号",), "code",
            help="包保督导发现的问题填写督导记录编号；执法等没有督导记录的问题不填，改填主体和发现日期"),
        Col("seq", "序号", ("问题序号",), "int", required=True),
        Col("description", "问题描述", ("问题", "存在问题"), required=True),
        Col("deadline", "整改期限", ("整改时限",), "date"),
        Col("status", "整改状态", ("状态",), "enum", choices=m.PROBLEM_STATUSES),
        Col("closed_date", "销号日期", ("整改完成日期", "完成日期"), "date"),
        Col("source", "问题来源", ("来源", "发现途径"), "enum", choices=m.PROBLEM_SOURCES,
            help="不填时：有记录编号的为包保督导，没有的为执法；抽检发现的问题随抽检表导入"),
        Col("business_code", "主体编码", syn.rest(syn.BUSINESS_CODE, "主体编码"), "code", help="没有记录编号的问题填写"),
        Col("business_name", "主体名称", syn.rest(syn.BUSINESS_NAME, "主体名称"), help="没有记录编号的问题填写"),
        Col("station", "监管所", STATION_NAMES, "station", help="没有记录编号的问题填写，按名称查找主体时用"),
        Col("found_date", "发现日期", ("检查日期", "执法检查日期", "发现时间"), "date", help="没有记录编号的问题必填"),
    ),
    key="督导记录 + 序号；没有记录编号时为 主体 + 发现日期 + 序号",
    updatable="问题描述、整改期限、整改状态、销号日期、问题来源",
    title_words=("问题清单", "问题台账", "整改"),
    description="督导发现的问题及整改（清单制 + 销号制）；问题来源为 包保督导 / 风险隐患 / 执法 / 抽检，不填为包保督导；"
                "执法检查发现的问题没有督导记录：不填记录编号，写明主体（编码或名称 + 监管所）和发现日期",
    template_example=(("DD2022000001", 1, "进货查验记录不全", "2022-03-30", "已销号", "2022-03-28", "包保督导", "", "", "", ""),),
    any_of=("record_no", "source"),  # without 记录编号 a sheet says 问题来源: else it is a 隐患清单
))

# 风险隐患排查整治表 (seeds/001: "每月23日前上报风险隐患排查整治表"): one row per station for a month.
_register(Kind(
    name="风险隐患",
    table="hazard_report",
    columns=(
        _station,
        _year,
        _month,
        Col("entities_checked", "检查主体数", ("检查主体", "检查户数", "排查主体数", "检查经营主体数"), "int",
            help="本月检查的主体数（家）"),
        Col("hazards_found", "发现隐患数", ("发现隐患", "发现风险隐患数", "排查隐患数", "发现问题隐患数"), "int",
            help="本月发现的风险隐患数（项）"),
        Col("hazards_rectified", "整改隐患数", ("已整改隐患数", "已整改数", "整改完成数", "完成整改数"), "int",
            help="本月发现的隐患中截至上报时已整改的数量，不能大于发现隐患数"),
        Col("cases_opened", "立案数", ("立案", "立案查处数", "立案件数"), "int", help="本月立案查处数（件）"),
        Col("report_date", "上报日期", syn.rest(syn.REPORT_DATE, "上报日期"), "date", help="监管所报送的日期；不填为导入当日"),
    ),
    key="年度 + 月份 + 监管所",
    updatable="检查主体数、发现隐患数、整改隐患数、立案数、上报日期",
    per_station=True,
    title_words=("风险隐患排查整治", "隐患排查整治", "排查整治"),
    needs_year=True,
    needs_month=True,
    description="各监管所每月23日前上报的风险隐患排查整治表：一行一个所，四项数字都空白的行为未报；"
                "整改隐患数不能大于发现隐患数；已导入隐患清单的，与清单条数不一致时提示",
))

_register(Kind(
    name="隐患清单",
    table="hazard",
    columns=(
        Col("code", "隐患编号", (), "code",
            help="有编号的按编号更新（编号全年唯一）；没有编号时按监管所、发现日期、主体和隐患描述识别"),
        Col("station", "监管所", STATION_NAMES, "station",
            required=True, help="监管所名称，可写简称（如“明水”）或镇街名"),
        Col("year", "年度", (*syn.rest(syn.YEAR, "年度"), "上报年度"), "year", help="隐患列入哪一年的排查整治表；不填时取标题中的年份，标题也没有时取发现日期的年份"),
        Col("month", "月份", (*syn.rest(syn.MONTH, "月份"), "上报月份"), "month",
            help="隐患列入哪个月的排查整治表（1–12）；不填时取标题中的月份，标题也没有时取发现日期的月份"),
        Col("business_name", "主体名称", (*syn.rest(syn.BUSINESS_NAME, "主体名称"), "被检查单位", "检查对象"), required=True),
        Col("business_code", "主体编码", syn.rest(syn.BUSINESS_CODE, "主体编码"), "code",
            help="填写后按编码关联包保主体台账；不填时按名称在本所主体中查找"),
        Col("description", "隐患描述", ("隐患内容", "风险隐患", "存在隐患", "隐患问题", "问题描述"), required=True),
        Col("found_date", "发现日期", ("检查日期", "排查日期", "发现时间"), "date", required=True),
        Col("deadline", "整改期限", ("整改时限", "整改截止日期"), "date"),
        Col("hazard_status", "整改状态", ("状态", "整改情况"), "enum", choices=m.HAZARD_STATUSES,
            help="不填时：有整改日期为已整改，否则为未整改；是否逾期由整改期限自动判断"),
        Col("rectified_date", "整改日期", ("整改完成日期", "完成整改日期", "销号日期"), "date"),
    ),
    key="隐患编号；没有时为 监管所 + 发现日期 + 主体名称 + 隐患描述",
    updatable="年度、月份、主体、整改期限、整改状态、整改日期",
    title_words=("隐患清单", "隐患台账", "隐患明细"),
    description="风险隐患清单（清单制 + 销号制）：用来核对排查整治表中的发现隐患数和整改隐患数",
    template_example=(("YH2022100001", "明水所", 2022, 10, "某某饭店", "", "冷藏设施温度记录缺失", "2022-10-12",
                       "2022-10-27", "未整改", ""),),
))

# Order in which kinds are applied when several files land together (parents first).
APPLY_ORDER = (
    "区县", "监管所", "任务清单", "任务进度", "配档表", "工作阶段", "工作要点", "工作要点进展",
    "指标", "指标月报", "包保主体", "小作坊", "摸排", "评选",
    "任务明细",  # after the workshops: an item names a 小作坊 of the same import
    "包保干部", "包保关系", "督导记录", "问题",
    "主体责任", "抽检",  # after the visits they may name and the businesses they match
    "风险隐患", "隐患清单",  # the list after the counts: its check then sees the counts of the same import
)

ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    # every spelling of a level (区级, 街道级, 社区, 县级, 乡 …) → the 区's label; the handler stores the code
    "level": {spelling: levels.level_label(code, levels.DISTRICT)
              for spelling, code in {**{c: c for c in levels.CODES}, **levels.SPELLINGS}.items()},
    "direction": {">=": "≥", "≥": "≥", "<=": "≤", "≤": "≤", "不低于": "≥", "不高于": "≤", "以上": "≥", "以下": "≤"},
    "hazard_status": {"整改中": "未整改", "待整改": "未整改", "未完成": "未整改", "已完成": "已整改",
                      "已销号": "已整改", "完成整改": "已整改", "超期": "逾期", "逾期未整改": "逾期", "超期未整改": "逾期"},
    "method": {"现场督导": "现场", "实地": "现场", "实地督导": "现场", "电话": "电话询问", "视频": "视频会议",
               "线上督导": "线上", "集中": "集中督导"},
}

# The 小作坊 kinds (kinds_workshops.py), registered last: an older kind wins a tie on a sheet that fits both.
for _kind in WORKSHOP_KINDS:
    _register(_kind)
ENUM_SYNONYMS.update(WORKSHOP_ENUM_SYNONYMS)

# The 主体责任 and 抽检 kinds (kinds_oversight.py), registered after them.
for _kind in OVERSIGHT_KINDS:
    _register(_kind)
ENUM_SYNONYMS.update(OVERSIGHT_ENUM_SYNONYMS)
