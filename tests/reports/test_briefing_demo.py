"""The briefing on the demo database (AS_OF 2022-10-31): its sections in order, the red stations named with their
worst indicator, no "无逾期未完成事项" while anything is overdue, other districts' plans only in the appendix, and
隐患整改率 equal to the recomputation from the rows `python -m seed export 隐患清单 --include-demo` writes."""

from __future__ import annotations

import csv
import datetime as dt
import io

import docx
import pytest
from sqlmodel import Session

from cli import seed as seed_cli
from db.engine import dispose_engines, get_engine
from reports import briefing, typeset
from reports import briefing_sections as sections
from tests import dbs

AS_OF = dt.date(2022, 10, 31)
# Paced in 章市监管发〔2022〕9号 三(二)'s window 2022-03-01…11-30 (89.1% on 2022-10-31).
RED = ["普集所", "枣园所", "龙山所", "文祖所", "曹范所", "圣井所", "刁镇所", "绣惠所", "埠村所", "明水所", "相公所", "官庄所",
       "白云湖所"]


@pytest.fixture(scope="module")
def demo_engine(demo_template, tmp_path_factory):
    yield get_engine(dbs.copy_url(demo_template, tmp_path_factory.mktemp("brief-demo"), "demo.db"))
    dispose_engines()


@pytest.fixture(scope="module")
def text(demo_engine) -> list[str]:
    with Session(demo_engine) as s:
        pack = briefing.gather(year=2022, month=10, as_of=AS_OF, charts=False, session=s)
    return [typeset.plain(p.text) for p in docx.Document(io.BytesIO(briefing.docx_bytes(pack))).paragraphs]


def test_section_headings_in_order(text):
    wanted = [*sections.HEADINGS, "附录：参考资料（其他地区工作要点，不计入章丘区统计）"]
    assert wanted == ["一、任务清单进度", "二、包保督导", "三、风险隐患排查整治", "四、月报上报", "五、工作要点与配档表",
                      "六、督办建议", "附录：参考资料（其他地区工作要点，不计入章丘区统计）"]
    at = [text.index(h) for h in wanted]
    assert at == sorted(at)
    # the reference plans are listed under the appendix only, never before it
    first_ref = next(i for i, line in enumerate(text) if line.startswith("参考："))
    assert first_ref > at[-1]
    assert not any("昌乐县" in line for line in text[:at[-1]])


def test_red_stations_named_with_their_worst_indicator(text):
    line = next(line for line in text if line.startswith("进度明显滞后（红色）的监管所"))
    for name in RED:
        assert f"{name}（" in line, name
    assert line.startswith(f"进度明显滞后（红色）的监管所{len(RED)}个：")
    # 明水所's worst indicator is 示范创建 (14/20 = 70.0% against 89.1%): 19.1 points behind, 视频监管试点 red too.
    assert "明水所（示范创建，低于时序进度19.1个百分点，红色指标共2项：示范创建、视频监管试点）" in line
    assert "枣园所（新升级为食品生产企业，低于时序进度" in line and "红色指标共4项" in line


def test_never_no_overdue_while_windows_are_overdue(text):
    assert "配档表共7个时间段：已完成4个、逾期未完成1个、已延期0个、进行中1个、未开始1个。" in text
    assert "配档表逾期未完成：2022年8月~9月，组织观摩交流活动。" in text
    # 章丘's own plan (004): six 重点任务 due 2022-11-30 (三(二)), 二(二) 常态化 and 二(四) 长效 run on 进行中, two are 已延期 but not yet overdue.
    assert "章丘区2022年工作要点共6项：已完成1项、逾期未完成0项、已延期2项、进行中3项、未开始0项。" in text
    assert not any(sections.NO_OVERDUE in line for line in text)


def test_reports_name_who_has_not_reported(text):
    assert ("10月风险隐患排查整治表（月报）（截止2022年10月24日）：按时15个，逾期2个（绣惠所1天、文祖所2天），"
            "月报未报1个（枣园所）。") in text
    assert "10月任务进度（截止2022年10月24日）：按时15个，逾期2个（绣惠所1天、文祖所2天），进度未报1个（枣园所）。" in text
    assert "（15）枣园所：补报10月风险隐患排查整治表（月报），2022年11月7日前完成（月报未报，已超截止日7天）。" in text


def _exported_hazards(engine, tmp_path) -> list[dict[str, str]]:
    out = tmp_path / "hazards.csv"
    url = engine.url.render_as_string(hide_password=False)
    assert seed_cli.main(["export", "隐患清单", "--year", "2022", "--include-demo", "--format", "csv",
                          "--out", str(out), "--db", url]) == 0
    return list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))


def test_hazard_rate_equals_the_recomputation_from_the_export(demo_engine, text, tmp_path):
    """DOMAIN.md §5: running = found 1 Jan…M's end and rectified by M's end ÷ found 1 Jan…M's end; cohort = the
    same for hazards found in M. Recomputed from the exported 隐患清单 rows (every one a 示例 row)."""
    rows = _exported_hazards(demo_engine, tmp_path)
    assert len(rows) == 409 and {r["示例"] for r in rows} == {"是"}
    ref = AS_OF
    found = [r for r in rows if dt.date.fromisoformat(r["发现日期"]) <= ref]
    done = [r for r in found if r["整改日期"] and dt.date.fromisoformat(r["整改日期"]) <= ref]
    month = [r for r in found if dt.date.fromisoformat(r["发现日期"]) >= dt.date(2022, 10, 1)]
    month_done = [r for r in month if r in done]
    running = f"隐患整改率（累计）{100 * len(done) / len(found):.1f}%（{len(done)}/{len(found)}）"
    cohort = f"隐患整改率（当月）{100 * len(month_done) / len(month):.1f}%（{len(month_done)}/{len(month)}）"
    said = " ".join(text)
    assert running in said
    assert cohort in said


def test_the_task_section_carries_the_workshop_registers_and_who_must_check_a_count(text):
    """The 小作坊 名录 behind the task list (docs/小作坊指标.md), in 一、任务清单进度, before 二、包保督导."""
    end = text.index("二、包保督导")
    line = next(i for i, t in enumerate(text) if t.startswith("小作坊名录："))
    assert line < end
    assert text[line] == ("小作坊名录：在册286家，其中冷链65家、高风险56家；两个档案建档率71.7%（205/286），十个管理规范达标率"
                          "90.8%（2415/2660），冷链、高风险小作坊第三方评价覆盖率90.8%、83.9%；无证黑窝点摸排557次，发现106处，"
                          "已查处106处（各所见附表“小作坊”）。")
    gaps = text[line + 1]
    assert gaps.startswith("名单与上报数不一致、需核对的：")
    assert "垛庄所示范创建上报2家，小作坊名录中列明1家，名单少1家" in gaps and "普集所视频监管试点" in gaps
    assert "附表9 小作坊" in text


def test_a_once_kpi_before_its_due_date_is_not_due_in_the_kpi_annex(demo_engine):
    """附表2 says of 新增区级实训中心 (0 of 1, due 12月31日) what its gauge says: 未到期, with no 进度差."""
    with Session(demo_engine) as s:
        pack = briefing.gather(year=2022, month=10, as_of=AS_OF, charts=False, session=s)
    table = pack.tables["重点指标"].set_index("指标")
    row = table.loc["新增区级实训中心"]
    assert (row["比较对象"], row["状态"], row["说明"]) == ("到期日", "未到期", "12月31日前完成1个，尚未到期")
    assert row.isna()["进度差（百分点）"] and row["应达值"] == "12月31日到期"  # as 指标's table says it
    assert set(table["状态"]) <= {"明显滞后", "略有滞后", "未报", "达到进度", "未到期"}
