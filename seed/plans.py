"""Work-plan text: responsibility clauses in （…） / 〔…〕 with their units and roles, and deadlines in the text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from services.rules.pacing import month_end

OPEN, CLOSE = "（(〔[", "）)〕]"
_ROLE_RE = re.compile(r"(牵头|分别负责|按职责分工负责|按职责负责|负责|配合)$")


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


def parse_clause(group: str) -> Clause | None:
    """A responsibility clause, or None for an ordinary parenthesis such as （HACCP）."""
    inner = group[1:-1].strip().rstrip("。；;")
    if not _ROLE_RE.search(inner):
        return None
    parts = []
    for piece in _split_top(inner, "，,；;"):
        m = _ROLE_RE.search(piece)
        if not m:
            return None
        role_word = m.group(1)
        role = {"牵头": "牵头", "分别负责": "分别负责", "配合": "配合"}.get(role_word, "负责")
        units = _units(piece[: m.start()])
        if not units:
            return None
        parts.append((role, units))
    return Clause(group, tuple(parts))


def clauses(text: str) -> list[Clause]:
    return [c for g in bracket_groups(text) if (c := parse_clause(g)) is not None]


_DAY = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:底|末|前|份)")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:年)?\s*(?:底|末)")


def deadline_in(text: str, plan_year: int) -> tuple[dt.date, bool]:
    """(deadline, is_default): a date written in the text, else the plan year's end flagged as default."""
    candidates: list[tuple[int, dt.date]] = []
    for m in _DAY.finditer(text):
        try:
            candidates.append((m.start(), dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            pass
    for m in _MONTH.finditer(text):
        month = int(m.group(2))
        if 1 <= month <= 12:
            candidates.append((m.start(), month_end(int(m.group(1)), month)))
    for m in _YEAR_END.finditer(text):
        candidates.append((m.start(), dt.date(int(m.group(1)), 12, 31)))
    if candidates:
        return min(candidates)[1], False
    return dt.date(plan_year, 12, 31), True
