"""The demo database: the real spreadsheets imported with lineage, 示例 activity generated once and deterministically."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import models as m
from db.engine import get_engine, get_setting
from db.migrate import upgrade
from seed.demo import (
    AS_OF,
    DEFAULT_SEED,
    LEVEL_OF_TIER,
    build_demo,
    import_seed_files,
    report_deadline,
)
from seed.demo.vocab import DELAY_REASONS
from services import metrics
from tests.seed.fixtures import snapshot

pytestmark = pytest.mark.sqlite_file  # the demo built on SQLite files; test_postgresql_gets_the_same_demo compares PostgreSQL's

START = dt.date(2022, 1, 1)
TASK_LIST_FILE = "2022年度各监管所食品小作坊提升任务清单.xlsx"
# Tables whose every row is generated (the others hold imported rows, demo copies beside them, or configuration).
GENERATED = (m.StationProgress, m.MonthlySubmission, m.TaskItem, m.PlanTaskStatus, m.ScheduleStatus, m.KpiReading,
             m.Business,
             m.Cadre, m.Assignment, m.Visit, m.Problem, m.HazardReport, m.Hazard, m.Workshop, m.WorkshopSweep,
             m.WorkshopAward, m.BusinessDuty, m.DutyCheck, m.Sample)
# Dates of things that happened: on or before the demo's "today". Deadlines may lie ahead of it.
EVENT_DATES = {
    m.MonthlySubmission: ("report_date",),
    m.TaskItem: ("completed_date",),
    m.Assignment: ("start_date", "end_date"),
    m.Visit: ("visit_date",),
    m.Problem: ("closed_date",),
    m.HazardReport: ("report_date",),
    m.Hazard: ("found_date", "rectified_date"),
    m.Workshop: ("review_date", "upgraded_date", "exit_date"),  # its archives may date from 2021
    m.WorkshopSweep: ("sweep_date",),
    m.Sample: ("sample_date", "report_date"),
}


@dataclass
class Demo:
    engine: Engine
    lines: list[str]


def built(folder: Path, name: str, seed: int = DEFAULT_SEED) -> Demo:
    """A fresh database at the current schema, then build_demo: the real files imported, the 示例 rows generated."""
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    engine = get_engine(url)
    return Demo(engine, build_demo(engine, seed=seed))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo(demo_dir) -> Demo:
    d = built(demo_dir, "demo.db")
    yield d
    d.engine.dispose()


@pytest.fixture(scope="module")
def session(demo):
    with Session(demo.engine) as s:
        yield s


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def latest_cumulative(session: Session, code: str, month: int) -> dict[int, float]:
    """Per station: the 累计完成 of the latest report up to `month` (a month without a report carries forward)."""
    ind = session.exec(select(m.TaskIndicator).where(m.TaskIndicator.code == code)).one()
    rows = session.exec(select(m.StationProgress).where(
        m.StationProgress.indicator_id == ind.id, m.StationProgress.year == 2022,
        m.StationProgress.month <= month).order_by(m.StationProgress.month)).all()
    return {r.station_id: r.cumulative for r in rows}


def digest(session: Session, stmt) -> str:
    return hashlib.sha256(repr(sorted(session.exec(stmt).all(), key=repr)).encode()).hexdigest()


# --- the real files -------------------------------------------------------------------------------


def test_the_summary_names_the_seed_and_every_generated_table(demo):
    assert demo.lines[-1] == "示例数据已生成（随机种子 20221031）"
    assert "导入完成：1处提示" in demo.lines  # 监管所.xlsx: its 序号 column is listed as not imported
    assert any(line.startswith(f"{TASK_LIST_FILE}（任务清单）：新增72") for line in demo.lines)
    for label in ("任务进度", "月报记录", "任务明细", "工作要点进展", "指标月报", "包保主体", "包保干部", "包保关系",
                  "督导记录", "问题", "风险隐患排查整治表", "隐患清单", "月报记录（风险隐患）", "食品小作坊",
                  "无证黑窝点摸排", "评选", "主体责任人员", "日管控周排查月调度", "抽检", "问题（抽检）", "问题（执法）"):
        assert any(line.startswith(f"{label}：") for line in demo.lines), label


def test_task_list_targets_are_real_rows_with_their_file_lineage(session):
    rows = session.exec(select(m.TaskIndicator.code, m.StationTarget, m.ImportBatch.file_name)
                        .join(m.StationTarget, m.StationTarget.indicator_id == m.TaskIndicator.id)
                        .join(m.ImportBatch, m.ImportBatch.id == m.StationTarget.batch_id)
                        .where(m.StationTarget.year == 2022)).all()
    assert len(rows) == 72 == count(session, m.StationTarget)
    sums = Counter()
    for code, target, file_name in rows:
        sums[code] += target.target
        assert not target.is_demo and target.src_sheet and target.src_row
        assert file_name == TASK_LIST_FILE
    assert sums == {"示范创建": 126, "新升级为食品生产企业": 27, "视频监管试点": 42, "抱团发展活动": 20}


def test_the_schedule_has_its_seven_real_rows(session):
    rows = session.exec(select(m.ScheduleMilestone)).all()
    assert len(rows) == 7
    assert all(not r.is_demo and r.batch_id and r.year == 2022 for r in rows)


def test_every_real_row_points_at_an_import_batch(session):
    for model in m.DATA_TABLES:
        if model is m.VisitRule:
            continue  # configuration written by build_demo, not data
        assert count(session, model, model.is_demo.is_(False), model.batch_id.is_(None)) == 0, model.__tablename__


# --- work plans -----------------------------------------------------------------------------------


def plan_task_counts(session: Session, *where) -> dict[str, int]:
    rows = session.exec(select(m.PlanDocument.jurisdiction, func.count(m.PlanTask.id))
                        .join(m.PlanTask, m.PlanTask.plan_id == m.PlanDocument.id).where(*where)
                        .group_by(m.PlanDocument.jurisdiction)).all()
    return dict(rows)


def test_reference_plans_stay_under_their_own_district_and_year(session):
    expected = {"上海市宝山区": 14, "山东省潍坊市昌乐县": 68, "天津市南开区": 23}
    PD = m.PlanDocument
    assert count(session, PD, PD.is_reference.is_(True), PD.is_demo.is_(False), PD.year == 2024) == 7
    assert plan_task_counts(session, PD.is_reference.is_(True), PD.year == 2024) == expected
    assert count(session, PD, PD.is_demo.is_(True)) == 0  # no 示例 copy moves them to 2022 as 章丘's
    assert plan_task_counts(session, PD.is_reference.is_(False)) == {"章丘区": 6}
    own = session.exec(select(PD).where(PD.is_reference.is_(False))).one()
    assert (own.year, own.doc_number, own.is_demo) == (2022, "章市监管发〔2022〕9号", False)


def clauses(session: Session, plan_id: int) -> set[tuple]:
    rows = session.exec(select(m.PlanTask.number, m.TaskUnit.clause_no, m.TaskUnit.unit_id, m.TaskUnit.role,
                               m.TaskUnit.clause)
                        .join(m.TaskUnit, m.TaskUnit.task_id == m.PlanTask.id)
                        .where(m.PlanTask.plan_id == plan_id)).all()
    return set(rows)


def test_nankai_keeps_its_39_responsibility_clauses(session):
    PD = m.PlanDocument
    original = session.exec(select(PD).where(PD.jurisdiction == "天津市南开区", PD.year == 2024)).one()
    assert len({(n, c) for n, c, *_ in clauses(session, original.id)}) == 39


def test_own_plan_status_evolves_with_reasons_that_fit_the_task(session):
    rows = session.exec(select(m.PlanTaskStatus).order_by(m.PlanTaskStatus.task_id, m.PlanTaskStatus.month)).all()
    assert len(rows) == 6 * 8  # six 重点任务 recorded from March (phase 三(二)) to October
    by_task = defaultdict(list)
    for r in rows:
        by_task[r.task_id].append(r)
        assert (r.status == "已延期") == bool(r.delay_reason)
    order = {"未开始": 0, "进行中": 1, "已延期": 1, "已完成": 2}
    for history in by_task.values():
        assert [r.month for r in history] == list(range(3, 11))
        ranks = [order[r.status] for r in history]
        assert ranks == sorted(ranks)  # never back to 未开始, never undone
    october = Counter(h[-1].status for h in by_task.values())
    assert october["已完成"] > 0 and october["进行中"] > 0 and october["已延期"] > 0
    video = session.exec(select(m.PlanTask).where(m.PlanTask.label == "二(三)")).one()
    reasons = {r.delay_reason for r in by_task[video.id] if r.delay_reason}
    assert reasons <= set(DELAY_REASONS["video"])  # a camera pilot's delay speaks of equipment or network


def test_schedule_rows_get_statuses_and_one_ended_window_is_left_undone(session):
    rows = session.exec(select(m.ScheduleStatus)).all()
    assert rows and all(r.is_demo for r in rows)
    last = {}
    for r in sorted(rows, key=lambda r: r.month):
        last[r.milestone_id] = r
    ended = [ms for ms in session.exec(select(m.ScheduleMilestone)).all() if ms.end_date < AS_OF]
    undone = [ms for ms in ended if last[ms.id].status != "已完成"]
    assert len(ended) == 5 and len(undone) == 1 and last[undone[0].id].status == "已延期"


# --- generated rows ---------------------------------------------------------------------------------


def test_generated_rows_are_demo_and_dated_in_the_demo_year(session):
    for model in GENERATED:
        assert count(session, model) > 0, model.__tablename__
        assert count(session, model, model.is_demo.is_(False)) == 0, model.__tablename__
        assert count(session, model, model.batch_id.is_not(None)) == 0, model.__tablename__
        if hasattr(model, "month"):
            assert count(session, model, (model.year != 2022) | (model.month < 1) | (model.month > 10)) == 0
        for col in EVENT_DATES.get(model, ()):
            c = getattr(model, col)
            assert count(session, model, c.is_not(None), (c < START) | (c > AS_OF)) == 0, f"{model.__tablename__}.{col}"
    K = m.Kpi
    assert count(session, K, K.jurisdiction == "章丘区", K.is_demo.is_(False)) == 0
    assert count(session, m.Problem, m.Problem.deadline < START) == 0


# --- 任务进度 / 月报 / 任务明细 ----------------------------------------------------------------------------


def test_the_district_made_98_of_126_demo_workshops_by_october(session):
    assert sum(latest_cumulative(session, "示范创建", 10).values()) == 98
    totals = metrics.task_totals(session=session, year=2022, month=10, as_of=AS_OF).set_index("indicator")
    row = totals.loc["示范创建"]
    assert (row.target, row.actual) == (126, 98)
    # Paced in 004's window 2022-03-01 … 11-30 (三(二)): 245/275 = 89.1%.
    # "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度11.3个百分点"
    assert round(row.rate * 100, 1) == 77.8 and round(row.lag_pp, 1) == -11.3 and row.status == "red"


def test_progress_is_cumulative_whole_and_within_target_with_paces_that_differ(session):
    targets = {(t.station_id, t.indicator_id): t.target for t in session.exec(select(m.StationTarget))}
    series = defaultdict(list)
    for r in session.exec(select(m.StationProgress).order_by(m.StationProgress.month)):
        series[(r.station_id, r.indicator_id)].append(r.cumulative)
    assert series.keys() == targets.keys()
    for key, values in series.items():
        assert values == sorted(values) and all(v == int(v) and 0 <= v <= targets[key] for v in values)
    tasks = metrics.task_progress(session=session, year=2022, month=10, as_of=AS_OF)
    demo = tasks[tasks["indicator"] == "示范创建"]
    assert (demo["lag_pp"] > 0).any() and (demo["lag_pp"] < -20).any()


def test_a_month_without_progress_has_no_submission(session):
    progress = set(session.exec(select(m.StationProgress.station_id, m.StationProgress.month).distinct()).all())
    subs = session.exec(select(m.MonthlySubmission).where(m.MonthlySubmission.kind == "任务进度")).all()
    assert {(s.station_id, s.month) for s in subs} == progress
    n_stations = count(session, m.Station)
    missing = {(s, mo) for s in range(1, n_stations + 1) for mo in range(1, 11)} - progress
    assert 3 <= len(missing) <= 5 and any(mo == 10 for _, mo in missing)
    assert all(count(session, m.StationProgress, m.StationProgress.station_id == s,
                     m.StationProgress.month == mo) == 4 for s, mo in sorted(progress)[:20])


def test_reports_come_from_the_15th_and_a_few_are_late(session):
    subs = session.exec(select(m.MonthlySubmission)).all()
    assert {s.kind for s in subs} == {"任务进度", "风险隐患"}
    for kind in ("任务进度", "风险隐患"):
        late = 0
        of_kind = [s for s in subs if s.kind == kind]
        for s in of_kind:
            deadline = report_deadline(2022, s.month)
            assert dt.date(2022, s.month, 15) <= s.report_date <= min(deadline + dt.timedelta(6), AS_OF)
            late += s.report_date > deadline
        assert 1 <= late <= 0.15 * len(of_kind), kind


def test_sites_match_the_reports_except_one_or_two_flagged_stations(session):
    targets = {(t.station_id, t.indicator_id): t.target for t in session.exec(select(m.StationTarget))}
    items = session.exec(select(m.TaskItem, m.TaskIndicator.code)
                         .join(m.TaskIndicator, m.TaskIndicator.id == m.TaskItem.indicator_id)).all()
    per = defaultdict(list)
    for item, code in items:
        per[(item.station_id, item.indicator_id, code)].append(item)
        assert (item.status in m.ITEM_DONE) == (item.completed_date is not None)
        assert 1 <= item.planned_month <= 12 and "某某" not in item.name
    assert {code for *_, code in per} == {"示范创建", "视频监管试点"}
    differences = []
    for (sid, iid, code), its in per.items():
        assert len(its) == targets[(sid, iid)]
        done = sum(i.status in m.ITEM_DONE for i in its)
        reported = latest_cumulative(session, code, 10).get(sid, 0)
        if done != reported:
            differences.append(done - reported)
    assert 1 <= len(differences) <= 2 and all(abs(d) == 1 for d in differences)
    video = [i.video_online for (_, _, code), its in per.items() if code == "视频监管试点" for i in its
             if i.status in m.ITEM_DONE]
    assert video.count(False) >= 1 and video.count(True) > 3 * video.count(False)


def test_every_demo_workshop_has_its_detail_and_every_site_names_one(session):
    B, W = m.Business, m.Workshop
    assert count(session, B, B.sector == "小作坊", B.is_demo.is_(True)) == count(session, W)
    assert count(session, m.TaskItem, m.TaskItem.business_id.is_(None)) == 0
    demo_sites = session.exec(select(W.business_id).where(W.demo_site.is_(True))).all()
    assert len(demo_sites) == 126  # one per 示范创建 task item (the targets of 附件1)


# --- 风险隐患排查整治表 and 隐患清单 ----------------------------------------------------------------------


def test_hazard_counts_match_the_hazard_list(session):
    """发现隐患数 = the month's listed hazards, 整改隐患数 = those rectified by the report date, for every report."""
    reports = session.exec(select(m.HazardReport)).all()
    hazards = session.exec(select(m.Hazard)).all()
    per = defaultdict(list)
    for h in hazards:
        per[(h.station_id, h.month)].append(h)
        assert h.year == 2022 and h.found_date.month == h.month and h.found_date <= AS_OF
        assert h.deadline > h.found_date and h.business_id is not None and h.key == h.code
        assert (h.status == "已整改") == (h.rectified_date is not None)
        assert h.rectified_date is None or h.found_date <= h.rectified_date <= AS_OF
        assert h.status != "逾期" or (h.rectified_date is None and h.deadline < AS_OF)
    assert per.keys() <= {(r.station_id, r.month) for r in reports}  # no list rows for a month not reported
    for r in reports:
        listed = per.get((r.station_id, r.month), [])
        assert r.hazards_found == len(listed)
        assert r.hazards_rectified == sum(1 for h in listed if h.rectified_date and h.rectified_date <= r.report_date)
        assert all(h.found_date <= r.report_date for h in listed)
        assert 0 <= r.cases_opened <= r.hazards_found <= r.entities_checked
    businesses = {b.id: (b.name, b.station_id) for b in session.exec(select(m.Business))}
    assert all(businesses[h.business_id] == (h.business_name, h.station_id) for h in hazards)


def test_hazard_reports_miss_a_few_months_and_are_submissions(session):
    reports = {(r.station_id, r.month): r.report_date for r in session.exec(select(m.HazardReport))}
    subs = {(s.station_id, s.month): s.report_date for s in session.exec(
        select(m.MonthlySubmission).where(m.MonthlySubmission.kind == "风险隐患"))}
    assert subs == reports
    n_stations = count(session, m.Station)
    missing = {(s, mo) for s in range(1, n_stations + 1) for mo in range(1, 11)} - set(reports)
    assert len(missing) == 3 and any(mo == 10 for _, mo in missing)
    assert len({s for s, _ in missing}) == 3


def test_the_demo_rectification_rate_and_open_hazards(session):
    found, rectified = session.exec(select(func.sum(m.HazardReport.hazards_found),
                                           func.sum(m.HazardReport.hazards_rectified))).one()
    assert 300 <= found <= 600 and 0.7 <= rectified / found <= 0.9
    hz = metrics.hazard_totals(session=session, year=2022, month=10, as_of=AS_OF).iloc[0]
    assert (hz.hazards_found, hz.hazards_rectified) == (found, rectified)
    open_ = [h for h in session.exec(select(m.Hazard)) if h.rectified_date is None]
    assert hz.n_open == len(open_) > 0 and hz.n_overdue == sum(h.deadline < AS_OF for h in open_) > 0


# --- KPIs -----------------------------------------------------------------------------------------


def kpis(session: Session) -> dict[str, m.Kpi]:
    return {k.name: k for k in session.exec(select(m.Kpi).where(m.Kpi.jurisdiction == "章丘区"))}


def test_sampling_batches_apply_five_per_thousand_residents_to_zhangqiu(session):
    k = kpis(session)["监督抽检批次"]
    assert (k.target, k.unit, k.gauged, k.is_demo, k.year) == (5505, "批次", True, True, 2022)
    assert k.rule_text == "5批次/千人 × 110.1万常住人口（2023年末，章丘区统计公报）"
    assert k.due_date == dt.date(2022, 12, 31)
    # The other districts' own counts stay reference rows and are not copied.
    refs = session.exec(select(m.Kpi).where(m.Kpi.name == "监督抽检批次", m.Kpi.jurisdiction != "章丘区")).all()
    assert sorted(r.target for r in refs) == [2470, 5520] and not any(r.gauged or r.is_demo for r in refs)
    assert not any(x.target in (2470, 5520) for x in kpis(session).values())


def test_demo_kpis_copy_the_rules_once_and_cite_their_sources(session):
    ks = kpis(session)
    assert len(ks) == 13 and all(k.gauged and k.is_demo and k.year == 2022 for k in ks.values())
    twice = ks["不合格食品核查处置率"]
    assert "宝山区" in twice.source_doc and "昌乐县" in twice.source_doc
    assert twice.rule_text == "规则取自宝山区、昌乐县2024年工作要点（示例）"
    assert ks["预包装食品追溯二维码赋码率"].rule_text == "规则取自宝山区2024年工作要点（示例）"
    assert all(k.source_doc and k.source_article for k in ks.values())


def test_readings_run_for_ten_months_except_the_computed_timeliness_rate(session):
    ks = kpis(session)
    assert ks["月报按时上报率"].computed_from == "submissions"
    for name, k in ks.items():
        rows = session.exec(select(m.KpiReading).where(m.KpiReading.kpi_id == k.id)
                            .order_by(m.KpiReading.month)).all()
        if name == "月报按时上报率":
            assert rows == []
            continue
        assert [r.month for r in rows] == list(range(1, 11)), name
        if k.unit == "%":
            for r in rows:
                assert 0 <= r.value <= 1 and r.value == pytest.approx(r.numerator / r.denominator), name
        else:
            assert [r.value for r in rows] == sorted(r.value for r in rows), name


def test_the_october_gauges_show_green_amber_and_red(session):
    gauges = metrics.kpi_gauges(session=session, year=2022, month=10, as_of=AS_OF, jurisdiction="章丘区")
    assert len(gauges) == 13
    assert {"green", "amber", "red"} <= set(gauges["status"]) and "grey" not in set(gauges["status"])


# --- 包保 register, visits and problems -----------------------------------------------------------------


def test_the_register_has_county_scale_and_separate_tier_and_risk(session):
    businesses = session.exec(select(m.Business)).all()
    assert 2700 <= len(businesses) <= 3300
    per_station = Counter(b.station_id for b in businesses)
    names = {s.id: s.name for s in session.exec(select(m.Station))}
    assert {names[s] for s, _ in per_station.most_common(2)} == {"明水所", "双山所"}
    assert len(per_station) == 18
    assert {b.sector for b in businesses} == set(m.SECTORS)
    assert {b.subtype for b in businesses if b.sector == "单位食堂"} == {"学校食堂", "养老机构食堂", "医院食堂", "机关食堂"}
    tiers, risks = Counter(b.tier for b in businesses), Counter(b.risk_level for b in businesses)
    assert 0 < tiers["A"] < 0.03 * len(businesses) and tiers["D"] > 0.5 * len(businesses)
    assert 0.2 <= (risks["C"] + risks["D"]) / len(businesses) <= 0.3
    assert 0.01 <= sum(b.status == "停业" for b in businesses) / len(businesses) <= 0.06
    towns = {t.id: t.station_id for t in session.exec(select(m.Township))}
    stations = {s.id: s for s in session.exec(select(m.Station))}
    for b in businesses:
        assert b.key == b.code and re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", b.code)
        assert towns[b.township_id] == b.station_id and b.name.startswith("章丘区")
        st = stations[b.station_id]
        assert abs(b.lat - st.lat) <= 0.03 + 1e-9 and abs(b.lon - st.lon) <= 0.03 + 1e-9
    assert len({b.name for b in businesses}) == len(businesses)


def test_cadres_by_level_and_assignments_follow_the_tier(session):
    cadres = session.exec(select(m.Cadre).order_by(m.Cadre.key)).all()
    assert Counter(c.level for c in cadres) == {"市": 10, "县": 60, "乡": 150, "村": 180}
    assert cadres[0].key == cadres[0].code == "GB0001"
    level = {c.id: c.level for c in cadres}
    tier = {b.id: b.tier for b in session.exec(select(m.Business))}
    assignments = session.exec(select(m.Assignment)).all()
    per_business = defaultdict(list)
    for a in assignments:
        per_business[a.business_id].append(a)
    assert per_business.keys() == tier.keys()
    for bid, its in per_business.items():
        assert any(level[a.cadre_id] == LEVEL_OF_TIER[tier[bid]] for a in its)
    two = sum(len({level[a.cadre_id] for a in its}) > 1 for its in per_business.values()) / len(per_business)
    assert 0.10 <= two <= 0.20
    assert sum(a.start_date > START for a in assignments) > 0
    ended = [a for a in assignments if a.end_date is not None]
    assert 0 < len(ended) <= 0.02 * len(assignments) and all(a.end_date < dt.date(2022, 10, 1) for a in ended)


def test_visits_carry_keys_methods_and_their_problem_counts(session):
    visits = session.exec(select(m.Visit)).all()
    assert 8000 <= len(visits) <= 16000
    assert all(v.key == v.record_no and re.fullmatch(r"DD2022\d{6}", v.key) for v in visits)
    per_visit = Counter(session.exec(select(m.Problem.visit_id).where(m.Problem.visit_id.is_not(None))).all())
    assert all(v.problems_found == per_visit.get(v.id, 0) for v in visits)
    assert all(n in (1, 2) for n in per_visit.values())
    assert 0.15 <= len(per_visit) / len(visits) <= 0.25
    risk = {b.id: b.risk_level for b in session.exec(select(m.Business))}
    high = Counter(v.method for v in visits if risk[v.business_id] in ("C", "D"))
    low = Counter(v.method for v in visits if risk[v.business_id] in ("A", "B"))
    assert high["现场"] > 0.75 * sum(high.values()) and high["电话询问"] + high["视频会议"] > 0
    assert low["现场"] < 0.5 * sum(low.values()) and low["集中督导"] and low["电话询问"] and low["线上"]
    # Diligence differs by station: some cover nearly every entity in Q3, some far fewer.
    q3 = metrics.baobao(session=session, year=2022, month=9, as_of=AS_OF, by="station")
    assert q3["completion_rate"].max() >= 0.9 and q3["completion_rate"].min() <= 0.7


def test_problems_close_mostly_some_late_and_some_stay_open_past_their_deadline(session):
    problems = session.exec(select(m.Problem, m.Visit.visit_date).join(m.Visit)).all()
    closed = [p for p, _ in problems if p.status in m.PROBLEM_CLOSED]
    assert all(p.closed_date is not None for p in closed)
    assert all(p.closed_date is None for p, _ in problems if p.status not in m.PROBLEM_CLOSED)
    assert all((p.deadline - day).days in (15, 30) for p, day in problems)
    assert len(closed) > 0.7 * len(problems)
    assert any(p.closed_date > p.deadline for p in closed)
    assert any(p.status not in m.PROBLEM_CLOSED and p.deadline < AS_OF for p, _ in problems)


def test_settings_and_default_visit_rules(session):
    assert get_setting(session, "as_of") == "2022-10-31"
    assert get_setting(session, "database_kind") == "demo"
    assert get_setting(session, "high_risk_levels") == "C,D"
    assert get_setting(session, "demo_generated") == str(DEFAULT_SEED)
    rules = session.exec(select(m.VisitRule).order_by(m.VisitRule.id)).all()
    assert [(r.cadre_level, r.tier, r.risk_level, r.period, r.min_visits, r.onsite_required, r.is_demo)
            for r in rules] == [("*", "*", "*", "quarter", 1, False, False)]
    # 现场 for high risk comes from the one setting (high_risk_levels), not from a rule row per level
    assert get_setting(session, "monthly_report_start") == "2022-05"


# --- idempotence and determinism ----------------------------------------------------------------------


def checksums(engine: Engine) -> dict[str, str]:
    with Session(engine) as s:
        return {
            "business": digest(s, select(m.Business.key, m.Business.name, m.Business.tier, m.Business.risk_level,
                                         m.Business.lat, m.Business.station_id)),
            "visit": digest(s, select(m.Visit.key, m.Visit.visit_date, m.Visit.method, m.Visit.problems_found)),
            "problem": digest(s, select(m.Problem.description, m.Problem.deadline, m.Problem.status,
                                        m.Problem.closed_date)),
            "progress": digest(s, select(m.StationProgress.station_id, m.StationProgress.month,
                                         m.StationProgress.indicator_id, m.StationProgress.cumulative)),
            "submission": digest(s, select(m.MonthlySubmission.station_id, m.MonthlySubmission.month,
                                           m.MonthlySubmission.report_date)),
            "reading": digest(s, select(m.KpiReading.month, m.KpiReading.value, m.KpiReading.numerator)),
            "plan_status": digest(s, select(m.PlanTaskStatus.month, m.PlanTaskStatus.status,
                                            m.PlanTaskStatus.delay_reason)),
            "settings": digest(s, select(m.AppSetting.key, m.AppSetting.value)),
            "hazard_report": digest(s, select(m.HazardReport.station_id, m.HazardReport.month,
                                              m.HazardReport.entities_checked, m.HazardReport.hazards_found,
                                              m.HazardReport.hazards_rectified, m.HazardReport.cases_opened,
                                              m.HazardReport.report_date)),
            "hazard": digest(s, select(m.Hazard.key, m.Hazard.business_id, m.Hazard.description, m.Hazard.found_date,
                                       m.Hazard.deadline, m.Hazard.status, m.Hazard.rectified_date)),
            "business_duty": digest(s, select(m.BusinessDuty.business_id, m.BusinessDuty.director_name,
                                              m.BusinessDuty.director_trained, m.BusinessDuty.officer_name,
                                              m.BusinessDuty.officer_assessed)),
            "duty_check": digest(s, select(m.DutyCheck.business_id, m.DutyCheck.month, m.DutyCheck.daily,
                                           m.DutyCheck.weekly, m.DutyCheck.monthly, m.DutyCheck.source)),
            "sample": digest(s, select(m.Sample.key, m.Sample.sample_date, m.Sample.business_id, m.Sample.category,
                                       m.Sample.sample_name, m.Sample.kind, m.Sample.result, m.Sample.report_date)),
        }


def test_running_it_again_changes_nothing(demo):
    before, sums = snapshot(demo.engine), checksums(demo.engine)
    lines = build_demo(demo.engine)
    assert lines == ["种子文件6个均已导入，内容未变，跳过导入", "示例数据已存在（随机种子 20221031），未重复生成"]
    assert snapshot(demo.engine) == before  # row counts of every table, and data_version
    assert checksums(demo.engine) == sums


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not(demo_dir, demo):
    again = built(demo_dir, "again.db")
    other = built(demo_dir, "other.db", seed=7)
    try:
        assert again.lines == demo.lines
        assert checksums(again.engine) == checksums(demo.engine)
        with Session(demo.engine) as a, Session(again.engine) as b, Session(other.engine) as c:
            first = a.exec(select(m.Business.name).order_by(m.Business.key)).all()
            assert first == b.exec(select(m.Business.name).order_by(m.Business.key)).all()
            assert first != c.exec(select(m.Business.name).order_by(m.Business.key)).all()
            assert sum(latest_cumulative(c, "示范创建", 10).values()) == 98
    finally:
        again.engine.dispose()
        other.engine.dispose()


def test_a_seed_file_the_importer_refuses_stops_the_build(engine, tmp_path):
    bad = tmp_path / "任务清单.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(RuntimeError, match="种子文件导入失败"):
        import_seed_files(engine, files=[bad])


@pytest.mark.pg
def test_postgresql_gets_the_same_demo(pg_url, demo):
    upgrade(pg_url)
    engine = get_engine(pg_url)
    assert build_demo(engine) == demo.lines
    assert checksums(engine) == checksums(demo.engine)


# --- 主体责任 and 抽检 (seed/demo/oversight.py) -------------------------------------------------------------


def test_duty_checks_on_a_visit_month_name_the_visit_and_samples_agree_with_the_readings(session):
    checks = session.exec(select(m.DutyCheck, m.Visit).join(m.Visit, m.Visit.id == m.DutyCheck.visit_id)).all()
    assert checks and all(c.source == "包保督导" and v.business_id == c.business_id and v.visit_date.month == c.month
                          and v.method == "现场" for c, v in checks)
    assert count(session, m.DutyCheck, m.DutyCheck.source == "包保督导", m.DutyCheck.visit_id.is_(None)) == 0
    sectors = {b.sector for b, _ in session.exec(select(m.Business, m.BusinessDuty).join(m.BusinessDuty)).all()}
    assert sectors == {"生产", "销售", "餐饮", "单位食堂", "集中交易市场"}
    k = kpis(session)["监督抽检批次"]
    reading = session.exec(select(m.KpiReading).where(m.KpiReading.kpi_id == k.id, m.KpiReading.month == 10)).one()
    assert count(session, m.Sample) == reading.value == 4240
    failed = session.exec(select(m.Sample, m.Problem).join(m.Problem, m.Problem.sample_id == m.Sample.id)).all()
    assert len(failed) == count(session, m.Sample, m.Sample.result == "不合格") == 68
    for s_, p in failed:
        assert p.source == "抽检" and p.business_id == s_.business_id and p.visit_id is None
        assert p.found_date == s_.report_date and (p.deadline - s_.report_date).days == 30
    enforcement = session.exec(select(m.Problem).where(m.Problem.source == "执法")).all()
    assert len(enforcement) == 8 and all(p.visit_id is None for p in enforcement)
    assert sum(p.closed_date is None and p.deadline < AS_OF for p in enforcement) == 2
