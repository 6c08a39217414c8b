"""Every variant of the corpus: header layouts × totals × containers × invisible characters × name spellings × header
synonyms × error values × dates and rates × empty registers × the same file twice, for every kind.

A variant that the importer failed before issue 18 carries `waits="#18 item N: …"`, the item that fixed it (kept as
a label: every one of them passes now)."""

from __future__ import annotations

from seed.importer.kinds import KINDS
from tests.seed.corpus import canon as c
from tests.seed.corpus.containers import Err, encode, sheet_name
from tests.seed.corpus.layouts import Sheet, build_sheet
from tests.seed.corpus.model import Bad, Good, Variant
from tests.seed.corpus.templated import from_template

VARIANTS: list[Variant] = []

I1 = "#18 item 1: header rows and 合计 anywhere"
I2 = "#18 item 2: no silent drop, header synonyms"
I3 = "#18 item 3: values as Excel shows them"
I4 = "#18 item 4: units and cadres"
I5 = "#18 item 5: dates and values with sense"
I6 = "#18 item 6: several files at once"
I7 = "#18 item 7: containers"

INVISIBLE = ("\u200b", "\ufeff", "\xa0", "\u3000")


def files(stem: str, container: str, sheet: Sheet, *, twice: bool = False):
    """A builder of the variant's files: the sheet in the container (given twice when `twice`)."""

    def build() -> list[tuple[str, bytes]]:
        ext, data = encode(container, sheet.grid, sheet.merges)
        one = (f"{stem}.{ext}", data)
        return [one, one] if twice else [one]

    return build


def add(vid: str, kind: str, base: str, build, expect, waits: str | None = None, **options) -> None:
    if any(v.id == vid for v in VARIANTS):
        raise ValueError(f"duplicate variant id {vid}")
    VARIANTS.append(Variant(vid, kind, base, build, expect, waits, options))


def replaced(rows: list[list[object]], at: dict[tuple[int, int], object]) -> list[list[object]]:
    out = [list(r) for r in rows]
    for (r, col), value in at.items():
        out[r][col] = value
    return out


def with_invisible(rows: list[list[object]], col: int = 0) -> list[list[object]]:
    """Each row's name in column `col` with one invisible character: zero-width space, BOM, NBSP, full-width space."""
    out = [list(r) for r in rows]
    for i, row in enumerate(out):
        ch = INVISIBLE[i % len(INVISIBLE)]
        row[col] = f"{row[col]}{ch}" if i % 2 == 0 else f"{ch}{row[col]}"
    return out


# --- 任务清单 -----------------------------------------------------------------------------------------------
TL = "任务清单"
TL_GOOD = Good({TL: c.TASK_EXPORT}, year=2022)


def tl_sheet(rows=None, *, titles=(c.TASK_TITLE,), header=None, **kw) -> Sheet:
    kw.setdefault("total", "last")
    return build_sheet(header or c.TASK_HEADER, c.TASK_ROWS if rows is None else rows, titles=list(titles), **kw)


PLAIN = tl_sheet()
add("任务清单-plain-xlsx", TL, "stations", files("任务清单", "xlsx", PLAIN), TL_GOOD)
add("任务清单-plain-xls", TL, "stations", files("任务清单", "xls", PLAIN), TL_GOOD)
for container in ("csv-utf8", "csv-bom", "csv-gbk"):
    add(f"任务清单-{container}", TL, "stations", files("任务清单", container, tl_sheet(titles=())), TL_GOOD, year=2022)
add("任务清单-csv-with-title", TL, "stations", files("任务清单", "csv-gbk", PLAIN), TL_GOOD)
add("任务清单-utf16-tab", TL, "stations", files("任务清单", "utf16-tab", tl_sheet(titles=())), TL_GOOD, I7, year=2022)
add("任务清单-html-as-xls", TL, "stations", files("任务清单", "html-xls", PLAIN), TL_GOOD, I7)
add("任务清单-no-total", TL, "stations", files("任务清单", "xlsx", tl_sheet(total=None)), TL_GOOD)
add("任务清单-total-first", TL, "stations", files("任务清单", "xlsx", tl_sheet(total="first")), TL_GOOD, I1)
add("任务清单-total-first-csv", TL, "stations", files("任务清单", "csv-bom", tl_sheet(total="first")), TL_GOOD, I1)
add("任务清单-group-subtotals", TL, "stations",
    files("任务清单", "xlsx", tl_sheet(subtotals=[("城区小计", 2), ("乡镇小计", 2)])), TL_GOOD, I1)
add("任务清单-总计-label", TL, "stations", files("任务清单", "xlsx", tl_sheet(total_label="总计")), TL_GOOD)
add("任务清单-header-group", TL, "stations", files("任务清单", "xlsx", tl_sheet(how="group", groups=c.TASK_GROUPS)),
    TL_GOOD)
add("任务清单-header-group-xls", TL, "stations",
    files("任务清单", "xls", tl_sheet(how="group", groups=c.TASK_GROUPS, total="first")), TL_GOOD, I1)
add("任务清单-header-units", TL, "stations", files("任务清单", "xlsx", tl_sheet(how="units", units=c.TASK_UNITS)),
    TL_GOOD, I1)
add("任务清单-header-spacer", TL, "stations", files("任务清单", "xlsx", tl_sheet(how="spacer")), TL_GOOD)
add("任务清单-two-titles", TL, "stations",
    files("任务清单", "xlsx", tl_sheet(titles=("附件1", "2022年度各监管所食品小作坊提升任务清单"))), TL_GOOD)
add("任务清单-invisible-names", TL, "stations",
    files("任务清单", "xlsx", tl_sheet(with_invisible(c.TASK_ROWS))), TL_GOOD, I3)
add("任务清单-invisible-names-csv", TL, "stations",
    files("任务清单", "csv-bom", tl_sheet(with_invisible(c.TASK_ROWS))), TL_GOOD, I3)
for spelling, waits in (("明水", None), ("明水监管所", None), ("章丘区市场监督管理局明水市场监管所", I3),
                        ("明水街道", None)):
    add(f"任务清单-name-{spelling}", TL, "stations",
        files("任务清单", "xlsx", tl_sheet(replaced(c.TASK_ROWS, {(0, 0): spelling}))), TL_GOOD, waits)
for code, container, (row, col), waits in (("#DIV/0!", "xlsx", (2, 2), I3), ("#REF!", "xlsx", (0, 4), I3),
                                           ("#N/A", "xls", (3, 1), I3)):
    sheet = tl_sheet(replaced(c.TASK_ROWS, {(row, col): Err(code)}), total=None)
    add(f"任务清单-error-{code.strip('#!?').replace('/', '')}-{container}", TL, "stations", files("任务清单", container, sheet),
        Bad(sheet_name(container), sheet.cell(row, col), f"Excel错误值 {code}"), waits)
_ref_total = tl_sheet()
_ref_total.grid[-1][3] = Err("#REF!")  # the 合计's own cell is the error, the rows are fine
add("任务清单-error-in-total", TL, "stations", files("任务清单", "xlsx", _ref_total),
    Bad("Sheet1", f"D{len(_ref_total.grid)}", "Excel错误值 #REF!"), I3)
_empty = build_sheet(c.TASK_HEADER, [], titles=[c.TASK_TITLE])
add("任务清单-header-only", TL, "stations", files("任务清单", "xlsx", _empty),
    Bad("Sheet1", None, "只有表头，没有数据行"), I5)
add("任务清单-same-file-twice", TL, "stations", files("任务清单", "xlsx", PLAIN, twice=True),
    Good({TL: c.TASK_EXPORT}, year=2022, notes=("内容相同，只导入一次",)), I6)
def _two_names():
    (name, data), = files("任务清单", "xlsx", PLAIN)()
    return [(name, data), ("任务清单（副本）.xlsx", data)]


add("任务清单-same-content-two-names", TL, "stations", _two_names,
    Good({TL: c.TASK_EXPORT}, year=2022, notes=("内容相同，只导入一次",)), I6)
add("任务清单-csv-as-xlsx", TL, "stations", files("任务清单", "csv-as-xlsx", PLAIN), TL_GOOD)
_headerless = tl_sheet([[*r, 7] for r in c.TASK_ROWS], header=[*c.TASK_HEADER, None], total=None)
add("任务清单-headerless-column", TL, "stations", files("任务清单", "xlsx", _headerless),
    Bad("Sheet1", "F", "该列有数据但没有表头"), I2)

# --- 任务进度 -----------------------------------------------------------------------------------------------
PR = "任务进度"
PR_GOOD = Good({PR: c.PROGRESS_EXPORT}, year=2023, drop=("上报日期",))


def pr_sheet(rows=None, **kw) -> Sheet:
    return build_sheet(c.TASK_HEADER, c.PROGRESS_ROWS if rows is None else rows, titles=[c.PROGRESS_TITLE], **kw)


add("任务进度-plain-xlsx", PR, "stations", files("十月进度", "xlsx", pr_sheet()), PR_GOOD)
add("任务进度-title-csv-gbk", PR, "stations", files("十月进度", "csv-gbk", pr_sheet()), PR_GOOD)
add("任务进度-total-last", PR, "stations", files("十月进度", "xlsx", pr_sheet(total="last")), PR_GOOD)
add("任务进度-total-first", PR, "stations", files("十月进度", "xlsx", pr_sheet(total="first")), PR_GOOD, I1)
add("任务进度-header-units", PR, "stations", files("十月进度", "xlsx", pr_sheet(how="units", units=c.TASK_UNITS)),
    PR_GOOD, I1)
add("任务进度-invisible-names", PR, "stations", files("十月进度", "xls", pr_sheet(with_invisible(c.PROGRESS_ROWS))),
    PR_GOOD, I3)
_dated = [[r[0], c.D(2023, 7, 3), *r[1:]] for r in c.PROGRESS_ROWS]
_future = build_sheet(["监管所", "上报日期", *c.TASK_HEADER[1:]], replaced(_dated, {(1, 1): c.D(2033, 7, 3)}),
                      titles=[c.PROGRESS_TITLE])
add("任务进度-report-date-2033", PR, "stations", files("十月进度", "xlsx", _future),
    Bad("Sheet1", _future.cell(1, 1), "晚于今天"), I5)

# --- 监管所 ---------------------------------------------------------------------------------------------------
ST = "监管所"
ST_GOOD = Good({ST: c.STATION_EXPORT})


def st_sheet(rows=None, header=None, **kw) -> Sheet:
    return build_sheet(header or c.STATION_HEADER, c.STATION_ROWS if rows is None else rows, **kw)


add("监管所-plain-xlsx", ST, "empty", files("监管所", "xlsx", st_sheet(titles=["章丘区市场监管所及所辖镇街"])),
    ST_GOOD)
add("监管所-csv-bom", ST, "empty", files("监管所", "csv-bom", st_sheet()), ST_GOOD)
add("监管所-xls", ST, "empty", files("监管所", "xls", st_sheet()), ST_GOOD)
add("监管所-synonyms", ST, "empty",
    files("监管所", "xlsx", st_sheet(header=["市场监管所", "镇（街道）", "北纬", "东经", "坐标类型", "坐标来源"])), ST_GOOD)
add("监管所-invisible-names", ST, "empty", files("监管所", "xlsx", st_sheet(with_invisible(c.STATION_ROWS))),
    ST_GOOD, I3)
add("监管所-header-group", ST, "empty",
    files("监管所", "xlsx", st_sheet(how="group", groups={2: ("坐标", 4)}, titles=["监管所"])), ST_GOOD)
add("监管所-header-only", ST, "empty", files("监管所", "csv-utf8", build_sheet(c.STATION_HEADER, [])),
    Bad("CSV", None, "只有表头，没有数据行"), I5)

# --- 包保主体 -------------------------------------------------------------------------------------------------
BZ = "包保主体"
BZ_GOOD = Good({BZ: c.BIZ_EXPORT})
TOWN = c.BIZ_HEADER.index("所在镇街")


def bz_sheet(rows=None, header=None, **kw) -> Sheet:
    return build_sheet(header or c.BIZ_HEADER, c.BIZ_ROWS if rows is None else rows, **kw)


add("包保主体-plain-xlsx", BZ, "stations", files("包保主体", "xlsx", bz_sheet(titles=["包保主体台账"])), BZ_GOOD)
add("包保主体-csv-gbk", BZ, "stations", files("包保主体", "csv-gbk", bz_sheet()), BZ_GOOD)
add("包保主体-csv-utf8", BZ, "stations", files("包保主体", "csv-utf8", bz_sheet()), BZ_GOOD)
add("包保主体-utf16-tab", BZ, "stations", files("包保主体", "utf16-tab", bz_sheet()), BZ_GOOD, I7)
add("包保主体-header-group", BZ, "stations",
    files("包保主体", "xlsx", bz_sheet(how="group", groups=c.BIZ_GROUPS, titles=["包保主体台账"])), BZ_GOOD)
add("包保主体-header-spacer", BZ, "stations", files("包保主体", "xlsx", bz_sheet(how="spacer")), BZ_GOOD)
add("包保主体-template-header", BZ, "stations", files("包保主体", "xlsx", bz_sheet(header=c.BIZ_TEMPLATE_HEADER)),
    BZ_GOOD, I2)
for synonym, waits in (("乡镇（街道）", None), ("镇街", I2), ("镇（街道）", I2), ("所属街道", I2)):
    header = list(c.BIZ_HEADER)
    header[TOWN] = synonym
    add(f"包保主体-township-{synonym}", BZ, "stations", files("包保主体", "xlsx", bz_sheet(header=header)), BZ_GOOD,
        waits)
_spelled = replaced(c.BIZ_ROWS, {(0, 7): "明水", (1, 7): "章丘区市场监督管理局刁镇市场监管所", (2, 7): "垛庄镇"})
add("包保主体-station-spellings", BZ, "stations", files("包保主体", "xlsx", bz_sheet(_spelled)), BZ_GOOD, I3)
_invisible = replaced(c.BIZ_ROWS, {(0, 0): "91370181MA3C000001\u200b", (2, 2): "垛庄农家菜馆\u3000"})
add("包保主体-invisible-code", BZ, "stations", files("包保主体", "xlsx", bz_sheet(_invisible)), BZ_GOOD, I3)
add("包保主体-ignored-column", BZ, "stations",
    files("包保主体", "xlsx", bz_sheet([[*r, "小型"] for r in c.BIZ_ROWS], header=[*c.BIZ_HEADER, "企业规模"])),
    Good({BZ: c.BIZ_EXPORT}, notes=("列未导入",)), I2)
add("包保主体-header-only", BZ, "stations", files("包保主体", "xlsx", bz_sheet([], titles=["包保主体台账"])),
    Bad("Sheet1", None, "只有表头，没有数据行"), I5)

# --- 包保干部 -------------------------------------------------------------------------------------------------
GB = "包保干部"
GB_GOOD = Good({GB: c.CADRE_EXPORT})


def gb_sheet(rows=None, header=None, **kw) -> Sheet:
    return build_sheet(header or c.CADRE_HEADER, c.CADRE_ROWS if rows is None else rows, **kw)


add("包保干部-plain-xlsx", GB, "stations", files("包保干部", "xlsx", gb_sheet(titles=["包保干部名单"])), GB_GOOD)
add("包保干部-csv-bom", GB, "stations", files("包保干部", "csv-bom", gb_sheet()), GB_GOOD)
for synonym, waits in (("包保干部", None), ("包保责任人", I2)):
    add(f"包保干部-name-{synonym}", GB, "stations",
        files("包保干部", "xlsx", gb_sheet(header=[c.CADRE_HEADER[0], synonym, *c.CADRE_HEADER[2:]])), GB_GOOD, waits)
add("包保干部-invisible-names", GB, "stations", files("包保干部", "xlsx", gb_sheet(with_invisible(c.CADRE_ROWS, 1))),
    GB_GOOD, I3)

# --- 包保关系 -------------------------------------------------------------------------------------------------
BG = "包保关系"
BG_GOOD = Good({BG: c.ASSIGN_EXPORT}, year=2023)


def bg_sheet(rows=None, header=None, **kw) -> Sheet:
    return build_sheet(header or c.ASSIGN_HEADER, c.ASSIGN_ROWS if rows is None else rows, **kw)


add("包保关系-plain-xlsx", BG, "people", files("包保关系", "xlsx", bg_sheet(titles=["包保关系表"])), BG_GOOD)
add("包保关系-csv-utf8", BG, "people", files("包保关系", "csv-utf8", bg_sheet()), BG_GOOD)
_text_dates = replaced(c.ASSIGN_ROWS, {(0, 6): "2023.1.1", (1, 6): "2023年2月1日", (1, 7): "2023/12/31",
                                       (2, 6): "20230305"})
add("包保关系-text-dates", BG, "people", files("包保关系", "xlsx", bg_sheet(_text_dates)), BG_GOOD)
add("包保关系-cadre-by-name", BG, "people",
    files("包保关系", "xlsx", bg_sheet(replaced(c.ASSIGN_ROWS, {(0, 0): None, (0, 1): "张某"}))), BG_GOOD, I4)
add("包保关系-cadre-header-包保责任人", BG, "people",
    files("包保关系", "xlsx", bg_sheet(header=[c.ASSIGN_HEADER[0], "包保责任人", *c.ASSIGN_HEADER[2:]])), BG_GOOD, I2)

# --- 督导记录 -------------------------------------------------------------------------------------------------
VS = "督导记录"
VS_GOOD = Good({VS: c.VISIT_EXPORT}, year=2023)
VDATE = c.VISIT_HEADER.index("督导日期")


def vs_sheet(rows=None, header=None, titles=(c.VISIT_TITLE,), **kw) -> Sheet:
    return build_sheet(header or c.VISIT_HEADER, c.VISIT_ROWS if rows is None else rows, titles=list(titles), **kw)


add("督导记录-plain-xlsx", VS, "people", files("督导记录", "xlsx", vs_sheet()), VS_GOOD)
add("督导记录-csv-bom", VS, "people", files("督导记录", "csv-bom", vs_sheet(titles=())), VS_GOOD)
add("督导记录-xls", VS, "people", files("督导记录", "xls", vs_sheet()), VS_GOOD)
add("督导记录-html-as-xls", VS, "people", files("督导记录", "html-xls", vs_sheet()), VS_GOOD, I7)
add("督导记录-station-spellings", VS, "people",
    files("督导记录", "xlsx", vs_sheet(replaced(c.VISIT_ROWS, {(1, 7): "刁镇", (2, 7): "章丘区市场监督管理局垛庄市场监管所"}))),
    VS_GOOD, I3)
add("督导记录-cadre-by-name", VS, "people",
    files("督导记录", "xlsx", vs_sheet(replaced(c.VISIT_ROWS, {(0, 2): None, (0, 3): "张某"}))), VS_GOOD, I4)
add("督导记录-cadre-name-and-unit", VS, "people",  # 张某 has a 编号: today only his 编号 finds him
    files("督导记录", "xlsx", vs_sheet(replaced(c.VISIT_ROWS, {(0, 2): None, (0, 3): "张某", (0, 4): "明水街道办事处"}))),
    VS_GOOD, I4)
add("督导记录-cadre-header-包保干部", VS, "people",
    files("督导记录", "xlsx", vs_sheet(header=[*c.VISIT_HEADER[:3], "包保干部", *c.VISIT_HEADER[4:]])), VS_GOOD)
add("督导记录-cadre-header-包保责任人", VS, "people",
    files("督导记录", "xlsx", vs_sheet(header=[*c.VISIT_HEADER[:3], "包保责任人", *c.VISIT_HEADER[4:]])), VS_GOOD, I2)
_serial = replaced(c.VISIT_ROWS, {(i, VDATE): (r[VDATE] - c.D(1899, 12, 30)).days for i, r in enumerate(c.VISIT_ROWS)})
add("督导记录-serial-dates", VS, "people", files("督导记录", "xlsx", vs_sheet(_serial)), VS_GOOD)
_v2033 = vs_sheet(replaced(c.VISIT_ROWS, {(1, VDATE): c.D(2033, 4, 2)}))
add("督导记录-date-2033", VS, "people", files("督导记录", "xlsx", _v2033), Bad("Sheet1", _v2033.cell(1, VDATE), "晚于今天"),
    I5)
_v2022 = vs_sheet(replaced(c.VISIT_ROWS, {(2, VDATE): c.D(2022, 5, 6)}))
add("督导记录-date-outside-year", VS, "people", files("督导记录", "xlsx", _v2022),
    Bad("Sheet1", _v2022.cell(2, VDATE), "不在本表年度"), I5)
add("督导记录-same-file-twice", VS, "people", files("督导记录", "csv-bom", vs_sheet(titles=()), twice=True),
    Good({VS: c.VISIT_EXPORT}, year=2023, notes=("内容相同，只导入一次",)), I6)
_vempty = vs_sheet([])
add("督导记录-header-only", VS, "people", files("督导记录", "xlsx", _vempty), Bad("Sheet1", None, "只有表头，没有数据行"), I5)

# --- 工作要点 -------------------------------------------------------------------------------------------------
GP = "工作要点"
GP_GOOD = Good({GP: c.PLAN_EXPORT})


def gp_sheet(rows=None, header=None, **kw) -> Sheet:
    return build_sheet(header or c.PLAN_HEADER, c.PLAN_ROWS if rows is None else rows, titles=[c.PLAN_TITLE, c.PLAN_META], **kw)


add("工作要点-plain-xlsx", GP, "stations", files("工作要点", "xlsx", gp_sheet()), GP_GOOD)
add("工作要点-xls", GP, "stations", files("工作要点", "xls", gp_sheet()), GP_GOOD)
add("工作要点-header-group", GP, "stations",
    files("工作要点", "xlsx", gp_sheet(how="group", groups={1: ("任务内容", 3)})), GP_GOOD)
_open = replaced(c.PLAN_ROWS, {(1, 4): "全年", (2, 4): "长期坚持"})
add("工作要点-deadline-words", GP, "stations", files("工作要点", "xlsx", gp_sheet(_open)),
    Good({GP: replaced(c.PLAN_EXPORT, {(1, 4): "全年", (2, 4): "长期"})}))
_units = [[*r, "（区市场监管局牵头，各镇街配合）"] for r in c.PLAN_ROWS]
add("工作要点-units", GP, "stations", files("工作要点", "xlsx", gp_sheet(_units, header=[*c.PLAN_HEADER, "责任单位"])),
    Good({GP: [[*r[:6], "（区市场监管局牵头，各镇街配合）", *r[7:]] for r in c.PLAN_EXPORT]}))

# --- 指标 / 指标月报 ------------------------------------------------------------------------------------------
KP = "指标"
KP_GOOD = Good({KP: c.KPI_EXPORT}, year=2023)
TARGET = c.KPI_HEADER.index("目标值")


def kp_sheet(rows=None, **kw) -> Sheet:
    return build_sheet(c.KPI_HEADER, c.KPI_ROWS if rows is None else rows, **kw)


add("指标-plain-xlsx", KP, "stations", files("指标", "xlsx", kp_sheet(titles=["2023年度指标"])), KP_GOOD)
add("指标-csv-gbk", KP, "stations", files("指标", "csv-gbk", kp_sheet()), KP_GOOD)
_k120 = kp_sheet(replaced(c.KPI_ROWS, {(1, TARGET): "120%"}), titles=["2023年度指标"])
add("指标-rate-120", KP, "stations", files("指标", "xlsx", _k120), Bad("Sheet1", _k120.cell(1, TARGET), "比率不能超过100%"),
    I5)
_kdiv = kp_sheet(replaced(c.KPI_ROWS, {(0, TARGET): Err("#DIV/0!")}), titles=["2023年度指标"])
add("指标-error-DIV0", KP, "stations", files("指标", "xlsx", _kdiv),
    Bad("Sheet1", _kdiv.cell(0, TARGET), "Excel错误值 #DIV/0!"), I3)

KR = "指标月报"
VALUE = c.READING_HEADER.index("本年累计")


def kr_files(rows, container="xlsx"):
    kpis = files("指标", "xlsx", kp_sheet(titles=["2023年度指标"]))
    readings = files("指标月报", container, build_sheet(c.READING_HEADER, rows, titles=["2023年6月指标月报"]))
    return lambda: kpis() + readings()


add("指标月报-with-指标", KR, "stations", kr_files(c.READING_ROWS),
    Good({KP: c.KPI_EXPORT, KR: c.READING_EXPORT}, year=2023))
add("指标月报-with-指标-csv", KR, "stations", kr_files(c.READING_ROWS, "csv-bom"),
    Good({KP: c.KPI_EXPORT, KR: c.READING_EXPORT}, year=2023))
_r120 = build_sheet(c.READING_HEADER, replaced(c.READING_ROWS, {(1, VALUE): "120%"}), titles=["2023年6月指标月报"])
add("指标月报-rate-120", KR, "stations", kr_files(replaced(c.READING_ROWS, {(1, VALUE): "120%"})),
    Bad("Sheet1", _r120.cell(1, VALUE), "比率不能超过100%"), I5)

# --- 配档表 ---------------------------------------------------------------------------------------------------
PD = "配档表"
PD_GOOD = Good({PD: c.SCHEDULE_EXPORT}, year=2023)


def pd_sheet(rows=None, titles=(c.SCHEDULE_TITLE,), **kw) -> Sheet:
    return build_sheet(c.SCHEDULE_HEADER, c.SCHEDULE_ROWS if rows is None else rows, titles=list(titles), **kw)


add("配档表-plain-xlsx", PD, "stations", files("配档表", "xlsx", pd_sheet()), PD_GOOD)
add("配档表-csv-bom", PD, "stations", files("配档表", "csv-bom", pd_sheet(titles=())), PD_GOOD, year=2023)
add("配档表-xls-spacer", PD, "stations", files("配档表", "xls", pd_sheet(how="spacer")), PD_GOOD)
add("配档表-header-group", PD, "stations",
    files("配档表", "xlsx", pd_sheet(how="group", groups={1: ("工作安排", 2)})), PD_GOOD)
add("配档表-header-only", PD, "stations", files("配档表", "xlsx", pd_sheet([])),
    Bad("Sheet1", None, "只有表头，没有数据行"), I5)

# --- the importer's own template, filled in, for every kind ------------------------------------------------------


def templated(kind: str, header: list[str], rows: list[list[object]], extra=None, **args):
    return lambda: [(f"{kind}（模板）.xlsx", from_template(kind, header, rows, extra, **args))]


add("任务清单-template", TL, "stations", templated(TL, c.TASK_HEADER, c.TASK_ROWS, year=2022), TL_GOOD)
add("任务进度-template", PR, "stations", templated(PR, c.TASK_HEADER, c.PROGRESS_ROWS, year=2023, month=6), PR_GOOD)
add("监管所-template", ST, "empty", templated(ST, c.STATION_HEADER, c.STATION_ROWS), ST_GOOD)
add("包保主体-template", BZ, "stations", templated(BZ, c.BIZ_TEMPLATE_HEADER, c.BIZ_ROWS), BZ_GOOD, I2)
add("包保干部-template", GB, "stations", templated(GB, c.CADRE_HEADER, c.CADRE_ROWS), GB_GOOD)
add("包保关系-template", BG, "people", templated(BG, c.ASSIGN_HEADER, c.ASSIGN_ROWS, year=2023), BG_GOOD)
add("督导记录-template", VS, "people", templated(VS, c.VISIT_HEADER, c.VISIT_ROWS, year=2023), VS_GOOD)
add("工作要点-template", GP, "stations",
    templated(GP, c.PLAN_HEADER, c.PLAN_ROWS, dict(zip(("文件名称", "发文单位", "辖区", "计划年度"), c.PLAN_TAIL, strict=True)),
              year=2023), GP_GOOD)
add("指标-template", KP, "stations", templated(KP, c.KPI_HEADER, c.KPI_ROWS, year=2023), KP_GOOD)
add("指标月报-template", KR, "stations",
    lambda: files("指标", "xlsx", kp_sheet(titles=["2023年度指标"]))() + templated(KR, c.READING_HEADER, c.READING_ROWS,
                                                                              year=2023, month=6)(),
    Good({KP: c.KPI_EXPORT, KR: c.READING_EXPORT}, year=2023))
add("配档表-template", PD, "stations", templated(PD, c.SCHEDULE_HEADER, c.SCHEDULE_ROWS, year=2023), PD_GOOD)

KINDS_COVERED = sorted({v.kind for v in VARIANTS})
assert set(KINDS_COVERED) <= set(KINDS)
