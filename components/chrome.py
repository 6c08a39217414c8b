"""Streamlit's own English strings, said in Chinese. Streamlit 1.67 has no language setting and writes these in its
front end, so one style-only block (st.html sends it to the page without drawing anything) hides each English text
and draws the Chinese one in its place, by the elements' data-testid:

- the file uploader: its button ("Upload") and its instructions ("200MB per file • XLSX…"), with the importer's own
  cap (MAX_UPLOAD_MB) — `server.maxUploadSize` in .streamlit/config.toml stays above it, so an oversized file meets
  the importer's Chinese message rather than Streamlit's;
- "Skip to main content" (the link a keyboard user meets first, on focus): hidden;
- "Press Enter to submit form" / "Press Enter to apply" under text and number inputs: hidden (Enter still works);
- an emptied date field's yyyy / mm / dd → 年 / 月 / 日, and a date range's English quick select: hidden;
- an uncaught exception (a page's run, a widget's callback, the 大屏's fragment): under `showErrorDetails = "none"`
  Streamlit shows neither its type nor its message but a generic English sentence, and on localhost a row of
  "Copy / Ask Google / Ask ChatGPT": the sentence is said in Chinese (UNCAUGHT), the row hidden. The traceback stays
  in the server's log, where Streamlit writes it.

apply() is called by app.py on every run; the CSS is built once per cap (a cheap string)."""

from __future__ import annotations

import re
from functools import lru_cache

import streamlit as st
from streamlit.elements import exception as st_exception

from services import imports

# What the uploader accepts, as the one uploader of the app (components/import_view.py) lists it.
UPLOAD_TYPES = "XLSX、XLSM、XLS、ET、CSV、TXT"
UPLOAD_BUTTON = "选择文件"
DATE_PARTS = {"year": "年", "month": "月", "day": "日"}
UNCAUGHT = "系统出错，这一步没有完成。错误详情已记入服务器日志；请刷新页面重试，如仍出错请联系系统管理员。"
# Streamlit 1.67 reads this module constant each time it shows an uncaught exception; set when app.py first imports
# this module, before anything of the run can fail (tests/pages/test_chrome.py fails should the name change).
st_exception._GENERIC_UNCAUGHT_EXCEPTION_TEXT = UNCAUGHT


def upload_note(cap_mb: int) -> str:
    """The uploader's instructions line, in Chinese, with the importer's real cap."""
    return f"每个文件不超过{cap_mb} MB · 支持 {UPLOAD_TYPES}"


def _replace(selector: str, text: str, size: str = "0.875rem") -> str:
    """Hide the English text (font-size 0 keeps the element's box, e.g. an editable date part) and draw `text`."""
    return (f"{selector}{{font-size:0 !important;}}"
            f"{selector}::after{{content:\"{text}\";font-size:{size};}}")


def _swap(container: str, english: str, text: str, size: str = "inherit") -> str:
    """Take the English child out of the page (so it is neither seen nor read out as text) and draw `text` in its
    container instead."""
    return (f"{container} {english}{{display:none !important;}}"
            f"{container}::after{{content:\"{text}\";font-size:{size};}}")


@lru_cache(maxsize=8)
def css(cap_mb: int) -> str:
    rules = [
        _swap("[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer']", "p",
              UPLOAD_BUTTON),
        _swap("[data-testid='stFileUploaderDropzoneInstructions'] > div", "span", upload_note(cap_mb), "0.875rem"),
        # The skip link only shows on keyboard focus; hidden rather than left in English.
        "a[data-testid='stSkipToContent']{display:none !important;}",
        "[data-testid='InputInstructions']{display:none !important;}",
        # A date range's calendar: its English quick select ("Date range  Select…", "Past week" …) is left out.
        "[data-testid='stDateInputQuickSelect']{display:none !important;}",
        *(_replace(f"[data-testid='stDateInputField'] [data-type='{part}'][data-placeholder]", word, "1rem")
          for part, word in DATE_PARTS.items()),
        # An error box's "Copy / Ask Google / Ask ChatGPT" (localhost only): English, and links off the intranet.
        "[data-testid='stException'] [data-testid='stExceptionMessage'] + div{display:none !important;}",
    ]
    return "<style>" + "".join(rules) + "</style>"


def apply() -> None:
    """The Chinese chrome for this run (a style-only block: nothing drawn, no space taken)."""
    st.html(css(imports.max_upload_mb()))


_URL_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def unknown_path(known: set[str]) -> str | None:
    """The first path segment this run was asked for when no page has it (e.g. /foo), so app.py can register a
    hidden page there that says so in Chinese; Streamlit would answer "Page not found … Running the app's main page".
    None for a known page, "/" or a path Streamlit could not take as a page's url_path."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)  # Streamlit 1.67's PagesManager (no public reader)
    if manager is None or getattr(manager, "intended_page_script_hash", None):
        return None
    name = getattr(manager, "intended_page_name", None) or ""
    if not name or name in known or not _URL_SEGMENT.match(name):
        return None
    return name


def not_found(path: str) -> None:
    """A page for an address no page has."""
    st.title("页面不存在")
    st.error(f"没有“/{path}”这个页面，请检查链接或从左侧菜单打开需要的页面。", icon=":material/link_off:")
