"""The canonical content of each kind: the header and rows a variant is built from, and the rows the export gives
back (python -m seed export KIND --format csv, compared as text: `text_rows`)."""

from __future__ import annotations

import datetime as dt
import math

from seed.export.rows import ROLE_UNIT_FIELDS
from seed.importer.kinds import KINDS, LEVEL_CHOICES

D = dt.date


def labels(kind: str) -> list[str]:
    """The export's header: every column of the kind but 工作要点's role-unit columns (exported inside 责任单位)."""
    return [c.label for c in KINDS[kind].columns if c.field not in ROLE_UNIT_FIELDS]


def norm(value: object) -> object:
    """A cell as compared: dates ISO, whole floats int, NaN/NaT/"" None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if type(value).__name__ == "NaTType":
        return None
    return value


def as_text(value: object) -> str:
    """A cell as the CSV export writes it: blank "", dates ISO, whole numbers without ".0", other floats by repr."""
    value = norm(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def text_rows(rows: list[list[object]]) -> list[list[str]]:
    return [[as_text(v) for v in row] for row in rows]


# --- 任务清单 / 任务进度 (wide: a station a row, an indicator a column) --------------------------------
TASK_HEADER = ["监管所", "食品小作坊示范创建", "食品小作坊提升（新升级为食品生产企业数量）", "打造视频监管试点（家）",
               "推进产业协会工作实现抱团高质量发展（活动次数）"]
TASK_UNITS = [None, "家", "家", "家", "次"]
TASK_GROUPS = {1: ("2022年度目标任务", 4)}
TASK_TITLE = "附件1：2022年度各监管所食品小作坊提升任务清单"
TASK_ROWS = [["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1], ["垛庄所", 6, 1, 2, 1]]
TASK_EXPORT = [list(r) for r in TASK_ROWS]  # stations in the bureau's order: 明水 1, 双山 2, 刁镇 3, 垛庄 17

PROGRESS_TITLE = "2023年6月各监管所任务完成情况（累计）"
PROGRESS_ROWS = [["明水所", 8, 1, 2, 1], ["双山所", 5, None, 3, 0], ["刁镇所", 4, 1, 1, 0]]
PROGRESS_EXPORT = [[r[0], 6, *r[1:]] for r in PROGRESS_ROWS]  # 上报日期 (column 2) dropped before comparing

# --- 监管所 ---------------------------------------------------------------------------------------------
STATION_HEADER = ["监管所", "所辖镇街", "纬度", "经度", "坐标精度", "坐标说明"]
STATION_ROWS = [["明水所", "明水街道", 36.717, 117.537, "近似", "镇街驻地估计位置"],
                ["双山所", "双山街道", 36.69, 117.53, "近似", "镇街驻地估计位置"],
                ["垛庄所", "垛庄镇", 36.48, 117.43, "精确", "所址"]]
STATION_EXPORT = [[*r, None, None] for r in STATION_ROWS]  # 别名, 区县 empty

# --- 包保主体 / 包保干部 / 包保关系 / 督导记录 ------------------------------------------------------------
BIZ_TEMPLATE_HEADER = labels("包保主体")
# "镇街", the label, is also a synonym of 监管所 today (#18 item 2): the layouts use the synonym "所在镇街"
BIZ_HEADER = [("所在镇街" if h == "镇街" else h) for h in BIZ_TEMPLATE_HEADER]
BIZ_ROWS = [
    ["91370181MA3C000001", None, "某某食品有限公司", "生产", None, "B", "C", "明水所", "明水街道", "明水街道某路1号",
     36.71, 117.53, "在营"],
    [None, "JY23701810000002", "张记小吃", "小餐饮", None, "D", "A", "刁镇所", "刁镇街道", "刁镇某街3号", None, None,
     "在营"],
    ["92370181MA3C000003", None, "垛庄农家菜馆", "餐饮", "农家乐", "C", "B", "垛庄所", "垛庄镇", "垛庄镇南街8号",
     None, None, "停业"],
]
BIZ_EXPORT = [list(r) for r in BIZ_ROWS]
BIZ_GROUPS = {0: ("主体信息", 3), 5: ("分级", 2), 7: ("属地", 3)}

CADRE_HEADER = labels("包保干部")
CADRE_ROWS = [["GB0001", "张某", LEVEL_CHOICES[2], "明水街道办事处", "副主任", "明水所"],
              ["GB0002", "李某", LEVEL_CHOICES[1], "区市场监管局", "科长", "刁镇所"],
              [None, "王某", LEVEL_CHOICES[3], "垛庄镇某村委会", None, "垛庄所"]]
CADRE_EXPORT = [list(r) for r in CADRE_ROWS]

ASSIGN_HEADER = labels("包保关系")
ASSIGN_ROWS = [["GB0001", None, None, "91370181MA3C000001", None, None, D(2023, 1, 1), None],
               ["GB0002", None, None, "JY23701810000002", None, None, D(2023, 2, 1), D(2023, 12, 31)],
               [None, "王某", "垛庄镇某村委会", None, "垛庄农家菜馆", "垛庄所", D(2023, 3, 5), None]]
WHO = {"GB0001": ["GB0001", "张某", "明水街道办事处", "91370181MA3C000001", "某某食品有限公司", "明水所"],
       "GB0002": ["GB0002", "李某", "区市场监管局", "JY23701810000002", "张记小吃", "刁镇所"],
       "王某": [None, "王某", "垛庄镇某村委会", "92370181MA3C000003", "垛庄农家菜馆", "垛庄所"]}
ASSIGN_EXPORT = [WHO["GB0001"] + [D(2023, 1, 1), None], WHO["GB0002"] + [D(2023, 2, 1), D(2023, 12, 31)],
                 WHO["王某"] + [D(2023, 3, 5), None]]

VISIT_HEADER = labels("督导记录")
VISIT_TITLE = "2023年度包保督导记录台账"
VISIT_ROWS = [["DD2023000001", D(2023, 3, 15), "GB0001", None, None, "91370181MA3C000001", None, None, "现场", 1, None],
              ["DD2023000002", D(2023, 4, 2), "GB0002", None, None, None, "张记小吃", "刁镇所", "电话询问", 0,
               "电话询问经营情况"],
              ["DD2023000003", D(2023, 5, 6), None, "王某", "垛庄镇某村委会", None, "垛庄农家菜馆", "垛庄所", "线上", 2,
               None]]
VISIT_EXPORT = [["DD2023000001", D(2023, 3, 15), *WHO["GB0001"], "现场", 1, None],
                ["DD2023000002", D(2023, 4, 2), *WHO["GB0002"], "电话询问", 0, "电话询问经营情况"],
                ["DD2023000003", D(2023, 5, 6), *WHO["王某"], "线上", 2, None]]

# --- 工作要点 ---------------------------------------------------------------------------------------------
PLAN_TITLE = "2023年章丘区食品安全工作要点"
PLAN_META = "发文单位：章丘区食品安全委员会办公室；辖区：章丘区；年度：2023"
PLAN_HEADER = ["序号", "章节", "任务", "内容", "完成时限", "条目"]
PLAN_ROWS = [[1, "一、强化责任落实", "落实属地管理责任", "落实食品安全属地管理责任，层层签订责任书。", D(2023, 6, 30), "一(一)"],
             [2, "一、强化责任落实", "开展包保督导", "全面开展包保督导，督导覆盖率达到100%。", D(2023, 12, 31), "一(二)"],
             [3, "二、提升监管能力", "抽检监测", "完成年度监督抽检任务。", D(2023, 11, 30), "二(一)"]]
PLAN_TAIL = [PLAN_TITLE, "章丘区食品安全委员会办公室", "章丘区", 2023]
PLAN_EXPORT = [[r[0], r[1], r[2], r[3], r[4], r[5], None, None, *PLAN_TAIL] for r in PLAN_ROWS]

# --- 指标 / 指标月报 ------------------------------------------------------------------------------------
KPI_HEADER = labels("指标")
KPI_ROWS = [["监督抽检批次", "批次", 4800, "≥", "ramp", None, D(2023, 12, 31), "章丘区", 2023, "是",
             "全年完成监督抽检4800批次", "2023年章丘区食品安全工作要点", "二(一)", None],
            ["食品抽检合格率", "%", "98%", "≥", "level", None, None, "章丘区", 2023, "是", "合格率不低于98%",
             "2023年章丘区食品安全工作要点", "二(一)", None]]
KPI_EXPORT = [list(r) for r in KPI_ROWS]
READING_HEADER = labels("指标月报")
READING_ROWS = [["监督抽检批次", "章丘区", 2023, 6, 2400, None, None],
                ["食品抽检合格率", "章丘区", 2023, 6, "97.5%", None, None]]
READING_EXPORT = [list(r) for r in READING_ROWS]

# --- 配档表 -----------------------------------------------------------------------------------------------
SCHEDULE_TITLE = "2023年度食品小作坊监管提升工作推进配档表"
SCHEDULE_HEADER = labels("配档表")
SCHEDULE_ROWS = [["2023年2月底前", "制定下发年度监管提升工作意见", "召开动员部署会议", None, "已完成"],
                 ["2023年3月~6月", "开展示范创建", "组织验收", "各所按月报送", "进行中"],
                 ["2023年12月底前", "总结评估", "形成总结报告", None, "未开始"]]
SCHEDULE_EXPORT = [list(r) for r in SCHEDULE_ROWS]
