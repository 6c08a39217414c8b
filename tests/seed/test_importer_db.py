"""The importer on SQLite and on PostgreSQL alike: the bureau's files, a no-op re-import, undo."""

from sqlalchemy import func
from sqlmodel import Session, select

from db import models as m
from db.engine import get_engine
from seed.importer import import_files, import_paths, undo_batch
from tests.seed.fixtures import SEED_DATA, snapshot, task_rows, xlsx


def test_bureau_files_reimport_and_undo(db_url):
    engine = get_engine(db_url)
    report = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=engine)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    with Session(engine) as s:
        sums = dict(s.exec(select(m.TaskIndicator.code, func.sum(m.StationTarget.target))
                           .join(m.StationTarget).group_by(m.TaskIndicator.code)).all())
    assert sums == {"示范创建": 126, "新升级为食品生产企业": 27, "视频监管试点": 42, "抱团发展活动": 20}
    before = snapshot(engine)
    again = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=engine)
    assert again.exit_code == 0 and not again.committed and snapshot(engine) == before

    changed = import_files([("改.xlsx", xlsx(task_rows(stations=[["明水所", 21, 3, 5, 2]])))], engine=engine)
    assert changed.files[0].counts.updated == 1
    with Session(engine) as s:
        undo_batch(s, changed.files[0].batch_id)
        s.commit()
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in ("data_version", "import_batch", "import_change")} == {
        k: v for k, v in before.items() if k not in ("data_version", "import_batch", "import_change")}
    assert after["data_version"] == before["data_version"] + 2


def test_refused_file_writes_nothing(db_url):
    engine = get_engine(db_url)
    import_paths([SEED_DATA / "监管所.xlsx"], engine=engine)
    before = snapshot(engine)
    report = import_files([("坏.xlsx", xlsx(task_rows() + [["合计", 1, 1, 1, 1]]))], engine=engine)
    assert report.exit_code == 1 and len(report.errors) == 4
    assert snapshot(engine) == before


def _own_plan_workbook() -> bytes:
    """The first sheet of the seed 工作要点 as if 章丘区 had issued it."""
    from io import BytesIO

    import openpyxl

    wb = openpyxl.load_workbook(SEED_DATA / "工作要点.xlsx")
    for extra in wb.worksheets[1:]:
        wb.remove(extra)
    ws = wb.worksheets[0]
    ws["A1"] = "2024年章丘区食品生产环节安全监管工作要点"
    ws["A2"] = "发文单位：济南市章丘区市场监督管理局；辖区：济南市章丘区；年度：2024"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_work_plans_imported_before_the_district_say_so_and_count_once_reimported(db_url):
    engine = get_engine(db_url)
    content = _own_plan_workbook()
    first = import_files([("章丘工作要点.xlsx", content)], engine=engine)
    assert first.exit_code == 0
    assert any("数据库中还没有区县" in f.line() for f in first.warnings)
    with Session(engine) as s:
        assert [p.is_reference for p in s.exec(select(m.PlanDocument)).all()] == [True]

    assert import_paths([SEED_DATA / "监管所.xlsx"], engine=engine).exit_code == 0  # its 区县 sheet claims the plan
    with Session(engine) as s:
        assert [p.is_reference for p in s.exec(select(m.PlanDocument)).all()] == [False]
