"""A sheet as the bureau lays it out: title rows, 1–3 merged header rows, data, spacer, total and footer rows."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from seed.importer.kinds import INDICATORS, KINDS, NON_DATA, Col, Kind
from seed.importer.reader import SheetGrid
from seed.importer.values import cjk_free, display, is_blank, nfkc, squash

TOTAL_RE = re.compile(r"^(全[区县市])?(合计|总计|小计)$")
FOOTER_RE = re.compile(r"^(注|备注|说明|填报人|审核人|制表人?|填表人?|联系人|联系电话|负责人|填报单位|填报日期|统计人)\s*[:：]")
YEAR_RE = re.compile(r"(20\d{2})\s*年")
MONTH_RE = re.compile(r"(?<![0-9])(1[0-2]|0?[1-9])\s*月(?!\s*[~\-－—至到]\s*\d)")
MAX_HEADER_SCAN = 15


def col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row0: int, col0: int) -> str:
    return f"{col_letter(col0)}{row0 + 1}"


def _strip_brackets(text: str) -> str:
    return re.sub(r"[（(][^（()）]*[)）]", "", text)


@functools.lru_cache(maxsize=8192)
def header_forms(text: str) -> frozenset[str]:
    """The forms a header text is compared in: as written, and without a parenthesised unit."""
    s = squash(text)
    forms = {s, _strip_brackets(s), s.replace("(", "（").replace(")", "）")}
    return frozenset(f for f in forms if f)


@functools.lru_cache(maxsize=64)
def _kind_forms(kind_name: str) -> dict[str, Col]:
    """Header form -> column, for one kind (first column wins on a shared synonym)."""
    out: dict[str, Col] = {}
    for col in KINDS[kind_name].columns:
        for name in col.names:
            for form in header_forms(name):
                out.setdefault(form, col)
    return out


@dataclass
class Header:
    row0: int
    depth: int
    levels: list[list[str]]  # per column: the distinct non-empty texts from top to bottom

    @property
    def end(self) -> int:
        return self.row0 + self.depth

    def name(self, col0: int) -> str:
        return "/".join(self.levels[col0]) if col0 < len(self.levels) else ""


@dataclass
class Layout:
    kind: Kind
    header: Header
    columns: dict[str, int]  # field -> column index
    indicators: dict[int, str]  # column index -> indicator code (wide kinds); unknown ones keep their header
    unknown: dict[int, str] = field(default_factory=dict)  # column index -> header text (wide kinds)
    score: int = 0


def expand_merged(sheet: SheetGrid) -> list[list[object]]:
    """Copy each merged range's top-left value into all its cells (headers and forward-filled labels)."""
    rows = [list(r) for r in sheet.rows]
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend([""] * (width - len(r)))
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < width else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if (r, c) != (r0, c0):
                    rows[r][c] = value
    return rows


def build_header(rows: list[list[object]], row0: int, depth: int) -> Header:
    width = max((len(r) for r in rows[row0 : row0 + depth]), default=0)
    levels: list[list[str]] = []
    for c in range(width):
        parts: list[str] = []
        for r in range(row0, row0 + depth):
            # kept as written (full-width brackets stay); matching normalises separately
            text = re.sub(r"\s+", " ", str(rows[r][c])).strip() if c < len(rows[r]) and not is_blank(rows[r][c]) else ""
            if text and text not in parts:
                parts.append(text)
        levels.append(parts)
    return Header(row0, depth, levels)


def match_column(kind: Kind, levels: list[str]) -> Col | None:
    """The kind's column a header names: the deepest level that matches wins."""
    if not levels:
        return None
    forms_map = _kind_forms(kind.name)
    for text in [levels[-1], "".join(levels), *reversed(levels[:-1])]:
        for form in header_forms(text):
            if form in forms_map:
                return forms_map[form]
    return None


def indicator_names(extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """Normalised header form -> indicator code, for the built-in indicators and those in the database."""
    out: dict[str, str] = {}
    for ind in INDICATORS:
        for name in (ind.code, ind.name, *ind.synonyms):
            for form in header_forms(name):
                out.setdefault(form, ind.code)
    for code, names in (extra or {}).items():
        for name in (code, *names):
            for form in header_forms(name):
                out.setdefault(form, code)
    return out


def match_indicator(levels: list[str], names: dict[str, str]) -> str | None:
    if not levels:
        return None
    for text in [levels[-1], "".join(levels), *reversed(levels[:-1])]:
        for form in header_forms(text):
            if form in names:
                return names[form]
    return None


def is_non_data(levels: list[str]) -> bool:
    return any(squash(level) in NON_DATA or _strip_brackets(squash(level)) in NON_DATA for level in levels)


def layout_for(kind: Kind, header: Header, ind_names: dict[str, str]) -> Layout | None:
    columns: dict[str, int] = {}
    indicators: dict[int, str] = {}
    unknown: dict[int, str] = {}
    for c, levels in enumerate(header.levels):
        if not levels:
            continue
        col = match_column(kind, levels)
        if col is not None and col.field not in columns:
            columns[col.field] = c
            continue
        if kind.layout == "wide":
            code = match_indicator(levels, ind_names)
            if code is not None and code not in indicators.values():
                indicators[c] = code
            elif not is_non_data(levels):
                unknown[c] = "/".join(levels)
    required = [c.field for c in kind.columns if c.required]
    if any(f not in columns for f in required):
        return None
    if kind.layout == "wide" and not indicators and not unknown:
        return None
    score = len(columns) + len(indicators)
    if kind.layout == "long" and len(columns) < 2:
        return None
    return Layout(kind, header, columns, indicators, unknown, score)


def is_title_row(row: list[object]) -> bool:
    """A row with at most one distinct text (a merged title or a blank row) is never part of a header."""
    texts = {nfkc(v) for v in row if not is_blank(v)}
    return len(texts) <= 1 and len(row) > 1


def title_text(rows: list[list[object]], header_row0: int) -> str:
    parts: list[str] = []
    for r in range(header_row0):
        for v in rows[r]:
            text = str(v).strip() if not is_blank(v) else ""
            if text and text not in parts:
                parts.append(text)
    return " ".join(parts)


def find_layout(
    rows: list[list[object]],
    kinds: list[Kind],
    ind_names: dict[str, str],
) -> Layout | None:
    """Search the first rows for the header that best fits one of the kinds (1–3 rows deep)."""
    best: Layout | None = None
    limit = min(MAX_HEADER_SCAN, len(rows))
    for row0 in range(limit):
        if is_title_row(rows[row0]):
            continue
        for depth in (1, 2, 3):
            if row0 + depth > len(rows) or is_title_row(rows[row0 + depth - 1]):
                break
            header = build_header(rows, row0, depth)
            for kind in kinds:
                layout = layout_for(kind, header, ind_names)
                if layout is None:
                    continue
                # A deeper header must add matches to be preferred; ties go to the shallower one.
                if best is None or layout.score > best.score:
                    best = layout
    return best


def year_from(text: str) -> int | None:
    m = YEAR_RE.search(nfkc(text))
    return int(m.group(1)) if m else None


def month_from(text: str) -> int | None:
    """A single month named in a title ("2023年6月…", "截至10月底"); ranges such as 4月~6月 are not a month."""
    m = MONTH_RE.search(nfkc(text))
    return int(m.group(1)) if m else None


def row_kind(row: list[object]) -> str:
    """data / blank / total / footer."""
    for first_cell in row:  # only the first filled cell is looked at
        if not is_blank(first_cell):
            break
    else:
        return "blank"
    # Numbers, dates and ASCII text (record numbers, codes) are never a 合计 or 注： line: skip the normalising.
    if not cjk_free(first_cell) and (FOOTER_RE.match(nfkc(first_cell)) or squash(first_cell).startswith("注:")):
        return "footer"
    for v in row[:3]:
        if not cjk_free(v) and TOTAL_RE.match(squash(v)):
            return "total"
    return "data"


def guess_kind_from_text(text: str) -> list[str]:
    """Kinds whose title words appear in a title, sheet or file name, most specific first."""
    hits = []
    for name, kind in KINDS.items():
        for word in kind.title_words:
            if word in text:
                hits.append((len(word), name))
    return [name for _, name in sorted(hits, reverse=True)]


__all__ = [
    "Header", "Layout", "cell_ref", "col_letter", "display", "expand_merged", "find_layout",
    "guess_kind_from_text", "month_from", "row_kind", "title_text", "year_from",
]
