"""The 主体责任 and 抽检 kinds (issue 20; seeds 002 流通 1–2 and 抽检, 003 10, 000 8): an enterprise's 食品安全总监 /
食品安全员 and its monthly 日管控、周排查、月调度 records; the 抽检 batches with the 核查处置 of each 不合格 one.

Defined here, registered by kinds.py (at its end, so the older kinds win a tie when a sheet fits two kinds)."""

from __future__ import annotations

from db import models as m
from seed.importer import synonyms as syn
from seed.importer.kindspec import Col, Kind

_STATION_HELP = "监管所名称，可写简称（如“明水”）或镇街名"
_STATION_NAMES = (*syn.rest(syn.STATION, "监管所"), *syn.TOWNSHIP)
_CODE_NAMES = syn.rest(syn.BUSINESS_CODE, "统一社会信用代码")
_RECORD_HELP = "是 / 否；不填为未查"
STAFF_FIELDS = ("director_name", "director_trained", "director_assessed", "officer_name", "officer_trained",
                "officer_assessed")
RECORD_FIELDS = tuple(f for f, _label in m.DUTY_RECORDS)

DUTY = Kind(
    name="主体责任",
    table="business_duty",
    columns=(
        Col("business_name", "主体名称", syn.rest(syn.BUSINESS_NAME, "主体名称"), required=True,
            help="包保主体台账中的主体，按信用代码、或名称（在监管所内）查找"),
        Col("business_code", "统一社会信用代码", _CODE_NAMES, "code", help="统一社会信用代码或许可证编号；填写后按编码查找"),
        Col("station", "监管所", _STATION_NAMES, "station", help=_STATION_HELP),
        Col("director_name", "食品安全总监", ("食品安全总监姓名", "安全总监", "安全总监姓名", "总监姓名"),
            help="姓名；不填时保留原值"),
        Col("director_trained", "总监是否培训", ("食品安全总监是否培训", "总监培训", "食品安全总监是否经过培训",
                                           "总监是否经过培训", "食品安全总监培训情况"), "bool", help="不填时保留原值"),
        Col("director_assessed", "总监是否考核", ("食品安全总监是否考核", "总监考核", "食品安全总监考核情况", "总监考核情况",
                                            "食品安全总监是否考核合格"), "bool", help="不填时保留原值"),
        Col("officer_name", "食品安全员", ("食品安全员姓名", "安全员", "安全员姓名", "食品安全管理员", "食品安全管理员姓名"),
            help="姓名，多人用顿号分隔；不填时保留原值"),
        Col("officer_trained", "安全员是否培训", ("食品安全员是否培训", "安全员培训", "食品安全员是否经过培训",
                                            "安全员是否经过培训", "食品安全管理员是否培训", "食品安全员培训情况"), "bool",
            help="不填时保留原值"),
        Col("officer_assessed", "安全员是否考核", ("食品安全员是否考核", "安全员考核", "食品安全员考核情况", "安全员考核情况",
                                             "食品安全管理员是否考核", "食品安全员是否考核合格"), "bool", help="不填时保留原值"),
        Col("period", "月份", ("检查月份", "统计月份", "报告月份", "所属月份", "月"),
            help="日管控、周排查、月调度所属的月份，如“2022年10月”或“2022-10”；只写月份时取标题中的年份；不填时只更新人员"),
        Col("daily", "日管控", ("日管控记录", "每日管控", "日管控落实情况", "日管控情况"), "bool", help=_RECORD_HELP),
        Col("weekly", "周排查", ("周排查记录", "每周排查", "周排查落实情况", "周排查情况"), "bool", help=_RECORD_HELP),
        Col("monthly", "月调度", ("月调度记录", "每月调度", "月调度落实情况", "月调度情况"), "bool", help=_RECORD_HELP),
        Col("duty_source", "记录来源", ("检查来源", "核查方式", "信息来源"), "enum", choices=m.DUTY_SOURCES,
            help="企业自查 / 包保督导；不填为企业自查（填写了督导记录编号时为包保督导）"),
        Col("visit_no", "督导记录编号", ("记录编号", "督导编号"), "code", help="包保督导时核查的督导记录"),
    ),
    key="主体；月份的记录为 主体 + 月份",
    updatable="食品安全总监、食品安全员及其培训、考核（不填保留原值）；该月的日管控、周排查、月调度、记录来源、督导记录",
    title_words=("主体责任", "日管控周排查月调度", "日管控", "食品安全总监"),
    description="企业主体责任：每行一个主体（可写月份），食品安全总监和食品安全员是否配备、培训、考核，"
                "当月日管控、周排查、月调度是否落实（是/否，不填为未查）；主体须已在包保主体台账中",
    template_example=(("某某食品有限公司", "91370181MA3C000001", "明水所", "王某", "是", "是", "李某、赵某", "是", "否",
                       "2022年10月", "是", "是", "否", "企业自查", ""),),
    any_of=(*STAFF_FIELDS, *RECORD_FIELDS),
)

SAMPLE = Kind(
    name="抽检",
    table="sample",
    columns=(
        Col("code", "抽样单编号", ("抽样单号", "抽样编号", "抽样单编码"), "code",
            help="填写后按编号识别；不填时按抽样日期、被抽样单位和样品名称识别"),
        Col("sample_date", "抽样日期", ("抽样时间", "采样日期", "抽检日期"), "date", required=True),
        Col("station", "监管所", _STATION_NAMES, "station", required=True, help=_STATION_HELP),
        Col("business_name", "被抽样单位", ("被抽样单位名称", "被抽检单位", "受检单位", "被检单位", *syn.BUSINESS_NAME), required=True,
            help="按写法保存；能在包保主体台账中找到（编码、或本所内唯一的名称）时关联该主体"),
        Col("business_code", "统一社会信用代码", _CODE_NAMES, "code", help="被抽样单位的统一社会信用代码或许可证编号"),
        Col("category", "食品大类", ("食品类别", "样品大类", "食品分类", "产品大类", "食品种类"), required=True),
        Col("sample_name", "样品名称", ("食品名称", "产品名称", "抽样样品名称"), required=True),
        Col("sample_kind", "任务类别", ("抽检类型", "任务来源", "抽检类别", "抽检任务类别", "抽样类型"), "enum",
            choices=m.SAMPLE_KINDS, help="不填为监督抽检"),
        Col("sample_result", "检验结论", ("结果", "检验结果", "判定结论", "抽检结果", "结论"), "enum", choices=m.SAMPLE_RESULTS,
            help="不填为检验中"),
        Col("lab_report_date", "报告日期", ("检验报告日期", "报告出具日期", "报告时间"), "date"),
        Col("failed_item", "不合格项目", ("不合格项", "不合格指标", "不合格项目名称"), help="检验结论为不合格时必填"),
        Col("deadline", "核查处置期限", ("处置期限", "核查处置时限", "处置时限"), "date"),
        Col("closed_date", "核查处置完成日期", ("处置完成日期", "核查处置日期", "完成日期", "处置日期"), "date",
            help="完成核查处置的日期，不能早于抽样日期"),
        Col("sample_outcome", "处置结果", ("核查处置结果", "处置情况", "处理结果", "核查处置情况"), "enum",
            choices=m.SAMPLE_OUTCOMES),
    ),
    key="抽样单编号；没有时为 抽样日期 + 被抽样单位 + 样品名称（规范化后）",
    updatable="除键以外的全部字段；不合格批次的核查处置（期限、完成日期、处置结果）",
    title_words=("抽检", "抽样", "监督抽检"),
    description="食品抽检台账：每行一个批次；不合格批次同时写入一条问题（来源为抽检，核查处置期限、完成日期、处置结果），"
                "被抽样单位须在包保主体台账中；其他批次找不到主体时按写法保存并提示",
    template_example=(("DBJ22370181000001", "2022-05-10", "明水所", "某某食品有限公司", "91370181MA3C000001", "粮食加工品",
                       "小麦粉", "监督抽检", "不合格", "2022-05-25", "脱氧雪腐镰刀菌烯醇", "2022-06-24", "2022-06-10",
                       "责令整改"),),
)

OVERSIGHT_KINDS = (DUTY, SAMPLE)

OVERSIGHT_ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "duty_source": {"自查": "企业自查", "企业": "企业自查", "企业自报": "企业自查", "督导": "包保督导", "包保": "包保督导",
                    "包保干部督导": "包保督导", "督导检查": "包保督导"},
    "sample_kind": {"监督": "监督抽检", "国抽": "监督抽检", "省抽": "监督抽检", "市抽": "监督抽检", "县抽": "监督抽检",
                    "专项": "专项抽检", "评价性": "评价性抽检", "评价": "评价性抽检", "监测": "风险监测",
                    "风险监测抽检": "风险监测", "你点我检抽检": "你点我检"},
    "sample_result": {"符合": "合格", "合格品": "合格", "不符合": "不合格", "不合格品": "不合格", "待检": "检验中", "在检": "检验中",
               "未出结果": "检验中", "检验中未出报告": "检验中"},
    "sample_outcome": {"立案": "立案查处", "已立案": "立案查处", "立案调查": "立案查处", "整改": "责令整改", "限期整改": "责令整改",
                "下架": "下架召回", "召回": "下架召回", "下架封存": "下架召回", "移送公安": "移送", "移交": "移送",
                "无问题": "核查无问题", "未发现问题": "核查无问题"},
}
