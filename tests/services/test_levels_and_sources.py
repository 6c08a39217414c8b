"""The jurisdiction's words (cadre levels of a 区), one high-risk setting behind every count and label, and problems
that carry their source: the importer, the metrics and the 包保 page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine, set_setting
from seed.importer.kinds import KINDS
from services import access, lists, metrics
from services import baobao_view as bv
from services.rules import levels
from services.rules.viewer import SYSTEM
from tests.db.factories import Factory
from tests.pages.conftest import fresh_app
from tests.seed.test_visit_import import VISITS, _import, _register

OCT31 = dt.date(2022, 10, 31)
PERIOD = {"year": 2022, "month": 10, "as_of": OCT31}


# --- the rule ---------------------------------------------------------------------------------------------


def test_levels_follow_the_jurisdiction():
    assert levels.jurisdiction_kind("章丘区") == "区" and levels.jurisdiction_kind("昌乐县") == "县"
    assert levels.level_labels("区") == ["市级", "区级", "镇(街道)级", "村(社区)级"]
    assert levels.level_labels("县") == ["市级", "县级", "乡(镇)级", "村级"]
    for spelling, code in (("区级", "县"), ("县级", "县"), ("镇级", "乡"), ("街道级", "乡"), ("乡级", "乡"),
                           ("社区级", "村"), ("村级", "村"), ("市级", "市"), ("镇(街道)级", "乡"), ("乡", "乡")):
        assert levels.parse_level(spelling) == code, spelling
    assert levels.parse_level("组级") is None
    assert levels.grades_label(("C", "D")) == "C、D级" and levels.grades_label(("D",)) == "D级"


def test_the_template_and_the_kind_speak_as_a_district():
    cadre = KINDS["包保干部"]
    level = next(c for c in cadre.columns if c.field == "level")
    assert level.choices == ("市级", "区级", "镇(街道)级", "村(社区)级")
    text = cadre.description + "".join(str(x) for x in cadre.template_example[0])
    assert "层级为 市级 / 区级 / 镇(街道)级 / 村(社区)级" in cadre.description
    assert "镇(街道)级" in text and "乡级" not in text and "县级" not in text
    problem = KINDS["问题"]
    assert next(c for c in problem.columns if c.field == "source").choices == ("包保督导", "风险隐患", "执法", "抽检")


# --- the importer -------------------------------------------------------------------------------------------


def test_cadre_levels_in_any_spelling_and_problem_sources(db_url):
    engine = get_engine(db_url)
    _register(engine)  # 张某 "乡", 李某 "村"
    report = _import(engine, "包保干部", [["GB0002", "王某", "区级", "章丘区市场监督管理局", "科长", ""],
                                          ["GB0003", "赵某", "街道级", "明水街道办事处", "", "明水所"],
                                          ["GB0004", "钱某", "社区", "某社区", "", "明水所"]])
    assert report.exit_code == 0, [f.line() for f in report.errors]
    with Session(engine) as s:
        got = {c.name: c.level for c in s.exec(select(m.Cadre)).all()}
    assert got == {"张某": "乡", "李某": "村", "王某": "县", "赵某": "乡", "钱某": "村"}  # codes stored
    bad = _import(engine, "包保干部", [["GB0005", "孙某", "组级", "某单位", "", ""]])
    assert bad.exit_code != 0
    assert any("应为以下之一：市级、区级、镇(街道)级、村(社区)级" in f.line() for f in bad.errors)

    assert _import(engine, "督导记录", VISITS).exit_code == 0
    ok = _import(engine, "问题", [["DD2022000001", 1, "进货查验记录不全", "2022-03-30", "", "", "风险隐患"],
                                  ["DD2022000001", 2, "健康证过期", "2022-03-30", "", "", ""]])
    assert ok.exit_code == 0, [f.line() for f in ok.errors]
    with Session(engine) as s:
        assert sorted((p.seq, p.source) for p in s.exec(select(m.Problem)).all()) == [(1, "风险隐患"), (2, "包保督导")]
    wrong = _import(engine, "问题", [["DD2022000001", 3, "超范围经营", "2022-03-30", "", "", "巡查"]])
    assert wrong.exit_code != 0
    assert any("应为以下之一：包保督导、风险隐患、执法、抽检" in f.line() for f in wrong.errors)


# --- the demo: sources, the high-risk setting, no 县/乡 words ---------------------------------------------------


def test_problem_rate_counts_baobao_problems_and_open_counts_every_source(demo_url):  # noqa: F811
    engine = get_engine(demo_url)
    with Session(engine) as s:
        problems = s.exec(select(m.Problem, m.Visit).join(m.Visit, m.Visit.id == m.Problem.visit_id)).all()
        d = metrics.baobao(session=s, by="district", **PERIOD).iloc[0]
        others = s.exec(select(m.Problem).where(m.Problem.visit_id.is_(None))).all()  # 执法, 抽检: no visit
    dispose_engines()
    sources = {p.source for p, _ in problems}
    assert sources == {"包保督导", "风险隐患"}  # the demo sets both

    def closed(p):
        return p.status in m.PROBLEM_CLOSED and p.closed_date is not None and p.closed_date <= OCT31

    year = [(p, v) for p, v in problems if dt.date(2022, 1, 1) <= v.visit_date <= OCT31]
    baobao_ = [(p, v) for p, v in year if p.source == "包保督导"]
    assert (d.n_prob_ytd, d.n_prob_ytd_closed) == (len(baobao_), sum(closed(p) for p, _ in baobao_))
    assert d.n_prob_ytd < len(year)  # the 风险隐患 problems are not in 问题整改率
    every = [*(p for p, _ in problems), *others]
    overdue = [p for p in every if p.found_date <= OCT31 and p.deadline and p.deadline < OCT31 and not closed(p)]
    assert d.n_prob_overdue == len(overdue) and {"风险隐患", "执法"} <= {p.source for p in overdue}
    assert d.n_prob_open == sum(1 for p in every if p.found_date <= OCT31 and not closed(p))


def test_one_high_risk_setting_drives_counts_and_labels(demo_url):  # noqa: F811
    engine = get_engine(demo_url)
    try:
        with Session(engine) as s:
            before = metrics.baobao(session=s, by="district", **PERIOD).iloc[0]
            assert metrics.high_risk_label(session=s) == "C、D级"
            n_d = len(s.exec(select(m.Business.id).where(m.Business.risk_level == "D",
                                                         m.Business.status == "在营")).all())
            set_setting(s, "high_risk_levels", "D")
            s.commit()
            after = metrics.baobao(session=s, by="district", **PERIOD).iloc[0]
            label = metrics.high_risk_label(session=s)
            rules = bv.rule_text(lists.visit_rules(session=s), label)
        assert label == "D级" and "D级（高风险）主体须现场督导" in rules and "C、D级" not in rules
        assert after.n_high_risk == n_d < before.n_high_risk
        assert after.n_done >= before.n_done  # C businesses no longer need a 现场 visit
        assert bv.default_rule(label) == "各层级每季度至少督导1次，D级（高风险）主体须现场督导（默认规则）"
    finally:
        with Session(engine) as s:
            set_setting(s, "high_risk_levels", "C,D")
            s.commit()
        dispose_engines()


def test_no_county_words_for_zhangqiu(demo_url, monkeypatch):  # noqa: F811
    with Session(get_engine(demo_url)) as s:
        assert metrics.jurisdiction_kind(session=s) == "区"
        by_level = metrics.baobao_by_cadre_level(session=s, **PERIOD)
        rows = bv.cadre_level_rows(by_level, "区")
        cadres = access.cadres(session=s, viewer=SYSTEM)
    dispose_engines()
    assert rows["干部层级"].tolist() == ["市级", "区级", "镇(街道)级", "村(社区)级"]
    labels = bv.cadre_labels(cadres, "区")
    assert not any("县级" in x or "乡级" in x for x in labels) and any("镇(街道)级" in x for x in labels)

    at = fresh_app(demo_url, monkeypatch).run()
    at.switch_page("app_pages/baobao.py").run()
    at.segmented_control(key="bb_group").set_value("干部层级").run()
    assert not at.exception
    texts = [str(x.value) for x in (*at.markdown, *at.caption, *at.metric)]
    texts += [" ".join(map(str, d.value.astype(str).values.ravel())) for d in at.dataframe]
    texts += [" ".join(map(str, sb.options)) for sb in at.selectbox]
    page = " ".join(texts)
    assert "镇(街道)级" in page and "区级" in page
    assert "县级" not in page and "乡级" not in page
    assert "C、D级" in page


@pytest.mark.parametrize("name,label", [("章丘区", "区级"), ("昌乐县", "县级")])
def test_the_cadre_export_speaks_the_jurisdictions_words(db_url, name, label):
    from seed.export.rows import BUILDERS

    with Session(get_engine(db_url)) as s:
        district = m.District(name=name)
        s.add(district)
        s.flush()
        f = Factory(s)
        f.station("明水所", district_id=district.id)
        f.cadre("王某", "县")
        s.commit()
        built = BUILDERS["包保干部"](s, None, False)
    assert [row[2] for row in built.rows] == [label]
