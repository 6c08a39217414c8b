"""The README speaks Chinese first (issue 16): what it is, the two commands, the demo accounts as the permission
matrix gives them, how to open it to the office network, and where production deployment is described."""

from __future__ import annotations

import re

from seed.demo.accounts import DEMO_ACCOUNTS, DEMO_KIOSK_TOKEN, DEMO_PASSWORD
from seed.docs import README
from services.rules import permissions
from tests.pages.test_roles import PAGES

VIEWS = permissions.VIEW_PAGES


def chinese_part() -> str:
    text = README.read_text(encoding="utf-8")
    return text[: text.index("# Details (English)")]


def test_the_chinese_part_comes_first_and_says_what_matters():
    head = chinese_part()
    for heading in ("## 这是什么", "## 演示账号", "## 在办公网络中打开", "## 正式部署"):
        assert heading in head
    assert "make run ADDRESS=0.0.0.0" in head and "deploy/README.md" in head
    assert f"`{DEMO_PASSWORD}`" in head and f"kiosk?token={DEMO_KIOSK_TOKEN}" in head
    # Mostly Chinese: more CJK characters than Latin letters outside code.
    prose = re.sub(r"```.*?```|`[^`]*`|\|[^\n]*\|", "", head, flags=re.S)
    assert len(re.findall(r"[\u4e00-\u9fff]", prose)) > 3 * len(re.findall(r"[A-Za-z]", prose))


def test_the_demo_accounts_table_is_the_permission_matrix():
    head = chinese_part()
    assert "看板七页：" + "、".join(VIEWS) in head
    for username, role, station, _ in DEMO_ACCOUNTS:
        row = next(line for line in head.splitlines() if line.startswith(f"| `{username}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1].startswith(role) and (station is None or station in cells[1])
        shown = cells[2].removeprefix("看板七页；").split("、")
        menu = [title for _, title, *_ in PAGES if permissions.can(role, title) and title not in VIEWS]
        assert sorted(shown) == sorted(menu), username
