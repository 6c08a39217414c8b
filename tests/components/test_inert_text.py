"""Names from the data reach the browser as text: Markdown contexts escape them (fmt.md_escape), the map keeps them
out of its tooltip markup, and the pages that print station, unit and KPI text pass it through the escape."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from components import map_layers
from db.engine import dispose_engines, get_engine, set_setting
from services.rules import fmt
from tests.db.factories import Factory
from tests.pages.conftest import fresh_app

PAYLOADS = [
    "<script>alert(1)</script>店",
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="window.__xss=1">双山所',
    "![x](http://evil.example/x.png)",
    "[a](javascript:alert(1))",
    "<http://evil.example/>",
    ":red[红]:material/warning:",
    "`code` **粗** _斜_ ~删~ $x$ # | > {}",
    "a\\<b",  # a backslash of its own must not undo the escape after it
    "见 www.evil.example 或 HTTPS://evil.example/a 或 a.b@evil.example",
    ":streamlit: :material/warning: :smile:",
]
# CommonMark: a backslash before any ASCII punctuation character makes it a literal character.
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescaped(text: str, chars: str) -> list[str]:
    """The characters of `chars` in Markdown source that no backslash escapes (escapes are read left to right)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and _UNESCAPE.match(text, i):
            i += 2
            continue
        if text[i] in chars:
            out.append(text[i])
        i += 1
    return out


# --- fmt.md_escape ----------------------------------------------------------------------------


# What Streamlit rewrites in the parsed text, after the backslashes are gone (StreamlitMarkdown: remark-gfm's
# autolink literals, the :material/…: icons, the :streamlit: logo).
_TEXT_REWRITES = [
    re.compile(r"(https?://|www(?=\.))", re.IGNORECASE),
    re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
    re.compile(r":material[/_]\w+:|:streamlit:"),
]


def rendered_text(escaped: str) -> str:
    """The text a reader gets: CommonMark removes each escaping backslash; the word joiners are invisible."""
    return _UNESCAPE.sub(r"\1", escaped)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escape_leaves_no_markup(payload):
    escaped = fmt.md_escape(payload)
    # No tag or autolink (<), link or image ([ ] ( ) !), directive or icon (:), code, emphasis, maths, heading,
    # table or quote can start from the text.
    assert unescaped(escaped, "<>[]()!:`*_~$#|{}") == []
    # Nor can Streamlit's rewrites of the parsed text find a URL, an e-mail address or an icon in it.
    text = rendered_text(escaped)
    assert [r.pattern for r in _TEXT_REWRITES if r.search(text)] == []
    # …and the reader sees exactly the text.
    assert text.replace(fmt.WORD_JOINER, "") == payload


@pytest.mark.parametrize(("payload", "expected"), [
    ("<script>alert(1)</script>店", r"\<script\>alert\(1\)\</script\>店"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert\(1\)\>"),
    ("![x](http://evil.example/x.png)", "\\!\\[x\\]\\(http\\:\u2060//evil.example/x.png\\)"),
    ("[a](javascript:alert(1))", "\\[a\\]\\(javascript\\:\u2060alert\\(1\\)\\)"),
    ("www.evil.example", "www\u2060.evil.example"),
    ("a@evil.example", "a@\u2060evil.example"),
])
def test_md_escape_exact(payload, expected):
    assert fmt.md_escape(payload) == expected


def test_md_escape_keeps_plain_names():
    for name in ("明水所", "区市场监管局", "区发改委（区粮办）", "77.8%", "批次/千人", None, 12):
        assert fmt.md_escape(name) == str(name)


# --- the map ----------------------------------------------------------------------------------


def _frame(names: list[str]) -> pd.DataFrame:
    rows = []
    for i, name in enumerate(names):
        rows.append({
            "station": name, "station_id": i + 1, "lat": 36.7 + i / 50, "lon": 117.5 + i / 50,
            "coord_precision": "近似", "task_status": "red", "task_rate": 0.5, "task_expected_rate": 0.8,
        })
    return pd.DataFrame(rows)


def test_map_records_carry_raw_names_and_the_tooltip_only_fields():
    records = map_layers.station_records(_frame(PAYLOADS), "任务完成率")
    # Streamlit escapes each {field} it interpolates into the tooltip HTML, so the records hold the names as they
    # are (escaping them here too would show "&lt;" on the map); nothing else in a record is markup.
    assert [r["station"] for r in records] == PAYLOADS
    for r in records:
        for field in ("figure", "status_label", "note"):
            assert "<" not in r[field] and ">" not in r[field]
    template = map_layers.TOOLTIP["html"]
    assert set(re.findall(r"{(\w+)}", template)) == {"station", "figure", "status_label", "note"}
    # The template's own markup: only these tags, no attributes, no handler or URL.
    assert set(re.findall(r"<(/?\w+)", template)) == {"b", "/b", "br", "small", "/small"}
    assert "=" not in template and "http" not in template


def test_deck_json_keeps_names_out_of_the_tooltip():
    deck = map_layers.build_deck(_frame(PAYLOADS[:3]), metric="任务完成率", boundary=None, areas=None)
    spec = json.loads(deck.to_json())
    assert [r["station"] for r in next(lyr for lyr in spec["layers"] if lyr["id"] == "stations")["data"]] == PAYLOADS[:3]
    tooltip = json.dumps(deck._tooltip, ensure_ascii=False)
    assert not any(p in tooltip for p in PAYLOADS)


def test_unlocated_names_are_returned_raw_for_the_page_to_escape():
    frame = _frame(PAYLOADS[:2])
    frame.loc[1, ["lat", "lon"]] = None
    assert map_layers.unlocated(frame) == [PAYLOADS[1]]


# --- the pages, through AppTest -----------------------------------------------------------------

STATION_A = '<img src=x onerror="window.__xss=1">明水所'
STATION_B = "![x](http://evil.example/x.png)双山所"  # no coordinates: named in the warning under the map
UNIT = "[家](javascript:alert(1))"
KPI_UNIT = "<b>批次</b>"
KPI_NAME = "<script>alert(2)</script>抽检"


@pytest.fixture
def payload_url(migrated_url):
    url = migrated_url
    with Session(get_engine(url)) as s:
        f = Factory(s)
        a = f.station(STATION_A, lat=36.717, lon=117.537)
        b = f.station(STATION_B)
        ind = f.indicator("示范创建", unit=UNIT)
        f.target(a, ind, 100)
        f.target(b, ind, 26)
        f.progress(a, ind, 10, 80)
        f.progress(b, ind, 10, 18)
        k = f.kpi(KPI_NAME, 120, unit=KPI_UNIT, pacing="ramp")
        f.reading(k, 10, 90)
        set_setting(s, "as_of", "2022-10-31")
        s.commit()
    dispose_engines()
    return url


MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success")


def markdown_texts(at) -> list[str]:
    """Every Markdown source the run sent: text elements, alerts, and metric labels, values and help."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        out += [e.value for e in getattr(at, kind)]
    for m in at.metric:
        out += [m.label, m.value, m.help or "", m.proto.delta_description]
    return out


def assert_all_escaped(at, raw: list[str]) -> None:
    texts = markdown_texts(at)
    for text in texts:
        for payload in raw:
            assert payload not in text, f"{payload!r} reached Markdown unescaped: {text!r}"
        assert unescaped(text, "<") == [], f"a tag or autolink in Markdown text: {text!r}"
        assert "](" not in _UNESCAPE.sub("", text), f"a link or image in Markdown text: {text!r}"
        assert not any(r.search(rendered_text(text)) for r in _TEXT_REWRITES), f"a URL or icon in: {text!r}"


def test_map_page_escapes_station_names(payload_url, monkeypatch):
    at = fresh_app(payload_url, monkeypatch).run()
    at.switch_page("app_pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if "没有坐标" in w.value)
    assert warning.endswith(f"未在图上显示：{fmt.md_escape(STATION_B)}")
    at.selectbox(key="map_station").select(STATION_A).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.subheader] == [fmt.md_escape(STATION_A)]
    assert_all_escaped(at, [STATION_A, STATION_B])


def test_overview_escapes_the_indicator_unit(payload_url, monkeypatch):
    at = fresh_app(payload_url, monkeypatch).run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"累计完成={fmt.num(98)}/{fmt.num(126)}{fmt.md_escape(UNIT)}" in [f"{m.label}={m.value}" for m in at.metric]
    assert_all_escaped(at, [STATION_A, STATION_B, UNIT, KPI_NAME, KPI_UNIT])


def test_kpis_page_escapes_name_and_unit(payload_url, monkeypatch):
    at = fresh_app(payload_url, monkeypatch).run()
    at.switch_page("app_pages/kpis.py").run()
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_texts(at)
    assert f"#### {fmt.md_escape(KPI_NAME)}" in texts
    line = next(t for t in texts if t.startswith("目标 "))
    assert fmt.md_escape(KPI_UNIT) in line
    assert_all_escaped(at, [KPI_NAME, KPI_UNIT])


def _scope_script():
    import datetime as dt

    import pandas as pd

    from components import plans_view

    unit = '<img src=x onerror="window.__xss=3">![u](http://evil.example/u.png)区卫健委'
    plans_view.show_scope(pd.DataFrame({"ref": [dt.date(2022, 10, 31)]}), label="2022年10月", unit=unit)


def test_member_unit_caption_is_escaped():
    at = AppTest.from_function(_scope_script).run()
    assert not at.exception
    unit = '<img src=x onerror="window.__xss=3">![u](http://evil.example/u.png)区卫健委'
    assert f"成员单位视图：{fmt.md_escape(unit)}——只计它以任何身份参与的要点。" in [c.value for c in at.caption]
    assert_all_escaped(at, [unit])
