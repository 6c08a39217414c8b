"""数据填报 and 上报监测 pages (AppTest): a station account edits its own month, a bad figure is refused with the
importer's words and nothing is written, a good one is saved as a batch and shows up in 上报监测; the office also
enters KPI values; a leader has no 数据填报 page; 上报监测's counts are 月报按时上报率's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from db import models as m
from db.authstore import AUTH_MODELS, auth_session
from db.engine import dispose_engines, get_engine
from services import metrics
from tests.pages.conftest import fresh_app

ENTRY, SUBMISSIONS = "app_pages/entry.py", "app_pages/submissions.py"
OCT31 = dt.date(2022, 10, 31)


def open_page(url, monkeypatch, user, page):
    at = fresh_app(url, monkeypatch, user=user).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def station_id(url, name: str) -> int:
    with Session(get_engine(url)) as s:
        sid = s.exec(select(m.Station.id).where(m.Station.name == name)).one()
    dispose_engines()
    return sid


def rows(url, model):
    with (auth_session(url) if model in AUTH_MODELS else Session(get_engine(url))) as s:  # audit: the auth store
        out = [r.model_dump() for r in s.exec(select(model)).all()]
    dispose_engines()
    return out


def edit(at, key: str, cells: dict[int, dict]):
    """Seed the keyed editor's edit state, as a person typing into its cells would."""
    at.session_state[key] = {"edited_rows": cells, "added_rows": [], "deleted_rows": []}
    return at.run()


def metrics_of(at) -> dict[str, str]:
    return {x.label: x.value for x in at.metric}


# --- 数据填报 -----------------------------------------------------------------------------------------


def test_a_station_account_sees_its_own_station_only(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "mingshui", ENTRY)
    assert not at.tabs  # no 指标月报 for a station
    station = at.selectbox(key="entry_station_own")
    assert station.disabled and station.options == ["明水所"]
    assert at.selectbox(key="entry_month").value == 10 and at.selectbox(key="entry_month").options == [
        f"2022年{mo}月" for mo in range(1, 11)]
    editor = at.data_editor[0].value
    assert editor[["任务项", "年度目标", "上月累计", "本月累计", "本月新增"]].values.tolist() == [["示范创建", 100, "70", "80", "10"]]


def test_the_increment_follows_an_edit_before_saving(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "mingshui", ENTRY)
    key = f"entry-progress-{station_id(small_url, '明水所')}-2022-10-0"
    edit(at, key, {0: {"本月累计": 105}})
    row = at.data_editor[0].value.iloc[0]
    assert (row["本月新增"], row["提示"]) == ("35", "超过年度目标")
    edit(at, key, {0: {"本月累计": 60}})
    row = at.data_editor[0].value.iloc[0]
    assert (row["本月新增"], row["提示"]) == ("-10", "低于上月，须填写说明")
    assert rows(small_url, m.ImportBatch) == []  # nothing is saved before 保存


def test_a_fall_without_a_reason_is_refused_and_nothing_is_written(small_url, monkeypatch):
    before = rows(small_url, m.StationProgress)
    at = open_page(small_url, monkeypatch, "mingshui", ENTRY)
    edit(at, f"entry-progress-{station_id(small_url, '明水所')}-2022-10-0", {0: {"本月累计": 60}})
    at.button(key="entry-save-progress-0").click().run()
    assert not at.exception
    assert len(at.error) == 1
    assert "示范创建：本月累计60低于上月累计70（9月），请在“说明”中填写原因" in at.error[0].value.replace("\\", "")
    assert rows(small_url, m.StationProgress) == before
    assert rows(small_url, m.ImportBatch) == [] and rows(small_url, m.MonthlySubmission) == []


def test_a_valid_save_is_a_batch_and_a_submission(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "mingshui", ENTRY)
    edit(at, f"entry-progress-{station_id(small_url, '明水所')}-2022-10-0",
         {0: {"本月累计": 60, "说明": "两家示范点复核未通过"}})
    at.button(key="entry-save-progress-0").click().run()
    assert not at.exception and not at.error
    batch = rows(small_url, m.ImportBatch)
    assert [(b["file_name"], b["user"], b["kind"]) for b in batch] == [("数据填报（明水所 2022年10月）", "mingshui", "任务进度")]
    assert batch[0]["warnings"] == ["明水所 示范创建：本月累计60低于上月累计70（9月），说明：两家示范点复核未通过"]
    success = at.success[0].value.replace("\\", "")
    assert success.startswith(f"已保存为批次 #{batch[0]['id']}：更新1项（示范创建：80 → 60），1处提示")
    assert "两家示范点复核未通过" in at.warning[0].value
    # the editor starts again from the stored figure
    assert at.data_editor[0].value.iloc[0][["本月累计", "本月新增"]].tolist() == ["60", "-10"]
    [sub] = rows(small_url, m.MonthlySubmission)
    assert (sub["year"], sub["month"], sub["report_date"]) == (2022, 10, OCT31)
    # 上报监测: the save on 31 Oct is a week after the 24 Oct deadline
    at.switch_page(SUBMISSIONS).run()
    at.segmented_control(key="submission_kind").set_value("进度填报（任务进度）").run()
    assert not at.exception
    assert metrics_of(at) == {"按时": "0个所", "逾期": "1个所", "未报": "0个所", "未到期": "0个所", "不要求": "0个所"}
    table = at.dataframe[0].value
    assert table.iloc[0][["监管所", "上报日期", "状态", "逾期天数"]].tolist() == ["明水所", "2022年10月31日", "● 逾期", "7天"]


def test_the_office_enters_any_station_and_kpi_values(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "office", ENTRY)
    assert at.segmented_control(key="entry_report").options == ["任务进度", "风险隐患排查整治表", "指标月报"]
    at.selectbox(key="entry_station").select_index(1).run()
    assert at.data_editor[0].value.iloc[0][["年度目标", "本月累计"]].tolist() == [26, "18"]
    at.segmented_control(key="entry_report").set_value("指标月报").run()
    assert [s.key for s in at.selectbox] == ["entry_month"]  # no station for the office's own KPIs
    kpi = at.data_editor[0].value
    assert kpi[["指标", "目标", "本月累计"]].values.tolist() == [["核查处置按时完成率", "≥95.0%", "90"]]
    edit(at, "entry-kpi-2022-10-0", {0: {"本月累计": 96, "分子": 48, "分母": 50}})
    at.button(key="entry-save-kpi-0").click().run()
    assert not at.exception and not at.error
    # the batch's number, as stored: on PostgreSQL a dry run (rolled back) still takes a number from the sequence
    batch_id = rows(small_url, m.ImportBatch)[0]["id"]
    assert at.success[0].value.replace("\\", "").startswith(
        f"已保存为批次 #{batch_id}：更新1项（核查处置按时完成率：90.0% → 96.0%）")
    [reading] = rows(small_url, m.KpiReading)
    assert (reading["value"], reading["numerator"], reading["denominator"]) == (pytest.approx(0.96), 48, 50)
    assert rows(small_url, m.ImportBatch)[0]["file_name"] == "数据填报（指标月报 2022年10月）"


def test_a_leader_has_no_entry_page(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch, user="leader").run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ENTRY)


def test_entry_page_runs_on_the_demo_database(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "mingshui", ENTRY)
    assert len(at.data_editor[0].value) == 4  # the four indicators of 2022
    at = open_page(demo_url, monkeypatch, "office", ENTRY)
    assert len(at.data_editor) == 1 and not at.error


# --- 上报监测 ------------------------------------------------------------------------------------------


def test_submissions_page_agrees_with_the_overviews_rate(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "office", SUBMISSIONS)
    with Session(get_engine(demo_url)) as s:
        tl = metrics.report_timeliness(session=s, year=2022, month=10, as_of=OCT31)
        n_stations = len(s.exec(select(m.Station.id)).all())
    dispose_engines()
    october = tl.iloc[-1]
    counts = {k: int(v.removesuffix("个所")) for k, v in metrics_of(at).items()}
    assert counts["按时"] == october["n_ontime"]
    assert counts["按时"] + counts["逾期"] + counts["未报"] == october["n_expected"] == n_stations
    assert len(at.dataframe[0].value) == n_stations
    timeliness = at.dataframe[1].value
    assert timeliness["累计按时上报率"].iloc[-1] == f"{october['value'] * 100:.1f}%"
    # the 月报 from 2022-05 (金山 2024 三(一)：5月起): January–April are not counted
    assert timeliness["按时上报"].iloc[:4].tolist() == ["不要求"] * 4
    assert timeliness["按时上报"].iloc[4:].tolist() == [str(n) for n in tl["n_ontime"].iloc[4:]]
    assert timeliness["累计按时上报率"].iloc[-1] == "91.7%"


def test_a_station_account_sees_its_own_row(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "mingshui", SUBMISSIONS)
    assert at.dataframe[0].value["监管所"].tolist() == ["明水所"]
    assert at.dataframe[2].value["监管所"].tolist() == ["明水所"]
    assert any("仅显示本所（明水所）" in c.value for c in at.caption)
    assert sum(int(v.removesuffix("个所")) for v in metrics_of(at).values()) == 1


def test_leader_sees_every_station(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "leader", SUBMISSIONS)
    assert len(at.dataframe[0].value) == 18 and not at.error


def test_the_fallback_deadline_is_noted(small_url, monkeypatch):
    """A month past chinese-calendar's data: the deadline counts weekends only, and the page says so."""
    import chinese_calendar

    from services.rules.deadlines import FALLBACK_NOTE

    year = max(chinese_calendar.constants.holidays).year + 1
    at = fresh_app(small_url, monkeypatch, as_of=f"{year}-01-31", user="office").run()
    at.switch_page(SUBMISSIONS).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(FALLBACK_NOTE in i.value for i in at.info)
    assert at.title[0].value == f"上报监测 · {year}年1月"


# --- 数据填报 on the demo database: the dry run and the save count the rows that change --------------------


@pytest.fixture
def demo_copy(demo_url, tmp_path):
    """The demo database, copied: these tests save into it."""
    from tests import dbs

    return dbs.copy_url(demo_url, tmp_path, "entry-demo.db")


def scalar_rows(url, query: str, **params) -> list[tuple]:
    from sqlalchemy import text

    with get_engine(url).connect() as c:
        out = [tuple(r) for r in c.execute(text(query), params)]
    dispose_engines()
    return out


def saved_batch(url) -> tuple[dict, int, dict]:
    """The one batch a save wrote: its row, how many change records it has, and its audit row's detail."""
    [batch] = [b for b in rows(url, m.ImportBatch) if b["file_name"].startswith("数据填报（")]
    [(n_changes,)] = scalar_rows(url, "SELECT count(*) FROM import_change WHERE batch_id = :b", b=batch["id"])
    [audit] = [a for a in rows(url, m.AuditLog) if a["action"] == "编辑"]
    return batch, n_changes, audit["detail"]


def test_two_changed_progress_cells_are_two_in_the_dry_run_the_save_and_the_logs(demo_copy, monkeypatch):
    sid = station_id(demo_copy, "明水所")
    stored = dict(scalar_rows(demo_copy, "SELECT i.code, p.cumulative FROM station_progress p JOIN task_indicator i "
                                         "ON i.id = p.indicator_id WHERE p.station_id = :s AND p.year = 2022 "
                                         "AND p.month = 10", s=sid))
    assert stored == {"示范创建": 14, "新升级为食品生产企业": 3, "视频监管试点": 4, "抱团发展活动": 2}  # the demo's
    at = open_page(demo_copy, monkeypatch, "mingshui", ENTRY)
    editor = at.data_editor[0].value
    assert editor["任务项"].tolist()[0] == "食品小作坊示范创建" and "本月累计" in editor.columns
    assert not at.info  # nothing edited: no dry run yet
    edit(at, f"entry-progress-{sid}-2022-10-0", {0: {"本月累计": 15}, 2: {"本月累计": 5}})
    assert not at.exception and not at.error
    preview = at.info[0].value.replace("\\", "")
    assert preview == "检查通过，尚未保存：将更新2项（示范创建：14 → 15；视频监管试点：4 → 5）"
    assert saved_batch_count(demo_copy) == 0  # the dry run wrote nothing
    at.button(key="entry-save-progress-0").click().run()
    assert not at.exception and not at.error
    assert "：更新2项（示范创建：14 → 15；视频监管试点：4 → 5）" in at.success[0].value.replace("\\", "")
    batch, n_changes, audit = saved_batch(demo_copy)
    assert (batch["n_new"], batch["n_updated"], batch["n_unchanged"], n_changes) == (0, 2, 2, 2)
    assert (audit["new"], audit["updated"], audit["changes"]) == (0, 2, ["示范创建：14 → 15", "视频监管试点：4 → 5"])
    assert dict(scalar_rows(demo_copy, "SELECT i.code, p.cumulative FROM station_progress p JOIN task_indicator i "
                                       "ON i.id = p.indicator_id WHERE p.station_id = :s AND p.year = 2022 "
                                       "AND p.month = 10", s=sid)) == {**stored, "示范创建": 15, "视频监管试点": 5}


def saved_batch_count(url) -> int:
    return len([b for b in rows(url, m.ImportBatch) if b["file_name"].startswith("数据填报（")])


def test_two_changed_kpi_cells_are_two_and_untouched_rates_keep_every_digit(demo_copy, monkeypatch):
    before = dict(scalar_rows(demo_copy, "SELECT k.name, r.value FROM kpi_reading r JOIN kpi k ON k.id = r.kpi_id "
                                         "WHERE r.year = 2022 AND r.month = 10"))
    assert before["核查处置按时完成率"] == 0.984375 and before["监督抽检批次"] == 4240  # the demo's
    at = open_page(demo_copy, monkeypatch, "office", ENTRY)
    at.segmented_control(key="entry_report").set_value("指标月报").run()
    names = at.data_editor[0].value["指标"].tolist()
    assert at.data_editor[0].value.columns.tolist() == ["指标", "单位", "目标", "上月累计", "本月累计", "分子", "分母"]
    first, second = names.index("监督抽检批次"), names.index("核查处置按时完成率")
    edit(at, "entry-kpi-2022-10-0", {first: {"本月累计": 4300}, second: {"本月累计": 99}})
    assert not at.exception and not at.error
    assert at.info[0].value.replace("\\", "") == (
        "检查通过，尚未保存：将更新2项（监督抽检批次：4,240批次 → 4,300批次；核查处置按时完成率：98.4% → 99.0%）")
    assert saved_batch_count(demo_copy) == 0
    at.button(key="entry-save-kpi-0").click().run()
    assert not at.exception and not at.error
    batch, n_changes, audit = saved_batch(demo_copy)
    assert (batch["n_new"], batch["n_updated"], n_changes, audit["updated"]) == (0, 2, 2, 2)
    after = dict(scalar_rows(demo_copy, "SELECT k.name, r.value FROM kpi_reading r JOIN kpi k ON k.id = r.kpi_id "
                                        "WHERE r.year = 2022 AND r.month = 10"))
    assert after == {**before, "监督抽检批次": 4300, "核查处置按时完成率": pytest.approx(0.99)}
    assert after["预包装食品追溯二维码赋码率"] == before["预包装食品追溯二维码赋码率"]  # 944/1168, every digit kept


def test_a_kpi_row_handed_back_as_shown_changes_nothing_and_a_numerator_alone_is_one_change(demo_copy, monkeypatch):
    """Before issue 16 every row went back, its percentage rounded to six places: untouched rates counted as 更新."""
    from services import entry_forms, kpi_entry
    from services.rules.viewer import Viewer

    monkeypatch.setenv("DATABASE_URL", demo_copy)
    office = Viewer(username="office", role="食安办", station_id=None)
    frame = kpi_entry.kpi_entry_frame(viewer=office, year=2022, month=10)
    shown = entry_forms.kpi_view(frame)
    assert entry_forms.kpi_rows(frame, shown) == {}  # nothing edited, nothing handed back
    row = frame.index[frame["name"] == "不合格食品核查处置率"][0]
    assert (shown.at[row, "本月累计"], shown.at[row, "分子"], shown.at[row, "分母"]) == ("94.1176", "64", "68")
    edited = shown.copy()
    edited.at[row, "分子"] = "65"
    rows_ = entry_forms.kpi_rows(frame, edited)
    assert rows_ == {int(frame.at[row, "kpi_id"]): {"value": frame.at[row, "value"], "numerator": "65",
                                                     "denominator": "68"}}
    result = kpi_entry.save_kpi_values(engine=get_engine(demo_copy), viewer=office, year=2022, month=10, rows=rows_,
                                       today=OCT31, dry_run=True)
    assert (result.counts.updated, result.message) == (1, "检查通过，尚未保存：将更新1项（不合格食品核查处置率：分子 64 → 65）")
    assert saved_batch_count(demo_copy) == 0
    dispose_engines()
