"""季度风险会商 on the demo database (2022 Q3, as of 2022-10-31): the pack's figures agree with counts taken straight
from the registers, and the Word text says them (seed/demo/oversight.py made the 抽检 and 主体责任 rows)."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from reports import consultation as pack
from reports import typeset
from tests import dbs

AS_OF = dt.date(2022, 10, 31)
Q3 = (dt.date(2022, 7, 1), dt.date(2022, 9, 30))


@pytest.fixture(scope="module")
def demo_engine(demo_template, tmp_path_factory):
    yield get_engine(dbs.copy_url(demo_template, tmp_path_factory.mktemp("consult-demo"), "demo.db"))
    dispose_engines()


@pytest.fixture(scope="module")
def made(demo_engine):
    with Session(demo_engine) as s:
        c = pack.gather(year=2022, quarter=3, as_of=AS_OF, session=s)
    text = [typeset.plain(p.text) for p in docx.Document(io.BytesIO(pack.docx_bytes(c))).paragraphs]
    return c, text


def test_the_quarters_samples_match_the_register(demo_engine, made):
    c, text = made
    s_ = m.Sample
    in_q = (s_.sample_date >= Q3[0], s_.sample_date <= Q3[1])
    with Session(demo_engine) as s:
        n = s.exec(select(func.count()).select_from(s_).where(*in_q)).one()
        failed = s.exec(select(func.count()).select_from(s_).where(*in_q, s_.result == m.SAMPLE_FAILED)).one()
    assert (n, failed) == (1461, 22)
    assert int(c.samples_by_category["n_batches"].sum()) == n and int(c.samples_by_category["n_failed"].sum()) == failed
    assert "本季度（2022年7月1日至2022年9月30日）共抽检1461批次，不合格22批次，不合格率1.5%（检验中0批次不计）。" in text
    assert c.topics[0] == "餐饮食品不合格9批次，建议列为下季度重点抽检品类"


def test_problems_by_source_and_what_is_overdue(demo_engine, made):
    c, text = made
    p = m.Problem
    with Session(demo_engine) as s:
        by_source = dict(s.exec(select(p.source, func.count()).where(p.found_date >= Q3[0], p.found_date <= Q3[1])
                                .group_by(p.source)).all())
    assert by_source == {"包保督导": 681, "风险隐患": 63, "执法": 2, "抽检": 23}
    assert dict(zip(c.problems_by_source["source"], c.problems_by_source["n_found"], strict=True)) == by_source
    assert "按来源：包保督导681个、风险隐患63个、执法2个、抽检23个。" in text
    assert "截至2022年9月30日，逾期未整改问题328个（各来源）、隐患清单逾期隐患27个，共355个。" in text


def test_high_risk_and_duty_gaps(made):
    c, text = made
    assert (int(c.high_risk_by_station["n_high_risk"].sum()), int(c.high_risk_by_station["n_unvisited"].sum())) == (
        709, 196)
    assert ("在营生产、销售、餐饮、单位食堂、集中交易市场企业1621家：包保分级A、B级企业262家，其中34家未配备食品安全总监；"
            "111家未配备食品安全员；970家本季度（7–9月）日管控、周排查、月调度记录不全或未记录。") in text
    assert text[2].startswith("（示例数据")
