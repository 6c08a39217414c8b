"""services.access: every principal × every row list × no station / its own / another, exactly as the matrix says.

The small database (tests/pages/conftest.small_url) plus, here: a 双山所 cadre 李某 with 店D (visited in
September, one problem overdue), a county cadre 王某 (no station) covering 店C of 双山所 only, and one site per
station. 张某 of 明水所 covers 店A, 店B (明水所) and 店C (双山所).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from services import access, auth, lineage, lists, metrics
from services.rules.permissions import KIOSK, can
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests import dbs
from tests.db.factories import Factory
from tests.pages.conftest import TEST_USERS, build_small, ensure_user

D = dt.date
PERIOD = {"year": 2022, "month": 10, "as_of": D(2022, 10, 31)}
MS, SS = "明水所", "双山所"
REFUSED = "refused"
ALL = "all"

# Who the list is for → the station asked for (None, 明水所, 双山所) → the station the rows are of, or REFUSED.
# Written out by hand: a wrong rule in services.access (or in services.rules.permissions.PERMISSIONS) fails here.
MATRIX: dict[str, dict[str | None, str]] = {
    "system": {None: ALL, MS: MS, SS: SS},  # SYSTEM: the command line and exports
    "leader": {None: ALL, MS: MS, SS: SS},
    "office": {None: ALL, MS: MS, SS: SS},
    "admin": {None: ALL, MS: MS, SS: SS},
    "mingshui": {None: MS, MS: MS, SS: REFUSED},
    "shuangshan": {None: SS, MS: REFUSED, SS: SS},
    "kiosk": {None: REFUSED, MS: REFUSED, SS: REFUSED},
    "anonymous": {None: REFUSED, MS: REFUSED, SS: REFUSED},
    "station_without_station": {None: REFUSED, MS: REFUSED, SS: REFUSED},
}
PRINCIPALS = list(MATRIX)

# The rows each list holds, by the station they are limited to (names: business, business, cadre, site).
ROWS: dict[str, dict[str, set[str]]] = {
    "not_visited": {ALL: {"店B", "店C", "店D"}, MS: {"店B"}, SS: {"店C", "店D"}},
    "overdue_problems": {ALL: {"店A", "店D"}, MS: {"店A"}, SS: {"店D"}},
    "others_problems": {ALL: {"店B", "店C"}, MS: {"店B"}, SS: {"店C"}},
    "cadres": {ALL: {"张某", "李某", "王某"}, MS: {"张某"}, SS: {"张某", "李某", "王某"}},
    "task_items": {ALL: {"明水示范点", "双山示范点"}, MS: {"明水示范点"}, SS: {"双山示范点"}},
}
NAME_COLUMN = {"not_visited": "business", "overdue_problems": "business", "cadres": "name", "task_items": "name",
               "others_problems": "business"}
# What each list needs besides the user and the station.
ARGS = {"not_visited": PERIOD, "overdue_problems": PERIOD, "cadres": {}, "task_items": {"year": 2022},
        "others_problems": PERIOD}
# The function underneath, which a refusal must never reach.
UNDERNEATH = {"not_visited": (metrics, "not_visited"), "overdue_problems": (metrics, "overdue_problems"),
              "cadres": (lists, "cadres"), "task_items": (lists, "task_items"),
              "others_problems": (metrics, "others_problems")}

# A cadre's detail (no station argument): the businesses shown, and how many were left out; or REFUSED.
DETAIL: dict[str, dict[str, tuple[set[str], int] | str]] = {
    "张某": {"full": ({"店A", "店B", "店C"}, 0), MS: ({"店A", "店B"}, 1), SS: ({"店C"}, 2)},
    "李某": {"full": ({"店D"}, 0), MS: REFUSED, SS: ({"店D"}, 0)},
    "王某": {"full": ({"店C"}, 0), MS: REFUSED, SS: ({"店C"}, 0)},
}
DETAIL_SCOPE = {"system": "full", "leader": "full", "office": "full", "admin": "full", "mingshui": MS,
                "shuangshan": SS, "kiosk": REFUSED, "anonymous": REFUSED, "station_without_station": REFUSED}


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    """The page tests' small database and the rows the matrix needs, built once for the module: every test here
    only reads (on PostgreSQL a database per test cost about 3 s, times 141 tests)."""
    base = dbs.new_url(tmp_path_factory.mktemp("access"), "small.db")
    build_small(base)
    dispose_engines()
    with Session(get_engine(base)) as s:
        f = Factory(s)
        f._n = itertools.count(1000)  # keys apart from the ones small_url made
        station = {st.name: st for st in s.exec(select(m.Station)).all()}
        shuangshan_town = s.exec(select(m.Township).where(m.Township.name == "双山街道")).one()
        store_c = s.exec(select(m.Business).where(m.Business.name == "店C")).one()
        li = f.cadre("李某", "乡", station[SS])
        wang = f.cadre("王某", "县")
        store_d = f.business("店D", station[SS], township=shuangshan_town)
        f.assign(li, store_d)
        f.assign(wang, store_c)
        visit = f.visit(li, store_d, D(2022, 9, 5), "现场")
        f.problem(visit, deadline=D(2022, 9, 30), description="从业人员健康证过期")
        store_b = s.exec(select(m.Business).where(m.Business.name == "店B")).one()
        for biz in (store_b, store_c):  # found by 执法, no deadline: listed for the cadres, on no overdue list
            f.problem_at(biz, D(2022, 9, 1), description="执法检查发现问题")
        ind = s.exec(select(m.TaskIndicator)).first()
        f.item(station[MS], ind, "明水示范点")
        f.item(station[SS], ind, "双山示范点")
        s.add(m.AppUser(username="shuangshan", role="监管所", station_id=station[SS].id, password_hash="x"))
        s.commit()
    for name in TEST_USERS:
        ensure_user(base, name)
    dispose_engines()
    return base


@pytest.fixture
def session(url):
    with Session(get_engine(url)) as s:
        yield s


def principal(session: Session, who: str) -> Viewer:
    if who == "system":
        return SYSTEM
    if who == "kiosk":
        return Viewer(username=None, role=KIOSK, station_id=None, display_name="大屏")
    if who == "anonymous":
        return NOBODY
    if who == "station_without_station":
        return Viewer(username="x", role="监管所", station_id=None)
    return Viewer.of_account(auth.get_user(session=session, username=who))


def station_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    return session.exec(select(m.Station.id).where(m.Station.name == name)).one()


def cadre_id(session: Session, name: str) -> int:
    return session.exec(select(m.Cadre.id).where(m.Cadre.name == name)).one()


def test_the_accounts_are_what_the_matrix_assumes(session):
    assert {k: u.role for k in PRINCIPALS if not (u := principal(session, k)).system} == {
        "leader": "领导", "office": "食安办", "admin": "管理员", "mingshui": "监管所", "shuangshan": "监管所",
        "kiosk": "kiosk", "anonymous": None, "station_without_station": "监管所"}
    assert principal(session, "mingshui").station_name == MS
    assert principal(session, "shuangshan").station_name == SS
    # The matrix above agrees with services.auth: only roles that may read both pages get any list.
    for who in ("leader", "office", "admin", "mingshui"):
        assert can(TEST_USERS[who][0], access.BAOBAO_PAGE) and can(TEST_USERS[who][0], access.TASKS_PAGE)
    assert not can(KIOSK, access.BAOBAO_PAGE) and not can(None, access.TASKS_PAGE)


@pytest.mark.parametrize("asked", [None, MS, SS], ids=["none", "mingshui", "shuangshan"])
@pytest.mark.parametrize("name", list(ROWS))
@pytest.mark.parametrize("who", PRINCIPALS)
def test_every_principal_every_list_every_station(session, monkeypatch, who, name, asked):
    user = principal(session, who)
    expected = MATRIX[who][asked]
    fn = getattr(access, name)
    kwargs = {**ARGS[name], "station_id": station_id(session, asked)}
    if expected == REFUSED:
        module, attr = UNDERNEATH[name]

        def never(**_):
            raise AssertionError("a refused list must not be read")

        monkeypatch.setattr(module, attr, never)
        with pytest.raises(PermissionError):
            fn(session=session, viewer=user, **kwargs)
        return
    df = fn(session=session, viewer=user, **kwargs)
    assert set(df[NAME_COLUMN[name]]) == ROWS[name][expected]


@pytest.mark.parametrize("cadre", list(DETAIL))
@pytest.mark.parametrize("who", PRINCIPALS)
def test_a_cadres_detail_shows_only_what_the_principal_may_see(session, who, cadre):
    user = principal(session, who)
    scope = DETAIL_SCOPE[who]
    expected = REFUSED if scope == REFUSED else DETAIL[cadre][scope]
    if expected == REFUSED:
        with pytest.raises(PermissionError):
            access.cadre_detail(session=session, viewer=user, cadre_id=cadre_id(session, cadre), **PERIOD)
        return
    shown, hidden = expected
    df = access.cadre_detail(session=session, viewer=user, cadre_id=cadre_id(session, cadre), **PERIOD)
    assert set(df["business"]) == shown
    assert df.attrs["n_hidden"] == hidden


def test_an_unknown_cadre_is_refused_to_a_station_and_empty_for_the_others(session):
    for who in ("mingshui", "shuangshan"):
        with pytest.raises(PermissionError):
            access.cadre_detail(session=session, viewer=principal(session, who), cadre_id=999_999, **PERIOD)
    assert access.cadre_detail(session=session, viewer=principal(session, "office"), cadre_id=999_999,
                               **PERIOD).empty


def test_the_refusal_names_the_own_station_in_chinese(session):
    for user in (principal(session, "mingshui"),
                 Viewer(role="监管所", station_id=station_id(session, MS))):  # as components.data passes it
        with pytest.raises(PermissionError) as e:
            access.not_visited(session=session, viewer=user, station_id=station_id(session, SS), **PERIOD)
        assert str(e.value) == "监管所账号只能查看本所（明水所）的主体、督导、问题和点位名单"
    with pytest.raises(PermissionError, match="包保干部"):
        access.cadre_detail(session=session, viewer=principal(session, "mingshui"),
                            cadre_id=cadre_id(session, "李某"), **PERIOD)
    with pytest.raises(PermissionError, match="当前账号无权查看“任务清单”"):
        access.task_items(session=session, viewer=principal(session, "kiosk"), year=2022)
    with pytest.raises(PermissionError, match="未指定监管所"):
        access.task_items(session=session, viewer=principal(session, "station_without_station"), year=2022)


def test_a_station_given_as_text_is_checked_the_same(session):
    """Query parameters arrive as text: "2" is station 2, not a way round the comparison."""
    other = str(station_id(session, SS))
    with pytest.raises(PermissionError):
        access.task_items(session=session, viewer=principal(session, "mingshui"), year=2022, station_id=other)
    own = str(station_id(session, MS))
    df = access.task_items(session=session, viewer=principal(session, "mingshui"), year=2022, station_id=own)
    assert set(df["name"]) == {"明水示范点"}


def test_the_functions_underneath_still_list_everything_for_the_command_line(session):
    assert set(metrics.not_visited(session=session, **PERIOD)["business"]) == ROWS["not_visited"][ALL]
    assert set(metrics.overdue_problems(session=session, **PERIOD)["business"]) == ROWS["overdue_problems"][ALL]
    assert set(lists.task_items(session=session, year=2022)["name"]) == ROWS["task_items"][ALL]
    assert set(lists.cadres(session=session)["name"]) == ROWS["cadres"][ALL]
    # services.lists.cadres by station keeps its own rule (the cadre's station): the county cadre is not in it.
    assert set(lists.cadres(session=session, station_id=station_id(session, SS))["name"]) == {"李某"}


def test_every_list_a_page_asks_for_is_checked_against_the_viewer():
    """Each service a page or component hands to data.listing (by reference) takes the viewer and is covered here
    or in its own tests (lineage: tests/services/test_lineage.py; submissions: tests/services/test_submissions.py;
    workshops_view: tests/services/test_workshop_figures.py)."""
    import ast
    import inspect
    from pathlib import Path

    from services import imports, submissions
    from services import workshops_view as wv

    root = Path(__file__).resolve().parents[2]
    modules = {"access": access, "lineage": lineage, "submissions": submissions, "imports": imports,
               "wv": wv}  # workshops_view: tests/pages/test_workshop_pages.py and tests/services/test_workshop_figures.py
    asked = set()
    for f in [*root.joinpath("app_pages").glob("*.py"), *root.joinpath("components").glob("*.py")]:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            called = getattr(node, "func", None)
            name = getattr(called, "attr", None) or getattr(called, "id", None)
            if (isinstance(node, ast.Call) and name == "listing" and node.args
                    and isinstance(node.args[0], ast.Attribute) and isinstance(node.args[0].value, ast.Name)):
                asked.add((node.args[0].value.id, node.args[0].attr))
    assert {name for mod, name in asked if mod == "access"} == set(ROWS) | {"cadre_detail"}
    for mod, name in asked:
        assert "viewer" in inspect.signature(getattr(modules[mod], name)).parameters, f"{mod}.{name}"
