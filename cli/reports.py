"""python -m reports briefing --year Y --month M --out DIR [--db URL]: write the meeting pack to DIR;
python -m reports 考核通报 --year Y --out FILE: the 年终督导考核 通报 draft;
python -m reports 风险会商 --year Y --quarter Q --out DIR: the 季度风险会商 pack (.docx and .xlsx).
Every error is one Chinese line (cli/errors.py)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from cli.errors import DEBUG_HELP, EXIT_UNUSABLE, ChineseParser, run, say


def main(argv: list[str] | None = None) -> int:
    """Run a command: 0, or one Chinese line on stderr and 2 (bad arguments raise SystemExit(2))."""
    return run(_main, argv)


def _main(argv: list[str]) -> int:
    parser = ChineseParser(prog="python -m reports", description="会议材料：Word、Excel 与 PDF")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)  # taken off the command line by run
    sub = parser.add_subparsers(dest="command", required=True)
    what = "食安委会议材料（.docx、.xlsx，装有LibreOffice时另有.pdf）"
    p = sub.add_parser("briefing", help=what, description=what)
    p.add_argument("--year", type=int, required=True, help="年度")
    p.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="M", help="月份（1–12）")
    p.add_argument("--out", type=Path, required=True, help="输出目录")
    p.add_argument("--db", help="数据库 URL（默认取 DATABASE_URL）")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="数据截至日期（默认取数据库记录的日期）")
    p.add_argument("--no-pdf", action="store_true", help="不生成PDF")
    what = "年终督导考核通报（草稿，.docx）"
    p = sub.add_parser("考核通报", help=what, description=what)
    p.add_argument("--year", type=int, required=True, help="年度")
    p.add_argument("--out", type=Path, required=True, help="输出文件（.docx）")
    p.add_argument("--db", help="数据库 URL（默认取 DATABASE_URL）")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="数据截至日期（默认取数据库记录的日期）")
    what = "季度风险会商材料（.docx、.xlsx）"
    p = sub.add_parser("风险会商", help=what, description=what)
    p.add_argument("--year", type=int, required=True, help="年度")
    p.add_argument("--quarter", type=int, required=True, choices=range(1, 5), metavar="Q", help="季度（1–4）")
    p.add_argument("--out", type=Path, required=True, help="输出目录")
    p.add_argument("--db", help="数据库 URL（默认取 DATABASE_URL）")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="数据截至日期（默认取数据库记录的日期）")
    args = parser.parse_args(argv)
    if args.command == "考核通报":
        return _notice(args)
    if args.command == "风险会商":
        return _consultation(args)
    # Imported once the arguments are good: the briefing brings pandas and altair (a second at every start).
    from sqlmodel import Session

    from db import engine as dbe
    from reports import briefing

    started = time.perf_counter()
    with Session(dbe.get_engine(args.db)) as session:
        paths = briefing.write(year=args.year, month=args.month, out=args.out, as_of=args.as_of,
                               pdf=not args.no_pdf, session=session)
    for path in paths:
        print(path)
    if not args.no_pdf and not any(path.suffix == ".pdf" for path in paths):
        print(briefing.NO_PDF, file=sys.stderr)
    print(f"用时{time.perf_counter() - started:.1f}秒", file=sys.stderr)
    return 0


def _notice(args) -> int:
    from sqlmodel import Session

    from db import engine as dbe
    from reports import assessment

    with Session(dbe.get_engine(args.db)) as session:
        notice = assessment.gather(year=args.year, as_of=args.as_of, session=session)
    out = args.out if args.out.suffix == ".docx" else args.out.with_suffix(".docx")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(assessment.docx_bytes(notice))
    print(out)
    return 0


def _consultation(args) -> int:
    """The quarter's pack into args.out; a quarter not begun or a year without records is one Chinese line, exit 2,
    nothing written."""
    from sqlmodel import Session

    from db import engine as dbe
    from reports import consultation

    with Session(dbe.get_engine(args.db)) as session:
        try:
            pack = consultation.gather(year=args.year, quarter=args.quarter, as_of=args.as_of, session=session)
        except ValueError as exc:  # the service's own words (services/consultation.py)
            say(f"{exc}，未生成风险会商材料")
            return EXIT_UNUSABLE
    for path in consultation.write(pack, args.out):
        print(path)
    return 0
