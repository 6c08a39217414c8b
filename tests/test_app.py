"""The app frame runs from app.py against a database with the bureau's task list."""

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines
from db.migrate import upgrade
from seed.importer import import_paths
from tests import dbs
from tests.seed.fixtures import SEED_DATA

ROOT = SEED_DATA.parents[1]


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = dbs.new_url(tmp_path, "app.db")
    upgrade(url)
    from db.engine import get_engine

    assert import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=get_engine(url)).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AS_OF", "2022-10-31")
    yield url
    dispose_engines()


def test_frame_shows_the_2022_task_list_totals(app_db):
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    from tests.pages.conftest import ensure_user, sign_in

    ensure_user(app_db, "leader")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    sign_in(at, app_db, "leader")
    dispose_engines()
    at.run()
    assert not at.exception
    cards = [m.value for m in at.metric if m.label == "累计完成"]
    assert cards == ["0/126家", "0/27家", "0/42家", "0/20次"]  # the bureau's targets, nothing reported yet
    assert not at.warning  # real data only: no 示例数据 banner


def test_a_real_database_without_a_login_shows_only_the_login_form(app_db):
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric  # no figure before a login
    assert not at.info  # and no demo accounts offered on a real database


def test_the_first_run_imports_every_component_and_service_module(tmp_path):
    """app.py's load_modules: after the first run of a fresh process, no page imports a module of ours for the first
    time, so two sessions opening different pages at once cannot deadlock in the import locks."""
    import subprocess
    import sys

    script = """
import pkgutil, sys
from streamlit.testing.v1 import AppTest
import components, services
AppTest.from_file("app.py", default_timeout=60).run()  # nobody logged in: the login form only
names = [i.name for p in (components, services) for i in pkgutil.walk_packages(p.__path__, prefix=p.__name__ + ".")]
missing = [n for n in names if n not in sys.modules]
print("MISSING", missing)
"""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "MISSING []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
