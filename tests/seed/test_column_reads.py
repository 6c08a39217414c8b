"""collect_rows reads a column's distinct cells in bulk when it can (issue 21): codes in ASCII letters and digits,
text that is neither blank nor starts with an apostrophe or #. The bulk reads must give exactly what reading each
cell alone gives, and hand anything else back to the cell-by-cell read."""

from __future__ import annotations

import pytest

from seed.importer.kinds import KINDS
from seed.importer.sheets import _BLANK, _BULK, _VALUE, _read_cell, _read_column

VISITS = KINDS["督导记录"]
TRICKY = [
    "BJ2022000001", "bj2022000001", "913701817550123456", "ABC", "abc", "A1b2",  # plain ASCII codes
    "ＡＢＣ１２３", "12 34", " A1", "A1 ", "A-1", "A_1", "", " ", "\u3000", "\u200b", "\u200bA1",  # not plain
    "'=1+2", "'+86", "'abc", "#N/A", "＃REF!", "#1号",  # apostrophes and error spellings
    "明水街道", " 明水街道 ", "明水\u00a0街道", "明水\u200b街道", "章丘区\n明水", "济南市章丘区明水街道（食安办）",
]


@pytest.mark.parametrize("field", ["record_no", "business_code", "business_name", "cadre_unit", "station"])
@pytest.mark.parametrize("cell", TRICKY)
def test_a_bulk_read_equals_the_cell_read_or_declines(field, cell):
    column = VISITS.col(field)
    bulk = _BULK[column.type]
    got = bulk([cell])
    read = _read_cell(column, cell)
    if got is None:
        # declined: only where the long read finds something else than the value as written
        return
    assert read[0] == _VALUE and read[1] is cell and read[3:] == (False, None), (cell, read)
    assert got == {cell: read[2]}


def test_bulk_reads_take_the_plain_cells_and_decline_the_rest():
    code = _BULK["code"]
    assert code(["BJ2022000001", "bj01"]) == {"BJ2022000001": "BJ2022000001", "bj01": "BJ01"}
    assert code(["BJ2022000001", "ＡＢＣ１２３"]) is None  # NFKC has work to do: one by one
    text = _BULK["text"]
    assert text(["明水街道", " 明水\u00a0街道 "]) == {"明水街道": "明水街道", " 明水\u00a0街道 ": "明水 街道"}
    for odd in ("'=1+2", "#N/A", "＃REF!", "", "\u200b"):
        assert text(["明水街道", odd]) is None, odd


@pytest.mark.parametrize("field", ["record_no", "business_name", "visit_date", "problems_found"])
def test_a_column_read_gives_every_row_its_cells_read(field):
    """_read_column against reading each row's cell alone: values, raws and the reads it keeps."""
    column = VISITS.col(field)
    cells = TRICKY + [1, 1.0, True, None, 0, "1", "2022-03-04"] + TRICKY[:5]
    got = _read_column(column, [[cell] for cell in cells], 0, None)
    alone = [_read_cell(column, cell) for cell in cells]
    values = [got.values[key] for key in got.keys]
    raws = got.cells if got.raws is None else [got.raws[key] for key in got.keys]
    assert values == [r[2] if r[0] == _VALUE else None for r in alone]
    assert [type(v) for v in values] == [type(r[2]) if r[0] == _VALUE else type(None) for r in alone]
    assert raws == [r[1] for r in alone]
    for read in got.reads.values():  # the reads kept: those whose findings collect_rows reports
        assert read in alone


def test_one_type_columns_key_by_the_cell_and_mixed_ones_by_type_too():
    column = VISITS.col("problems_found")
    mixed = _read_column(column, [[1], [1.0], [True], ["1"]], 0, None)
    assert len(mixed.reads) == 4 and mixed.keys[0] == (int, 1)
    plain = _read_column(column, [["1"], ["2"], ["1"]], 0, None)
    assert plain.keys == ["1", "2", "1"] and len(plain.reads) == 2
    blank = _read_column(VISITS.col("note"), [[""], ["备注"]], 0, None)
    assert blank.reads[""][0] == _BLANK and blank.values == {"": None, "备注": "备注"}
