"""A sheet as the bureau lays it out: title rows, 1–3 merged header rows, data, spacer, total and footer rows."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from seed.importer.kinds import INDICATORS, KINDS, NON_DATA, Col, Kind
from seed.importer.reader import SheetGrid
from seed.importer.values import cjk_free, display, is_blank, nfkc, squash

# 合计 / 总计 / 小计 rows: "合 计", "全区合计", "合计：", "城区片区小计" (compared without spaces, after NFKC).
TOTAL_RE = re.compile(r"^([\u4e00-\u9fff、]{0,10}?)(合计|总计|小计)[:：]?$")
GRAND_PREFIXES = ("", "全区", "全县", "全市", "全镇", "全部", "总")
# A group label row above its rows: "一、城区片区", "（二）南部片区", "第三片区", "东部片区".
GROUP_RE = re.compile(r"^([一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十]+[)]|第[一二三四五六七八九十\d]+[片组]|"
                      r"[\u4e00-\u9fff]{1,10}(片区|区域)$)")
# A unit row's cell under a name: （家） / (次) / 单位：家 / 家.
UNIT_RE = re.compile(r"^\(?\s*(?:单位\s*[:：]\s*)?(家|次|个|户|人|项|件|批次|起|场|元|万元|%|人次|家次|批)\s*\)?$")
DEMO_COLUMN = "示例"  # the last column of an export with the 示例 rows: marks them, never read
FOOTER_RE = re.compile(r"^(注|备注|说明|填报人|审核人|制表人?|填表人?|联系人|联系电话|负责人|填报单位|填报日期|统计人)\s*[:：]")
YEAR_RE = re.compile(r"(20\d{2})\s*年")
MONTH_RE = re.compile(r"(?<![0-9])(1[0-2]|0?[1-9])\s*月(?!\s*[~\-－—至到]\s*\d)")
MAX_HEADER_SCAN = 15
MAX_HEADER_ROWS = 4  # up to three rows of names and a unit row
MAX_SPACERS = 2  # blank rows between two header rows


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
    depth: int  # rows holding header text; spacer rows between them are not counted
    levels: list[list[str]]  # per column: the distinct non-empty texts from top to bottom (a unit row joined on)
    rows: tuple[int, ...] = ()  # the header rows, top to bottom (row0 … the last one)
    cells: list[int | None] = field(default_factory=list)  # per column: the row of its deepest name
    parents: list[list[str]] = field(default_factory=list)  # per column: upper levels that are its own, not a group's

    @property
    def end(self) -> int:
        return (self.rows[-1] if self.rows else self.row0 + self.depth - 1) + 1

    def name(self, col0: int) -> str:
        return "/".join(self.levels[col0]) if col0 < len(self.levels) else ""

    def cell_row(self, col0: int) -> int:
        """The row a finding about a column points at: its deepest name, else the header's last name row."""
        row = self.cells[col0] if col0 < len(self.cells) else None
        if row is not None:
            return row
        named = [r for r in self.cells if r is not None]
        return max(named) if named else self.row0


@dataclass
class Layout:
    kind: Kind
    header: Header
    columns: dict[str, int]  # field -> column index
    indicators: dict[int, str]  # column index -> indicator code (wide kinds); unknown ones keep their header
    unknown: dict[int, str] = field(default_factory=dict)  # column index -> header text (wide kinds)
    score: int = 0
    duplicates: dict[int, tuple[int, str]] = field(default_factory=dict)  # col -> (earlier col, field label)


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


def unit_of(text: str) -> str | None:
    """The unit a unit-row cell states: （家） / (次) / 单位：家 / 家 → 家; None for a name."""
    m = UNIT_RE.match(nfkc(text))
    return m.group(1) if m else None


def _header_text(value: object) -> str:
    # kept as written (full-width brackets stay); matching normalises separately
    return "" if is_blank(value) else re.sub(r"\s+", " ", str(value)).strip()


def _is_own(texts: list[list[str]], col0: int, text: str) -> bool:
    """Whether an upper level belongs to this column alone: a group header copied over its neighbours does not."""
    for row in texts:
        if col0 < len(row) and row[col0] == text:
            left = row[col0 - 1] if col0 > 0 else ""
            right = row[col0 + 1] if col0 + 1 < len(row) else ""
            if text in (left, right):
                return False
    return True


def build_header(rows: list[list[object]], header_rows: tuple[int, ...]) -> Header:
    """The header made of `header_rows`: per column its levels (a unit row's （家） joined onto the name above), the
    row of its deepest name and the upper levels that are its own."""
    texts = [[_header_text(v) for v in rows[r]] for r in header_rows]
    width = max((len(t) for t in texts), default=0)
    levels: list[list[str]] = []
    cells: list[int | None] = []
    parents: list[list[str]] = []
    for c in range(width):
        parts: list[str] = []
        deepest: int | None = None
        for i, r in enumerate(header_rows):
            text = texts[i][c] if c < len(texts[i]) else ""
            if not text:
                continue
            unit = unit_of(text)
            if unit is not None and parts:
                if unit not in parts[-1]:
                    parts[-1] += f"（{unit}）"
                continue
            if text not in parts:
                parts.append(text)
                deepest = r
        levels.append(parts)
        cells.append(deepest)
        parents.append([p for p in parts[:-1] if _is_own(texts, c, p)])
    return Header(header_rows[0], len(header_rows), levels, tuple(header_rows), cells, parents)


def _candidates(levels: list[str], parents: list[str]) -> list[str]:
    """The texts a column's header is matched in, best first: its deepest level, that level with its group header
    (包保干部 + 单位 = 包保干部单位), all levels joined, then its own upper levels (a name over a unit or a blank)."""
    out = [levels[-1], "".join(levels[-2:]), "".join(levels), *reversed(parents)]
    return list(dict.fromkeys(out))


def match_column(kind: Kind, levels: list[str], parents: list[str] | None = None) -> Col | None:
    """The kind's column a header names: the deepest level that matches wins."""
    if not levels:
        return None
    forms_map = _kind_forms(kind.name)
    for text in _candidates(levels, levels[:-1] if parents is None else parents):
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


def match_indicator(levels: list[str], names: dict[str, str], parents: list[str] | None = None) -> str | None:
    if not levels:
        return None
    for text in _candidates(levels, levels[:-1] if parents is None else parents):
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
    duplicates: dict[int, tuple[int, str]] = {}
    for c, levels in enumerate(header.levels):
        if not levels:
            continue
        parents = header.parents[c] if c < len(header.parents) else None
        col = match_column(kind, levels, parents)
        if col is not None:
            if col.field in columns:
                duplicates[c] = (columns[col.field], col.label)
            else:
                columns[col.field] = c
            continue
        if kind.layout == "wide":
            code = match_indicator(levels, ind_names, parents)
            if code is not None:
                first = next((k for k, v in indicators.items() if v == code), None)
                if first is None:
                    indicators[c] = code
                else:
                    duplicates[c] = (first, code)
            elif not is_non_data(levels) and not is_demo_column(levels):
                unknown[c] = "/".join(levels)
    required = [c.field for c in kind.columns if c.required]
    if any(f not in columns for f in required):
        return None
    if kind.any_of and not any(f in columns for f in kind.any_of):
        return None
    if kind.layout == "wide" and not indicators and not unknown:
        return None
    score = len(columns) + len(indicators) - len(duplicates)
    if kind.layout == "long" and len(columns) < 2:
        return None
    return Layout(kind, header, columns, indicators, unknown, score, duplicates)


def is_demo_column(levels: list[str]) -> bool:
    return any(squash(level) == DEMO_COLUMN for level in levels)


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


def _is_blank_row(row: list[object]) -> bool:
    return all(is_blank(v) for v in row)


def _may_continue(row: list[object]) -> bool:
    """A row that may be a lower header row: text only (no number or date), not a 合计 or 注： line."""
    return all(is_blank(v) or isinstance(v, str) for v in row) and row_kind(row) == "data"


def _header_rows(rows: list[list[object]], row0: int) -> list[tuple[int, ...]]:
    """The header row sets starting at row0: 1–3 rows of text, blank spacer rows (up to two) between them skipped."""
    out = [(row0,)]
    chosen = [row0]
    r = row0 + 1
    while len(chosen) < 3 and r < len(rows) and r - chosen[-1] <= MAX_SPACERS + 1:
        if _is_blank_row(rows[r]):
            r += 1
            continue
        if not _may_continue(rows[r]):
            break
        chosen.append(r)
        out.append(tuple(chosen))
        r += 1
    return out


def _is_header_like(row: list[object], layout: Layout, forms: set[str]) -> bool:
    """A row under the chosen header that is part of it: every text a unit, a repeat of the header above (a merged
    cell) or a header name of the kind — never a data value."""
    if not _may_continue(row):
        return False
    levels = layout.header.levels
    seen = False
    for c, v in enumerate(row):
        if is_blank(v):
            continue
        seen = True
        text = _header_text(v)
        if unit_of(text) is not None or (c < len(levels) and text in levels[c]):
            continue
        if not header_forms(text) & forms:
            return False
    return seen


def _kind_header_forms(kind: Kind, ind_names: dict[str, str]) -> set[str]:
    forms = set(_kind_forms(kind.name))
    if kind.layout == "wide":
        forms |= set(ind_names)
    for text in (*NON_DATA, DEMO_COLUMN):
        forms |= header_forms(text)
    return forms


def _absorb(rows: list[list[object]], layout: Layout, ind_names: dict[str, str]) -> Layout:
    """Take the rows under the header that belong to it (a unit row, a sub-header that repeats names) into it, so
    they are never read as data."""
    forms: set[str] | None = None
    header_rows = list(layout.header.rows)
    r = header_rows[-1] + 1
    while len(header_rows) < MAX_HEADER_ROWS and r < len(rows) and r - header_rows[-1] <= MAX_SPACERS + 1:
        if _is_blank_row(rows[r]):
            r += 1
            continue
        forms = forms if forms is not None else _kind_header_forms(layout.kind, ind_names)
        if not _is_header_like(rows[r], layout, forms):
            break
        header_rows.append(r)
        r += 1
    if len(header_rows) == len(layout.header.rows):
        return layout
    deeper = layout_for(layout.kind, build_header(rows, tuple(header_rows)), ind_names)
    return deeper if deeper is not None and deeper.score >= layout.score else layout


def find_layout(
    rows: list[list[object]],
    kinds: list[Kind],
    ind_names: dict[str, str],
) -> Layout | None:
    """Search the first rows for the header that best fits one of the kinds: 1–3 rows deep, a group header merged
    over sub-headers, blank spacer rows between its rows, a unit row under the names."""
    best: Layout | None = None
    limit = min(MAX_HEADER_SCAN, len(rows))
    for row0 in range(limit):
        if is_title_row(rows[row0]):
            continue
        for header_rows in _header_rows(rows, row0):
            header = build_header(rows, header_rows)
            for kind in kinds:
                layout = layout_for(kind, header, ind_names)
                if layout is None:
                    continue
                # A deeper header must add matches to be preferred; ties go to the shallower one.
                if best is None or layout.score > best.score:
                    best = layout
    return _absorb(rows, best, ind_names) if best is not None else None


def year_from(text: str) -> int | None:
    m = YEAR_RE.search(nfkc(text))
    return int(m.group(1)) if m else None


def month_from(text: str) -> int | None:
    """A single month named in a title ("2023年6月…", "截至10月底"); ranges such as 4月~6月 are not a month."""
    m = MONTH_RE.search(nfkc(text))
    return int(m.group(1)) if m else None


def row_kind(row: list[object]) -> str:
    """data / blank / total / footer / group (a group label such as "一、城区片区" alone on its row)."""
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
    if not cjk_free(first_cell) and GROUP_RE.match(squash(first_cell)) and is_title_row(row):
        return "group"
    return "data"


def total_label(row: list[object]) -> str:
    """The 合计/小计 text of a total row (its first cell that reads as one)."""
    for v in row[:3]:
        if not cjk_free(v) and TOTAL_RE.match(squash(v)):
            return squash(v)
    return ""


def is_grand_total(label: str) -> bool:
    """合计 / 总计 / 全区合计 cover every data row; 小计 and 城区片区合计 cover their group."""
    m = TOTAL_RE.match(label)
    return m is not None and m.group(2) != "小计" and m.group(1) in GRAND_PREFIXES


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
    "guess_kind_from_text", "is_grand_total", "month_from", "row_kind", "title_text", "total_label", "year_from",
]
