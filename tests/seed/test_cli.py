"""The command-line contract scripts rely on: exit codes 0 / 1 / 2 and what is printed."""

from __future__ import annotations

from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from db.engine import get_engine
from tests.seed.fixtures import SEED_DATA, snapshot, task_rows, xlsx


def _stations(url):
    assert main(["import", str(SEED_DATA / "监管所.xlsx"), "--db", url]) == 0


def test_init_creates_an_empty_real_database(sqlite_url, capsys):
    assert main(["init", "--db", sqlite_url]) == 0
    with Session(get_engine(sqlite_url)) as s:
        assert s.get(m.AppSetting, "database_kind").value == "real"
        assert s.exec(select(m.Station)).all() == []


def test_import_exit_codes(sqlite_url, tmp_path, capsys):
    _stations(sqlite_url)
    good = tmp_path / "清单.xlsx"
    good.write_bytes(xlsx(task_rows()))
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(xlsx(task_rows(stations=[["明水所", 20, 3, -5, 2]])))
    fake = tmp_path / "假.xlsx"
    fake.write_text("只是文字", encoding="utf-8")
    engine = get_engine(sqlite_url)

    before = snapshot(engine)
    assert main(["import", str(bad), "--db", sqlite_url]) == 1
    out = capsys.readouterr().out
    assert "坏.xlsx › Sheet1!D3（打造视频监管试点（家））：不能为负数（原值：-5）" in out
    assert snapshot(engine) == before

    assert main(["import", str(fake), "--db", sqlite_url]) == 2
    assert main(["import", str(tmp_path / "没有.xlsx"), "--db", sqlite_url]) == 2
    assert main(["import", str(good), "--db", sqlite_url, "--dry-run"]) == 0
    assert snapshot(engine) == before
    assert main(["import", str(good), "--db", sqlite_url, "--year", "2023"]) == 1  # contradicts the title
    assert main(["import", str(good), "--db", sqlite_url]) == 0
    assert "新增12" in capsys.readouterr().out
    assert main(["import", str(good), "--db", sqlite_url]) == 0
    assert "数据没有变化，未做任何更改" in capsys.readouterr().out


def test_undo_exit_codes(sqlite_url, tmp_path, capsys):
    _stations(sqlite_url)
    v1, v2 = tmp_path / "v1.xlsx", tmp_path / "v2.xlsx"
    v1.write_bytes(xlsx(task_rows()))
    v2.write_bytes(xlsx(task_rows(stations=[["明水所", 21, 3, 5, 2]])))
    assert main(["import", str(v1), "--db", sqlite_url]) == 0
    assert main(["import", str(v2), "--db", sqlite_url]) == 0
    with Session(get_engine(sqlite_url)) as s:
        b1, b2 = [b.id for b in s.exec(select(m.ImportBatch).where(m.ImportBatch.file_name.in_(["v1.xlsx", "v2.xlsx"]))
                                        .order_by(m.ImportBatch.id)).all()]
    capsys.readouterr()
    assert main(["undo", str(b1), "--db", sqlite_url]) == 1
    assert f"之后的批次 #{b2}" in capsys.readouterr().err
    assert main(["undo", "999", "--db", sqlite_url]) == 2
    assert main(["undo", str(b2), "--db", sqlite_url]) == 0
    assert main(["undo", str(b1), "--db", sqlite_url]) == 0
    assert main(["undo", str(b1), "--db", sqlite_url]) == 1  # already undone


def test_unusable_arguments_exit_2(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["import"])
    assert exc.value.code == 2
    assert "参数错误" in capsys.readouterr().err


def test_demo_then_export_json_contract(sqlite_url, capsys):
    import json

    assert main(["demo", "--db", sqlite_url]) == 0
    assert main(["demo", "--db", sqlite_url]) == 0  # idempotent
    capsys.readouterr()
    assert main(["export", "任务清单", "--year", "2022", "--format", "json", "--db", sqlite_url]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 72
    assert records[0] == {"年度": 2022, "监管所": "明水所", "指标": "示范创建", "目标": 20}
    sums: dict[str, int] = {}
    for r in records:
        sums[r["指标"]] = sums.get(r["指标"], 0) + r["目标"]
    assert sums == {"示范创建": 126, "新升级为食品生产企业": 27, "视频监管试点": 42, "抱团发展活动": 20}
    assert main(["export", "配档表", "--year", "2022", "--format", "json", "--db", sqlite_url]) == 0
    windows = [(r["开始"], r["结束"]) for r in json.loads(capsys.readouterr().out)]
    assert windows == [("2022-01-01", "2022-02-28"), ("2022-03-01", "2022-03-31"), ("2022-04-01", "2022-06-30"),
                       ("2022-07-01", "2022-07-31"), ("2022-08-01", "2022-09-30"), ("2022-10-01", "2022-11-30"),
                       ("2022-12-01", "2022-12-31")]
    assert main(["export", "没有这类", "--db", sqlite_url]) == 2


def test_an_oversized_file_is_refused_before_it_is_read(sqlite_url, tmp_path, capsys, monkeypatch):
    from pathlib import Path

    _stations(sqlite_url)
    big = tmp_path / "大文件.xlsx"
    with big.open("wb") as fh:  # sparse: 250 MB on paper, nothing on disk
        fh.truncate(250 * 2**20)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(AssertionError("read")))
    before = snapshot(get_engine(sqlite_url))
    assert main(["import", str(big), "--db", sqlite_url]) == 2
    # The command line's cap is MAX_IMPORT_MB (200 MB: a 1M-row register fits), not the web's 20 MB
    assert "大文件.xlsx：文件大小250.0 MB，超过200 MB上限，请拆分后再导入" in capsys.readouterr().err
    assert snapshot(get_engine(sqlite_url)) == before
