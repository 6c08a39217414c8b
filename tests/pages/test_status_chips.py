"""Status chips in grids (issue 21): the 状态 column of every status table is a read-only label column in the status
colours, set by column settings rather than a pandas Styler (which Streamlit renders cell by cell on every rerun), and
its values stay the plain chip texts that exports and tests read."""

from __future__ import annotations

import json

import pytest

from components.views import MILESTONE_COLORS
from services.rules.style import STATUS_COLORS, STATUS_LABELS
from services.rules.text import text_width
from tests.pages.conftest import open_tab
from tests.pages.test_hazard_pages import SUBMISSIONS, TASKS, open_page

pytestmark = pytest.mark.covered_on_pg  # page layout only; its reads run on PostgreSQL in test_roles

CHIPS = {f"● {label}": STATUS_COLORS[code] for code, label in STATUS_LABELS.items()}


def column_settings(element) -> dict:
    return json.loads(element.proto.columns)


def chip_colours(settings: dict) -> dict[str, str]:
    """{chip text: colour} of a label column's settings."""
    assert settings["type_config"]["type"] == "multiselect", settings
    options = settings["type_config"]["options"]
    return {o["value"]: o["color"] for o in options}


def test_task_tables_colour_their_status_chips(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, TASKS)
    # the progress table, the 督办清单 and the station's rows: each has a 进度差 and a 状态
    tables = [d for d in at.dataframe if {"状态", "进度差（百分点）"} <= set(d.value.columns)]
    assert len(tables) == 3
    for table in tables:
        settings = column_settings(table)
        assert chip_colours(settings["状态"]) == CHIPS
        assert settings["状态"]["disabled"] is True
        assert set(table.value["状态"]) <= set(CHIPS)  # the values stay the chip texts
    assert tables[0].value["状态"].iloc[0] == "● 明显滞后"  # worst first


def test_the_kpi_table_colours_not_due_as_its_status(demo_url, monkeypatch):
    """指标's table: a once KPI before its due date is the chip 未到期, in the colour of its status (green)."""
    at = open_page(demo_url, monkeypatch, "app_pages/kpis.py")
    [table] = [d for d in at.dataframe if "进度差" in d.value.columns]
    colours = chip_colours(column_settings(table)["状态"])
    assert colours == {**CHIPS, "● 未到期": STATUS_COLORS["green"]}
    assert "● 未到期" in set(table.value["状态"]) and set(table.value["状态"]) <= set(colours)


def test_submission_grid_colours_every_month_column(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, SUBMISSIONS)
    [table] = [d for d in at.dataframe if any(str(c).endswith("月") for c in d.value.columns)]
    settings = column_settings(table)
    months = [c for c in table.value.columns if c.endswith("月")]
    assert months
    for month in months:
        assert settings[month]["type_config"]["type"] == "multiselect"
        assert set(chip_colours(settings[month]).values()) <= set(STATUS_COLORS.values())


def test_plan_tables_colour_their_milestone_status(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, "app_pages/plans.py")
    for tab in ("要点清单", "配档表", "逾期未完成", "延期原因"):  # the task list and the 配档表 (lazy tabs)
        open_tab(at, tab, key="plan_tab")
        tables = [d for d in at.dataframe if "状态" in d.value.columns]
        assert tables or tab in ("逾期未完成",), tab  # nothing is overdue on the demo's 10-31
        for table in tables:
            assert chip_colours(column_settings(table)["状态"]) == MILESTONE_COLORS


def test_missing_figures_show_a_dash(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, TASKS)
    chipped = [d for d in at.dataframe if column_settings(d).get("状态", {}).get("type_config", {}).get("type")
               == "multiselect"]
    assert len(chipped) == 4  # progress, 督办清单, the station's rows, 风险隐患排查整治
    assert {d.proto.placeholder for d in chipped} == {"—"}


def test_the_hazard_table_fits_every_station_name(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, TASKS)
    [table] = [d for d in at.dataframe if "隐患整改率（累计）" in d.value.columns]
    widths = {c: s.get("width") for c, s in json.loads(table.proto.columns).items()}
    names = table.value["监管所"].tolist()
    assert "白云湖所" in names and widths["监管所"] >= round(max(map(text_width, names)) * 7.5) + 28
