"""系统设置 → 会议材料署名: who the Word and Excel packs name as author and company, saved through services.meeting."""

from __future__ import annotations

import io

import docx
import pytest
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine
from reports import briefing
from services import meeting
from services.rules.viewer import Viewer
from tests import dbs
from tests.pages.conftest import fresh_app

SETTINGS = "app_pages/settings.py"


@pytest.fixture
def url(demo_url, tmp_path):
    return dbs.copy_url(demo_url, tmp_path, "sign.db")


def test_the_default_signature_is_the_districts_bureau_and_office(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, user="office").run()
    at.switch_page(SETTINGS).run()
    assert not at.exception
    assert at.text_input(key="sign_org").value == "章丘区市场监督管理局"
    assert at.text_input(key="sign_office").value == "章丘区食品安全委员会办公室"


def test_the_office_saves_a_signature_and_the_briefing_carries_it(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user="office").run()
    at.switch_page(SETTINGS).run()
    at.text_input(key="sign_org").set_value("  济南市章丘区市场监督管理局 ")
    at.text_input(key="sign_office").set_value("章丘区食安办")
    next(b for b in at.button if b.label == "保存署名").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "已保存：会议材料署名为济南市章丘区市场监督管理局（章丘区食安办）。"
    with auth_session(url) as a:  # the audit log lives in the auth store
        audit = a.exec(select(m.AuditLog).where(m.AuditLog.target == "会议材料署名")).one()
    assert audit.username == "office" and audit.detail["单位"] == "章丘区市场监督管理局→济南市章丘区市场监督管理局"
    with Session(get_engine(url)) as s:
        pack = briefing.gather(year=2022, month=10, charts=False, session=s)
    dispose_engines()
    props = docx.Document(io.BytesIO(briefing.docx_bytes(pack))).core_properties
    assert props.author == "济南市章丘区市场监督管理局"


def test_an_empty_name_is_refused_in_chinese_and_nothing_is_written(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user="admin").run()
    at.switch_page(SETTINGS).run()
    at.text_input(key="sign_org").set_value("   ")
    next(b for b in at.button if b.label == "保存署名").click().run()
    assert [e.value for e in at.error] == ["单位名称不能为空"]
    with Session(get_engine(url)) as s:
        assert meeting.signature(session=s)["organisation"] == "章丘区市场监督管理局"
    with auth_session(url) as a:  # and no audit row
        assert a.exec(select(m.AuditLog).where(m.AuditLog.target == "会议材料署名")).first() is None
    dispose_engines()


def test_a_station_account_may_not_change_the_signature(url):
    station = Viewer.of_account({"role": "监管所", "station_id": 1, "username": "mingshui"})
    with Session(get_engine(url)) as s:
        with pytest.raises(PermissionError):
            meeting.save_signature(session=s, viewer=station, organisation_name="x", office_name="y")
    with auth_session(url) as a:
        assert a.exec(select(m.AuditLog).where(m.AuditLog.target == "会议材料署名")).first() is None
    dispose_engines()
