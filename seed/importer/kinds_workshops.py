"""The 食品小作坊 kinds (seeds/004 二(二)–(六)): the 小作坊 名录, the 无证黑窝点 摸排 and the 评选 entries.

Defined here, registered by kinds.py (at its end, so the older kinds win a tie when a sheet fits two kinds)."""

from __future__ import annotations

from db import models as m
from seed.importer import synonyms as syn
from seed.importer.kindspec import Col, Kind

_STATION_HELP = "监管所名称，可写简称（如“明水”）或镇街名"
NORM_CHOICES = (m.NORM_MET, m.NORM_UNMET)
ARCHIVE_CHOICES = (m.ARCHIVE_BUILT, m.ARCHIVE_NOT_BUILT)
# Other spellings of a norm label a register may use (the label itself is 004 二(四)'s word).
_NORM_SYNONYMS = {
    "norm_self_check": ("自查制度", "自查制度落实情况"),
    "norm_health": ("从业人员健康查体", "健康证明", "健康体检"),
    "norm_purchase": ("进货查验", "进货查验记录制度"),
    "norm_additives": ("添加剂公示", "食品添加剂使用公示"),
    "norm_operation": ("加工操作规范",),
    "norm_cleanliness": ("场所卫生",),
    "norm_labelling": ("包装标识规范", "标签标识规范"),
}
NORM_FIELDS = tuple(f for f, _label in m.NORMS)

WORKSHOP = Kind(
    name="小作坊",
    table="workshop",
    columns=(
        Col("name", "小作坊名称", ("食品小作坊名称", "作坊名称", "小作坊", "食品小作坊"), required=True),
        Col("license", "登记证号", ("登记证编号", "小作坊登记证号", "小作坊登记证编号", "登记证", "许可证编号", "许可证号"),
            "code", help="食品小作坊登记证编号；填写后按登记证号识别，不填时按名称、监管所和地址识别"),
        Col("station", "监管所", syn.rest(syn.STATION, "监管所"), "station", required=True, help=_STATION_HELP),
        Col("township", "镇街", syn.rest(syn.TOWNSHIP, "镇街")),
        Col("address", "地址", ("生产地址", "经营地址", "住所", "生产经营地址")),
        Col("tier", "包保分级", ("主体分级", "包保等级"), "enum", choices=m.GRADES,
            help="包保主体台账中已有的小作坊可不填（保留原值）；新登记的必填"),
        Col("risk_level", "风险等级", ("风险分级",), "enum", choices=m.GRADES,
            help="包保主体台账中已有的小作坊可不填（保留原值）；新登记的必填"),
        Col("category", "品类", ("生产品类", "食品品类", "主要品种", "生产品种")),
        Col("producing", "是否在产", ("在产", "是否生产", "在产情况"), "bool", help="不填为在产"),
        Col("cold_chain", "是否冷链", ("冷链", "冷链小作坊", "是否冷链食品小作坊"), "bool"),
        Col("cold_rooms", "冷库数量", ("冷库", "冷库数", "冷库个数"), "int", help="冷链小作坊的冷库数量"),
        Col("high_risk", "是否高风险", ("高风险", "高风险小作坊", "是否高风险小作坊"), "bool"),
        Col("video", "是否远程视频监管", ("远程视频监管", "视频监管", "是否视频监管", "是否安装视频监控"), "bool"),
        Col("video_online", "视频是否在线", ("视频在线", "是否在线", "视频在线情况"), "bool",
            help="纳入远程视频监管的小作坊填写"),
        Col("demo_site", "是否示范", ("示范", "示范小作坊", "是否示范小作坊", "是否示范创建"), "bool"),
        Col("upgraded_date", "升级日期", ("升级为生产企业日期", "提升日期", "升级时间"), "date",
            help="升级为食品生产企业的日期"),
        Col("new_licence", "新许可证号", ("食品生产许可证号", "新许可证编号", "生产许可证号"), "code",
            help="升级后取得的食品生产许可证编号（须同时填写升级日期）"),
        Col("archive_supervision", "监管档案", ("监管档案建立情况", "是否建立监管档案"), "enum", choices=ARCHIVE_CHOICES),
        Col("archive_supervision_date", "监管档案建档日期", ("监管档案建立日期",), "date"),
        Col("archive_risk", "风险防控档案", ("风险防控档案建立情况", "是否建立风险防控档案", "风险防控台账"), "enum",
            choices=ARCHIVE_CHOICES),
        Col("archive_risk_date", "风险防控档案建档日期", ("风险防控档案建立日期",), "date"),
        *(Col(f, label, _NORM_SYNONYMS.get(f, ()), "enum", choices=NORM_CHOICES, help="十个管理规范之一；不填为未评")
          for f, label in m.NORMS),
        Col("review_date", "第三方评价日期", ("第三方检查评价日期", "评价日期"), "date"),
        Col("review_result", "第三方评价结果", ("第三方检查评价结果", "评价结果"), "enum", choices=m.REVIEW_RESULTS),
        Col("review_problems", "评价发现问题数", ("评价问题数", "第三方评价发现问题数"), "int"),
        Col("exit_date", "退出日期", ("退出时间",), "date", help="不符合退出机制：退出的日期（须同时填写退出原因）"),
        Col("exit_reason", "退出原因", ("退出理由",)),
    ),
    key="登记证号；没有时为 小作坊名称 + 监管所 + 地址（规范化后），与包保主体台账同一主体",
    updatable="除键以外的全部字段；已有主体的包保分级、风险等级、镇街、地址不填时保留原值",
    title_words=("小作坊名录", "小作坊台账", "小作坊名单", "作坊名录"),
    description="食品小作坊名录：每行一个小作坊，同时写入包保主体台账（业态为小作坊）；冷链、高风险、远程视频监管、"
                "两个档案、十个管理规范（达标/不达标，不填为未评）、第三方评价、提升与退出",
    template_example=(("某某食品小作坊", "XZF3701810001", "明水所", "明水街道", "明水街道某村1号", "C", "B", "熟肉制品",
                       "是", "是", 1, "是", "是", "是", "否", "", "", "已建", "2022-03-20", "已建", "2022-03-20",
                       *["达标"] * 10, "2022-09-15", "合格", 0, "", ""),),
)

SWEEP = Kind(
    name="摸排",
    table="workshop_sweep",
    columns=(
        Col("sweep_date", "摸排日期", ("排查日期", "检查日期", "日期", "摸排时间"), "date", required=True),
        Col("station", "监管所", syn.rest(syn.STATION, "监管所"), "station", required=True, help=_STATION_HELP),
        Col("township", "镇街", syn.rest(syn.TOWNSHIP, "镇街")),
        Col("place", "地点", ("摸排地点", "窝点地址", "地址", "窝点位置", "排查地点", "具体位置"), required=True),
        Col("sweep_kind", "类型", ("窝点类型", "摸排类型", "类别"), "enum", choices=m.SWEEP_KINDS, help="不填为黑作坊"),
        Col("outcome", "处理结果", ("处置结果", "处理情况", "处置情况", "查处情况"), "enum", choices=m.SWEEP_OUTCOMES,
            help="不填为无问题"),
        Col("case_no", "案件编号", ("立案编号", "案号", "案件号"), "code", help="查处的填写立案编号"),
    ),
    key="摸排日期 + 监管所 + 地点（规范化后）",
    updatable="镇街、类型、处理结果、案件编号",
    title_words=("摸排", "黑窝点", "黑作坊"),
    description="无证黑窝点常态化摸排：每行一次摸排，写明地点和处理结果（查处 / 取缔 / 移交 / 无问题）",
    template_example=(("2022-05-12", "明水所", "明水街道", "明水街道某村东200米", "黑作坊", "取缔", ""),),
)

AWARD = Kind(
    name="评选",
    table="workshop_award",
    columns=(
        Col("year", "年度", syn.rest(syn.YEAR, "年度"), "year", help="四位年份；不填时取标题中的年份"),
        Col("award", "评选", ("评选类别", "评选项目", "评选活动"), "enum", required=True, choices=m.AWARDS),
        Col("name", "小作坊名称", ("食品小作坊名称", "作坊名称", "小作坊"), required=True,
            help="包保主体台账中业态为小作坊的主体，按监管所查找"),
        Col("license", "登记证号", ("登记证编号", "小作坊登记证号", "许可证编号"), "code", help="填写后按登记证号查找"),
        Col("station", "监管所", (*syn.rest(syn.STATION, "监管所"), *syn.TOWNSHIP), "station", required=True,
            help=_STATION_HELP),
        Col("award_stage", "阶段", ("评选结果", "评选阶段", "进展"), "enum", choices=m.AWARD_STAGES, help="不填为推荐"),
    ),
    key="年度 + 评选 + 小作坊",
    updatable="监管所、阶段",
    title_words=("评选", "出彩小作坊", "老字号"),
    needs_year=True,
    description="出彩小作坊、老字号评选：每行一个参评小作坊及其阶段（推荐 / 入围 / 获评）；小作坊须已在名录中",
    template_example=((2022, "出彩小作坊", "某某食品小作坊", "XZF3701810001", "明水所", "获评"),),
)

WORKSHOP_KINDS = (WORKSHOP, SWEEP, AWARD)

_NORM_SPELLINGS = {"是": m.NORM_MET, "合格": m.NORM_MET, "符合": m.NORM_MET, "√": m.NORM_MET,
                   "否": m.NORM_UNMET, "不合格": m.NORM_UNMET, "不符合": m.NORM_UNMET, "×": m.NORM_UNMET}
_ARCHIVE_SPELLINGS = {"是": m.ARCHIVE_BUILT, "已建立": m.ARCHIVE_BUILT, "建立": m.ARCHIVE_BUILT, "有": m.ARCHIVE_BUILT,
                      "√": m.ARCHIVE_BUILT, "否": m.ARCHIVE_NOT_BUILT, "未建立": m.ARCHIVE_NOT_BUILT,
                      "无": m.ARCHIVE_NOT_BUILT, "×": m.ARCHIVE_NOT_BUILT}
# Spellings of the enumerations (by field), merged into kinds.ENUM_SYNONYMS.
WORKSHOP_ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    **{f: _NORM_SPELLINGS for f in NORM_FIELDS},
    "archive_supervision": _ARCHIVE_SPELLINGS,
    "archive_risk": _ARCHIVE_SPELLINGS,
    "sweep_kind": {"无证黑作坊": "黑作坊", "黑窝点": "黑作坊", "无证黑工厂": "黑工厂"},
    "outcome": {"立案查处": "查处", "立案": "查处", "已查处": "查处", "依法查处": "查处", "已取缔": "取缔",
                "依法取缔": "取缔", "移送": "移交", "已移交": "移交", "移送公安": "移交", "移交公安": "移交",
                "未发现问题": "无问题", "未发现": "无问题", "无": "无问题", "正常": "无问题"},
    "award_stage": {"已获评": "获评", "获奖": "获评", "获得": "获评", "已入围": "入围", "已推荐": "推荐",
                    "推荐参评": "推荐"},
}
