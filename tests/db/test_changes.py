"""db/changes.py: which later batches keep a batch from being undone, runs of ids included."""

import pytest
from sqlmodel import Session

from db.changes import UndoRefused, undo_batch
from db.engine import get_engine
from db.models import ImportBatch, ImportChange


def _batches(s: Session, n: int) -> list[ImportBatch]:
    out = []
    for i in range(n):
        batch = ImportBatch(file_name=f"{i}.xlsx", sha256=str(i), kind="督导记录")
        s.add(batch)
        s.flush()
        out.append(batch)
    return out


@pytest.mark.parametrize("first, later", [
    ({"row_id": 5}, {"row_id": 3, "row_id_last": 7}),  # a later run over a row this batch changed (its id reused)
    ({"row_id": 3, "row_id_last": 7}, {"row_id": 7}),  # a later change to the last row of this batch's run
    ({"row_id": 3, "row_id_last": 7}, {"row_id": 1, "row_id_last": 3}),  # runs that overlap at one id
])
def test_a_later_standing_batch_over_any_row_of_this_one_refuses_its_undo(db_url, first, later):
    with Session(get_engine(db_url)) as s:
        a, b = _batches(s, 2)
        s.add(ImportChange(batch_id=a.id, table_name="visit", **first))
        s.add(ImportChange(batch_id=b.id, table_name="visit", before={"id": later["row_id"]}, **later))
        s.commit()
        with pytest.raises(UndoRefused, match=f"批次 #{a.id} 的数据已被之后的批次 #{b.id} 修改"):
            undo_batch(s, a.id)


@pytest.mark.parametrize("later", [
    {"row_id": 8, "row_id_last": 9, "table_name": "visit"},  # next to the run, not over it
    {"row_id": 5, "table_name": "problem"},  # the same id in another table
])
def test_rows_next_to_a_run_or_in_another_table_do_not(db_url, later):
    with Session(get_engine(db_url)) as s:
        a, b = _batches(s, 2)
        s.add(ImportChange(batch_id=a.id, table_name="visit", row_id=3, row_id_last=7))
        s.add(ImportChange(batch_id=b.id, before={"id": later["row_id"]}, **later))
        s.commit()
        assert undo_batch(s, a.id).status == "已撤销"  # its rows are gone already: nothing to delete
