"""Work-plan text: responsibility clauses in （…） / 〔…〕 with their units and roles, and deadlines in the text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from services.rules import plan_status
from services.rules.pacing import month_end

OPEN, CLOSE = "（(〔[", "）)〕]"
_ROLE_RE = re.compile(r"(牵头|分别负责|按职责分工负责|按职责负责|负责|配合)$")
# A 责任单位 cell may also use 004 四(一)'s own words: 食品生产监管科统筹, 各监管所落实.
_CELL_ROLE_RE = re.compile(r"(牵头|分别负责|按职责分工负责|按职责负责|负责|配合|统筹|落实)$")
_KEPT_ROLES = ("牵头", "分别负责", "配合", "统筹", "落实")


@dataclass(frozen=True)
class Clause:
    text: str  # as written, brackets included
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (role, units)


def bracket_groups(text: str) -> list[str]:
    """Top-level bracketed groups, nested brackets kept inside: "〔区发改委（区粮办）负责〕" is one group."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append(text[start : i + 1])
    return groups


def _split_top(text: str, seps: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        if ch in seps and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _units(text: str) -> tuple[str, ...]:
    units: list[str] = []
    for part in _split_top(text, "、,"):
        for unit in re.split(r"及(?=区|各|相关|市|县)", part):
            unit = unit.strip()
            if unit and unit not in units:
                units.append(unit)
    return tuple(units)


def parse_clause(group: str, role_re: re.Pattern = _ROLE_RE) -> Clause | None:
    """A responsibility clause, or None for an ordinary parenthesis such as （HACCP）."""
    inner = group[1:-1].strip().rstrip("。；;")
    if not role_re.search(inner):
        return None
    parts = []
    for piece in _split_top(inner, "，,；;"):
        m = role_re.search(piece)
        if not m:
            return None
        role_word = m.group(1)
        role = role_word if role_word in _KEPT_ROLES else "负责"
        units = _units(piece[: m.start()])
        if not units:
            return None
        parts.append((role, units))
    return Clause(group, tuple(parts))


def clauses(text: str) -> list[Clause]:
    return [c for g in bracket_groups(text) if (c := parse_clause(g)) is not None]


def unit_clauses(cell: str) -> list[Clause]:
    """The clauses of a 责任单位 cell: bracketed like the text's, or bare ("食品生产监管科统筹，各监管所落实"); the
    document's role words 统筹 / 落实 are kept as written."""
    cell = str(cell or "").strip()
    if not cell:
        return []
    groups = bracket_groups(cell) or [f"（{cell}）"]
    return [c for g in groups if (c := parse_clause(g, _CELL_ROLE_RE)) is not None]


def column_units(cell: object) -> tuple[str, ...]:
    """The units of a 牵头单位 / 负责单位 / 配合单位 cell: "区教育局、区卫健委", one a line, "区教育局及各镇街"; a role
    word written after a unit ("区教育局牵头") is the column's anyway and is dropped."""
    text = re.sub(r"\s*\n\s*", "、", str(cell or "").strip())
    units: list[str] = []
    for part in _split_top(text, "、,，;；/"):
        part = _CELL_ROLE_RE.sub("", part).strip()
        for unit in _units(part):
            if unit not in units:
                units.append(unit)
    return tuple(units)


def column_clause(cells: list[tuple[str, object]]) -> Clause | None:
    """One clause from a row's role columns [(role, cell)…], written as the text writes one:
    ("牵头", "区教育局"), ("配合", "区卫健委、区市场监管局") → （区教育局牵头，区卫健委、区市场监管局配合）."""
    parts = tuple((role, units) for role, cell in cells if (units := column_units(cell)))
    if not parts:
        return None
    return Clause("（" + "，".join("、".join(units) + role for role, units in parts) + "）", parts)


_DAY = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# 2023.6.30 / 2023-06-30 / 2023/6/30 inside a text, and 2023.6 (a month: its end); 6月30日 in the plan year.
_DAY_DOTTED = re.compile(r"(?<!\d)(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})(?!\d)")
_MONTH_DOTTED = re.compile(r"(?<!\d)(\d{4})\s*[.\-/]\s*(\d{1,2})(?![\d.\-/])")
_DAY_NO_YEAR = re.compile(r"(?<![\d年.\-/])(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH_BEFORE = re.compile(r"(?<![\d年~～\-–—至到])(\d{1,2})\s*月\s*(?:份\s*)?前")  # "6月前": its end
_HALF = {"上半年": 6, "下半年": 12, "一季度": 3, "二季度": 6, "三季度": 9, "四季度": 12}
_HALF_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:第)?(上半年|下半年|[一二三四]季度)(?:末|底|前|内)?")
_YEAR_END_NO_YEAR = re.compile(r"(?<![\d年])(?:年底|年末|年内)")
# Recurring work in a 完成时限 cell (每月/每季度/每半年/每年…): a standing duty, 长期.
_RECURRING = re.compile(r"^\s*每(?:个)?(?:月|季度?|半年|年)(?:度)?(?:末|底|前|初|中旬|上旬|下旬)?.*$")
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:底|末|前|份)")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:年)?\s*(?:底|末)")
# "4月~6月", "2022年4月~6月", "3月至11月底": due at the end of the range's last month.
_RANGE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*[~～\-–—至到]\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月")
_MONTH_END_NO_YEAR = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(?:底|末)")
_WHOLE_YEAR = re.compile(r"全年")
_OPEN_ENDED = re.compile(r"长期坚持|持续推进|常态化|^\s*长期\s*$")  # a 完成时限 cell may say just 长期

DATE, WHOLE_YEAR, OPEN_ENDED, UNDATED = (plan_status.KIND_DATE, plan_status.KIND_YEAR, plan_status.KIND_OPEN,
                                         plan_status.KIND_UNDATED)  # db.models.DEADLINE_KINDS


@dataclass(frozen=True)
class Deadline:
    """A task's deadline: a date (日期 — written, or the end of the phase it runs in, named by `basis`), the plan
    year's end for 全年, or no date at all: 长期 (open-ended, never overdue) and 未定 (the text names none)."""

    date: dt.date | None
    kind: str
    basis: str | None = None


def _dates(text: str, plan_year: int) -> list[tuple[int, dt.date]]:
    found: list[tuple[int, dt.date]] = []

    def add(pos: int, year: int, month: int, day: int | None = None) -> None:
        try:
            found.append((pos, dt.date(year, month, day) if day else month_end(year, month)))
        except ValueError:
            pass

    for m in _DAY.finditer(text):
        add(m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _RANGE.finditer(text):
        year = int(m.group(3) or m.group(1) or plan_year)
        if 1 <= int(m.group(2)) <= int(m.group(4)) <= 12:
            add(m.start(), year, int(m.group(4)))
    for m in _MONTH.finditer(text):
        if 1 <= int(m.group(2)) <= 12:
            add(m.start(), int(m.group(1)), int(m.group(2)))
    for m in _MONTH_END_NO_YEAR.finditer(text):
        if 1 <= int(m.group(1)) <= 12:
            add(m.start(), plan_year, int(m.group(1)))
    for m in _YEAR_END.finditer(text):
        add(m.start(), int(m.group(1)), 12)
    for m in _DAY_DOTTED.finditer(text):
        if 2000 <= int(m.group(1)) <= 2100:
                add(m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _MONTH_DOTTED.finditer(text):
        if 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
            add(m.start(), int(m.group(1)), int(m.group(2)))
    for m in _DAY_NO_YEAR.finditer(text):
        add(m.start(), plan_year, int(m.group(1)), int(m.group(2)))
    for m in _MONTH_BEFORE.finditer(text):
        if 1 <= int(m.group(1)) <= 12:
            add(m.start(), plan_year, int(m.group(1)))
    for m in _HALF_RE.finditer(text):
        add(m.start(), int(m.group(1) or plan_year), _HALF[m.group(2)])
    for m in _YEAR_END_NO_YEAR.finditer(text):
        add(m.start(), plan_year, 12)
    return found


def deadline_in(text: str, plan_year: int) -> Deadline:
    """The deadline a task's text states: the first date written ("2022年12月底前" → 12-31, "4月~6月" → 06-30 of the
    plan year); else "全年" → the plan year's 12-31, kind 全年; else 长期坚持 / 持续推进 / 常态化 → 长期 (no date,
    never overdue); else 未定 — never a silent year-end default."""
    text = str(text or "")
    if found := _dates(text, plan_year):
        return Deadline(min(found)[1], DATE)
    if _WHOLE_YEAR.search(text):
        return Deadline(dt.date(plan_year, 12, 31), WHOLE_YEAR)
    if _OPEN_ENDED.search(text):
        return Deadline(None, OPEN_ENDED)
    return Deadline(None, UNDATED)


def deadline_cell(text: str, plan_year: int) -> Deadline:
    """A 完成时限 cell as offices write it: what deadline_in reads; recurring work ("每季度末", "每月5日前") is a
    standing duty with no one date, stored as 长期 (open-ended, never overdue) rather than refused."""
    text = str(text or "").strip()
    if _RECURRING.match(text) and not _DAY.search(text):
        return Deadline(None, OPEN_ENDED)
    return deadline_in(text, plan_year)
