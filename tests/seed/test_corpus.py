"""The importer's corpus (issue 18 item 8): every generated variant imported into a fresh copy of its base database.

Good variants: the import commits and each kind's export (what `python -m seed export KIND` writes) equals the
canonical rows the variant was built from. Bad variants: an error names the sheet and cell with the expected reason,
and nothing is written. Each variant names the item of #18 that made it pass, if it failed before."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from db.engine import dispose_engines, get_engine
from seed.export import export_bytes
from seed.importer import import_files, import_paths
from seed.importer.kinds import KINDS
from tests import dbs
from tests.seed.corpus import VARIANTS, Bad, Good
from tests.seed.corpus import canon as c
from tests.seed.fixtures import SEED_DATA, snapshot

# Reading and checking files: the PostgreSQL pass leaves it out (the importer's writes run there in other tests)
pytestmark = pytest.mark.reading_only

EVERY_KIND = ("任务清单", "任务进度", "监管所", "包保主体", "包保干部", "包保关系", "督导记录", "工作要点", "指标", "配档表")


def _csv(kind: str, header: list[str], rows: list[list[object]]) -> tuple[str, bytes]:
    out = io.StringIO()
    csv.writer(out).writerows([header, *c.text_rows(rows)])
    return f"{kind}.csv", ("\ufeff" + out.getvalue()).encode("utf-8")


def _build_base(name: str, folder) -> str:
    url = dbs.new_url(folder, f"{name}.db")
    engine = get_engine(url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO data_version (id, version) VALUES (1, 0)"))
    if name in ("stations", "people"):
        report = import_paths([SEED_DATA / "监管所.xlsx"], engine=engine)
        assert report.exit_code == 0, [f.line() for f in report.errors]
    if name == "people":
        report = import_files([_csv("包保主体", c.BIZ_HEADER, c.BIZ_ROWS), _csv("包保干部", c.CADRE_HEADER, c.CADRE_ROWS)],
                              engine=engine)
        assert report.exit_code == 0, [f.line() for f in report.errors]
    dispose_engines()
    return url


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The base databases, each built once per worker on first use: "empty", "stations" (seed/data/监管所.xlsx) and
    "people" (stations plus the canonical 包保主体 and 包保干部)."""
    built: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("corpus-bases")

    def get(name: str) -> str:
        if name not in built:
            built[name] = _build_base(name, folder)
        return built[name]

    return get


def _lines(report) -> list[str]:
    return [f.line() for f in report.findings] + [f"{f.name}：{f.rejected}" for f in report.files if f.rejected]


def _params():
    for v in VARIANTS:
        yield pytest.param(v, id=v.id)


def exported(engine, kind: str, year: int | None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of `python -m seed export KIND --format csv` (the CLI's export_bytes), as text."""
    with Session(engine) as session:
        data = export_bytes(kind, session=session, year=year, fmt="csv")
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return header, rows


@pytest.mark.parametrize("variant", list(_params()))
def test_variant(variant, base_url, tmp_path):
    url = dbs.copy_url(base_url(variant.base), tmp_path, "variant.db")
    engine = get_engine(url)
    expect = variant.expect
    before = snapshot(engine) if isinstance(expect, Bad) else None
    report = import_files(variant.build(), engine=engine, **variant.options)
    lines = _lines(report)
    if isinstance(expect, Bad):
        where = f"› {expect.sheet}!{expect.cell}" if expect.cell else (f"› {expect.sheet}" if expect.sheet else "")
        assert any(where in line and expect.fragment in line for line in lines), lines
        if expect.cell:
            assert report.exit_code != 0 and not report.committed
        assert snapshot(engine) == before
        return
    assert isinstance(expect, Good)
    assert report.exit_code == 0 and report.committed, lines
    for note in expect.notes:
        assert any(note in line for line in lines), lines
    for kind, rows in expect.exports.items():
        header, got = exported(engine, kind, expect.year)
        fixed = c.labels(kind)
        assert header[:len(fixed)] == fixed, kind
        keep = [i for i, name in enumerate(header) if name not in expect.drop]
        assert [[row[i] for i in keep] for row in got] == c.text_rows(rows), kind


def test_the_corpus_covers_every_kind_with_at_least_60_variants():
    assert len(VARIANTS) >= 60
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
    assert set(EVERY_KIND) <= {v.kind for v in VARIANTS} <= set(KINDS)
    for kind in EVERY_KIND:  # every kind has a file that already imports as built
        assert any(v.kind == kind and v.waits is None and isinstance(v.expect, Good) for v in VARIANTS), kind


def test_the_generator_is_deterministic():
    """The same variant gives the same bytes every time (text containers) and the same cells (workbooks)."""
    from python_calamine import CalamineWorkbook

    def content(data: bytes, name: str):
        if not data.startswith((b"PK", b"\xd0\xcf\x11\xe0")):  # text: the bytes themselves
            return data
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [wb.get_sheet_by_name(s).to_python() for s in wb.sheet_names]

    for v in VARIANTS:
        first, second = v.build(), v.build()
        assert [(n, content(d, n)) for n, d in first] == [(n, content(d, n)) for n, d in second], v.id
