"""The README's benchmark table (issue 21): each figure, its target, the latest measured value from
bench/results.json and whether it meets the target, between the markers in "## Scale and benchmarks".

    python bench/report.py          # print the table
    python bench/report.py --write  # put it into README.md (make bench, make load and bench/transfer.py do this)

tests/test_bench_results.py checks that the README's table is what this renders from the committed results.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import results  # noqa: E402
from bench.browser import TARGET_BROWSER_COLD, TARGET_BROWSER_WARM  # noqa: E402
from bench.run import (  # noqa: E402
    TARGET_COLD,
    TARGET_FIRST_VISIT_MB,
    TARGET_IMPORT,
    TARGET_IMPORT_1M,
    TARGET_IMPORT_RATIO,
    TARGET_LOAD_P95,
    TARGET_LOAD_VIEWERS,
    TARGET_PROVINCE_COLD,
    TARGET_WARM,
)

README = ROOT / "README.md"
BEGIN, END = "<!-- bench-table:begin (bench/report.py) -->", "<!-- bench-table:end -->"
NOT_MEASURED = "not measured yet"


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _slowest(section: dict | None, key: str) -> tuple[float, str] | None:
    if not section or not section.get("pages"):
        return None
    page, row = max(section["pages"].items(), key=lambda item: item[1][key])
    return row[key], page


def _pages_row(res: dict, scale: str, key: str, label: str, target: float) -> list[str]:
    found = _slowest(res.get("pages", {}).get(scale), key)
    if found is None:
        return [label, f"≤ {target:g} s", NOT_MEASURED, _met(None)]
    value, page = found
    return [label, f"≤ {target:g} s", f"{value:.2f} s ({page})", _met(value <= target)]


def _load_level(res: dict, viewers: int) -> dict | None:
    return next((lv for lv in res.get("load", {}).get("levels", []) if lv["viewers"] == viewers), None)


def rows(res: dict) -> list[list[str]]:
    out = [_pages_row(res, "city", "cold", "City scale, slowest figure page, cold", TARGET_COLD),
           _pages_row(res, "city", "warm", "City scale, slowest figure page, warm", TARGET_WARM),
           _pages_row(res, "province", "cold", "Province scale, slowest figure page, cold", TARGET_PROVINCE_COLD)]
    imp = res.get("import", {}).get("100000")
    if imp:
        ratio = imp["seconds"] / imp["calamine_seconds"]
        out += [["Import of a 100k-row register", f"≤ {TARGET_IMPORT:g} s", f"{imp['seconds']:.1f} s",
                 _met(imp["seconds"] <= TARGET_IMPORT)],
                ["… against a bare python-calamine read", f"≤ {TARGET_IMPORT_RATIO:g}×",
                 f"{ratio:.1f}× ({imp['calamine_seconds']:.2f} s)", _met(ratio <= TARGET_IMPORT_RATIO)]]
    else:
        out += [["Import of a 100k-row register", f"≤ {TARGET_IMPORT:g} s", NOT_MEASURED, _met(None)],
                ["… against a bare python-calamine read", f"≤ {TARGET_IMPORT_RATIO:g}×", NOT_MEASURED, _met(None)]]
    big = res.get("import", {}).get("1000000")
    out.append(["Import of a 1M-row register", f"≤ {TARGET_IMPORT_1M:g} s",
                f"{big['seconds']:.1f} s" if big else NOT_MEASURED,
                _met(big["seconds"] <= TARGET_IMPORT_1M if big else None)])
    load = res.get("load", {})
    setup = (f"{load.get('replicas', '?')} replicas behind nginx, {load.get('database', '?')}"
             if load.get("nginx") else load.get("database", "?"))
    for viewers, target in ((TARGET_LOAD_VIEWERS, f"p95 ≤ {TARGET_LOAD_P95:g} s, 0 errors"), (100, "reported")):
        level = _load_level(res, viewers)
        label = f"{viewers} viewers, a page every {load.get('think_s', 10):g} s ({setup})"
        if level is None:
            out.append([f"{viewers} viewers, a page every 10 s", target, NOT_MEASURED, _met(None)])
            continue
        value = (f"p50 {level['p50']:.2f} s, p95 {level['p95']:.2f} s, {level['errors']} errors of "
                 f"{level['runs']}; RSS per replica " + " / ".join(f"{mb} MB" for mb in level["rss_mb_per_replica"]))
        if level.get("repeats", 1) > 1:
            value += (f" (median of {level['repeats']} runs by p95; each run's p95: "
                      + ", ".join(f"{x:.2f}" for x in level["p95_each"]) + " s)")
        ok = level["p95"] <= TARGET_LOAD_P95 and level["errors"] == 0 if viewers == TARGET_LOAD_VIEWERS else None
        out.append([label, target, value, _met(ok)])
    browser = res.get("browser")
    for key, label in (("cold", "cold (a fresh browser)"), ("warm", "warm (a reload)")):
        row, target = (browser or {}).get(key), TARGET_BROWSER_COLD if key == "cold" else TARGET_BROWSER_WARM
        name = f"Headless browser, slowest figure page against a one-chart page, {label}"
        if not row:
            out.append([name, f"≤ {target:g}×", NOT_MEASURED, _met(None)])
            continue
        out.append([name, f"≤ {target:g}×", f"{row['ratio']:.2f}× ({row['page']} {row['seconds']:.2f} s, the one-chart "
                    f"page {row['one_chart']:.2f} s; {browser.get('database', '?')})", _met(row["ratio"] <= target)])
    transfer = res.get("transfer")
    if transfer and transfer.get("pages"):
        page, row = max(transfer["pages"].items(), key=lambda item: item[1]["bytes"])
        mb = row["bytes"] / 1e6
        out.append([f"First visit, compressed bytes ({transfer.get('encoding', '?')})", f"≤ {TARGET_FIRST_VISIT_MB:g} MB",
                    f"{mb:.2f} MB, {row['js_files']} JavaScript files ({page}, the largest)",
                    _met(mb <= TARGET_FIRST_VISIT_MB)])
    else:
        out.append(["First visit, compressed bytes", f"≤ {TARGET_FIRST_VISIT_MB:g} MB", NOT_MEASURED, _met(None)])
    return out


def render(res: dict) -> str:
    lines = ["| Figure | Target | Latest measured | Met? |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(res)]
    where = []
    for name in ("pages", "import", "load", "transfer", "browser"):
        section = res.get(name) or {}
        machines = [(name, section["machine"])] if "machine" in section else [
            (f"{name} ({scale})", v["machine"]) for scale, v in section.items() if isinstance(v, dict) and "machine" in v]
        for label, m in machines:
            where.append(f"{label}: {m['date']}, commit {m['commit']}, {m['cpus']} CPUs, Python {m['python']}, "
                         f"load average {m['loadavg'][0]:g}")
    lines += ["", "Measured (bench/results.json): " + ("; ".join(where) if where else "nothing yet") + "."]
    return "\n".join(lines)


def readme_block(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n")


def write_readme(res: dict | None = None, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    table = render(results.load() if res is None else res)
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="put the table into README.md")
    args = p.parse_args(argv)
    if args.write:
        write_readme()
    print(render(results.load()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
