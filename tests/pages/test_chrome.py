"""Streamlit's own English strings, said in Chinese (AppTest on the demo database): the style block every run sends
(components/chrome.py) with the importer's real cap, the 请选择 placeholder of every select box on every page a role
opens, the 系统设置 panels by name, the page config that starts the sidebar collapsed on a phone, and an uncaught
exception's box in Chinese alone. What only a
browser shows (the uploader's visible text, the menu, a phone's sidebar) is in tests/browser/test_chinese_chrome.py."""

from __future__ import annotations

import ast
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from components import chrome
from services import kiosk
from tests.pages.conftest import BAOBAO_TABS, ROOT, fresh_app, open_tab
from tests.pages.test_roles import EXPECTED_NAV, PAGES

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests


def style_blocks(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if h.proto.body.startswith("<style>")]


def test_every_run_sends_the_chinese_chrome_with_the_importers_cap(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, user="office").run()
    [css] = [b for b in style_blocks(at) if "stFileUploaderDropzoneInstructions" in b]
    assert "每个文件不超过20 MB · 支持 XLSX、XLSM、XLS、ET、CSV、TXT" in css  # MAX_UPLOAD_MB's default
    assert '"选择文件"' in css
    assert "[data-testid='InputInstructions']{display:none" in css
    assert "a[data-testid='stSkipToContent']{display:none" in css
    assert "[data-testid='stDateInputQuickSelect']{display:none" in css
    # Another cap is said as it is set.
    monkeypatch.setenv("MAX_UPLOAD_MB", "5")
    at = fresh_app(demo_url, monkeypatch, user="office").run()
    assert any("每个文件不超过5 MB" in b for b in style_blocks(at))
    # The login form gets it too (its "Press Enter to submit form" is hidden).
    at = fresh_app(demo_url, monkeypatch, user=None).run()
    assert any("InputInstructions" in b for b in style_blocks(at))


def test_streamlits_own_cap_stays_above_the_importers():
    """An oversized file must meet the importer's Chinese refusal, not Streamlit's English one."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    from db.settings import Settings

    assert config["server"]["maxUploadSize"] > Settings.max_upload_mb == 20


def null_cells(at: AppTest, where: str) -> list[str]:
    """The tables holding a missing value: Streamlit draws one as the English word "None" (on a canvas, where the
    browser walk's text check cannot see it)."""
    out = []
    for frame in at.dataframe:
        missing = frame.value.isna()
        out += [f"{where}: {column}" for column in missing.columns[missing.any()]]
    return out


@pytest.mark.parametrize("user", ["office", "admin", "mingshui"])
def test_every_select_box_a_role_meets_says_qing_xuan_ze_when_empty(demo_url, monkeypatch, user):
    """Each page of the role: every select box and multiselect has a Chinese placeholder (shown when it is
    cleared), never Streamlit's "Choose an option"; and no table cell is missing (drawn as "None")."""
    at = fresh_app(demo_url, monkeypatch, user=user).run()
    seen, nulls = 0, []
    for _, title, path, _, _ in PAGES:
        if title not in EXPECTED_NAV[user] or title == "大屏":
            continue
        at.switch_page(path).run()
        assert not at.exception, (title, [e.value for e in at.exception])
        nulls += null_cells(at, title)
        for box in [*at.selectbox, *at.multiselect]:
            placeholder = box.proto.placeholder
            assert placeholder.startswith("请选择") or placeholder == "在图上点选或在此选择", (title, box.label)
            seen += 1
    assert seen >= 6
    assert not nulls, nulls


# The pages whose tabs are computed only when opened (on_change="rerun"): the key and the labels of their tabs.
LAZY_TABS = {
    "app_pages/baobao.py": ("bb_tab", BAOBAO_TABS),
    "app_pages/kpis.py": ("kpi_tab", ("各指标仪表与趋势", "主体责任与抽检", "参考指标")),
    "app_pages/plans.py": ("plan_tab", ("要点清单", "工作阶段", "配档表", "按牵头单位", "逾期未完成", "即将到期", "延期原因",
                                        "按文件", "参考文件")),
}


def test_no_table_of_a_lazy_tab_has_a_missing_cell(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, user="office").run()
    nulls, tables = [], 0
    for path, (key, labels) in LAZY_TABS.items():
        at.switch_page(path).run()
        for label in labels:
            open_tab(at, label, key)
            nulls += null_cells(at, f"{path} {label}")
            tables += len(at.dataframe)
    assert tables >= 15 and not nulls, nulls


def test_the_settings_page_names_the_kiosk_panels(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, user="office").run()
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception
    box = at.multiselect(key="kiosk_panels")
    assert box.options == ["重点指标", "任务清单进度", "包保督导", "监管所地图", "督办清单"]
    assert box.value == list(kiosk.PANEL_IDS)  # still stored by id
    assert not [c.value for c in at.caption if "kpi" in c.value]  # ids only in the closed 网址参数 expander
    [expander] = at.expander
    assert expander.label == "大屏地址与网址参数"
    table = expander.dataframe[0].value
    assert table.values.tolist() == [[name, pid] for pid, name in kiosk.PANELS.items()]


def test_the_sidebar_starts_collapsed_on_a_phone_and_open_on_a_desktop():
    """set_page_config(initial_sidebar_state="auto"): Streamlit collapses it below its md breakpoint."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    first = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "attr", "") == "set_page_config")
    states = {k.arg: k.value.value for k in first.keywords if isinstance(k.value, ast.Constant)}
    assert states["initial_sidebar_state"] == "auto"


def test_the_upload_note_is_chinese():
    assert chrome.upload_note(20) == "每个文件不超过20 MB · 支持 XLSX、XLSM、XLS、ET、CSV、TXT"


def test_an_uncaught_exception_says_so_in_chinese_and_no_more(demo_url, monkeypatch):
    """A page whose run fails shows Streamlit's error box with UNCAUGHT only: no English sentence, no exception type,
    no message (which could carry a file path or a query), no traceback."""
    from components import auth

    def fail(who):
        raise RuntimeError("/srv/secret/path: no such table: visit")

    at = fresh_app(demo_url, monkeypatch, user="leader")
    monkeypatch.setattr(auth, "sidebar_account", fail)  # app.py calls it on every page's run
    at.run()
    [box] = at.exception
    assert box.message == chrome.UNCAUGHT == "系统出错，这一步没有完成。错误详情已记入服务器日志；请刷新页面重试，如仍出错请联系系统管理员。"
    assert not box.stack_trace and not box.proto.type
    assert "[data-testid='stExceptionMessage'] + div{display:none" in style_blocks(at)[0]
