"""bench/results.json and the README's benchmark table (issue 21): the table is what bench/report.py renders from the
committed figures, and the rendering judges each figure against its target. No timing is measured or asserted here:
the figures are read from the file (or made up below)."""

from __future__ import annotations

import json

from bench import report, results
from bench.run import TARGET_LOAD_P95


def test_the_readme_table_is_rendered_from_the_committed_results():
    text = report.README.read_text(encoding="utf-8")
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    assert report.readme_block(text) == report.render(results.load()), "run: python bench/report.py --write"


def test_every_section_names_its_machine():
    res = results.load()
    for name, section in res.items():
        entries = [section] if "machine" in section else list(section.values())
        for entry in entries:
            assert {"cpus", "python", "date", "commit"} <= entry["machine"].keys(), name


def test_the_table_judges_figures_against_the_targets(tmp_path):
    made_up = {
        "pages": {"city": {"pages": {"总览": {"cold": 0.2, "warm": 0.01, "data": 0.1},
                                     "地图": {"cold": 0.5, "warm": 0.02, "data": 0.3}}}},
        "import": {"100000": {"seconds": 4.0, "calamine_seconds": 1.0}},
        "load": {"replicas": 2, "nginx": True, "database": "PostgreSQL x", "think_s": 10,
                 "levels": [{"viewers": 50, "p50": 0.5, "p95": TARGET_LOAD_P95 - 0.1, "errors": 0, "runs": 1500,
                             "rss_mb_per_replica": [400, 410]}]},
        "transfer": {"encoding": "br", "pages": {"总览": {"bytes": 2_600_000, "js_files": 40}}},
        "browser": {"database": "city (SQLite)",
                    "cold": {"page": "指标", "seconds": 1.5, "one_chart": 1.2, "ratio": 1.25, "target_ratio": 1.5},
                    "warm": {"page": "指标", "seconds": 1.8, "one_chart": 0.3, "ratio": 6.0, "target_ratio": 1.2}},
    }
    table = {row[0]: row for row in report.rows(made_up)}
    assert table["City scale, slowest figure page, cold"][2:] == ["0.50 s (地图)", "**no**"]
    assert table["City scale, slowest figure page, warm"][2:] == ["0.02 s (地图)", "yes"]
    assert table["Import of a 100k-row register"][2:] == ["4.0 s", "yes"]
    assert table["… against a bare python-calamine read"][2:] == ["4.0× (1.00 s)", "**no**"]
    assert table["Import of a 1M-row register"][2:] == [report.NOT_MEASURED, "—"]
    load = table["50 viewers, a page every 10 s (2 replicas behind nginx, PostgreSQL x)"]
    assert load[3] == "yes" and "0 errors of 1500" in load[2] and "400 MB / 410 MB" in load[2]
    assert table["First visit, compressed bytes (br)"][2:] == ["2.60 MB, 40 JavaScript files (总览, the largest)",
                                                               "**no**"]
    browser = "Headless browser, slowest figure page against a one-chart page, "
    assert table[browser + "cold (a fresh browser)"][2:] == [
        "1.25× (指标 1.50 s, the one-chart page 1.20 s; city (SQLite))", "yes"]
    assert table[browser + "warm (a reload)"][3] == "**no**"
    # merge keeps the other sections and stamps the machine
    path = tmp_path / "results.json"
    path.write_text(json.dumps(made_up), encoding="utf-8")
    results.merge("import", {"rows": 1_000_000, "seconds": 50.0, "calamine_seconds": 9.0}, path=path, key="1000000")
    merged = json.loads(path.read_text(encoding="utf-8"))
    assert merged["import"]["100000"] == made_up["import"]["100000"] and merged["load"] == made_up["load"]
    assert merged["import"]["1000000"]["machine"]["cpus"] >= 1


def test_a_load_level_run_three_times_is_kept_as_its_median_run_with_every_error_counted():
    import argparse

    from bench.load import load_section

    def level(p95_like: float, errors: int) -> dict:
        visits = [{"page": "总览", "seconds": s, "error": None} for s in [0.2] * 90 + [p95_like] * 10]
        visits += [{"page": "指标", "seconds": 0.0, "error": "timeout"}] * errors
        return {"sessions": 50, "visits": visits, "wall_s": 300.0, "replica_rss_peak_mb": [300, 310],
                "replica_cpu_s": [100.0, 90.0], "client_cpu_s": 3.0, "loadavg_before": 1.0, "loadavg_after": 2.0}

    args = argparse.Namespace(replicas=2, think=10.0, duration=300.0, rounds=1, pages=["总览", "指标"])
    section = load_section([level(1.6, 0), level(1.2, 1), level(1.4, 0)], args, "postgresql+psycopg://h/county")
    [kept] = section["levels"]
    assert kept["repeats"] == 3 and kept["p95_each"] == sorted(kept["p95_each"])
    assert kept["p95"] == kept["p95_each"][1] and 1.2 < kept["p95"] < 1.6  # the middle run
    assert kept["errors"] == 1 and kept["runs"] == 301  # an error in any run counts
    [row] = [r for r in report.rows({"load": section}) if r[0].startswith("50 viewers")]
    assert "1 errors of 301" in row[2] and "median of 3 runs by p95" in row[2] and row[3] == "**no**"
