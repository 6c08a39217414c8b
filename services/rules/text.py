"""Text widths in spreadsheet character units, for CJK text: how wide a column must be for what it holds. Shared by
the exports (seed.export, seed.templates), the pages' Excel downloads and the briefing's tables."""

from __future__ import annotations

import math
import unicodedata


def text_width(text: object) -> float:
    """Width of a text in Excel's character units: CJK (wide/full-width) counts 2, anything else 1.1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in str(text))


def column_width(texts: list[object], *, lo: float = 8, hi: float = 60) -> float:
    """A column wide enough for its longest line (header and sampled values), within [lo, hi]."""
    widest = 0.0
    for t in texts:
        if t is None or (isinstance(t, float) and math.isnan(t)):
            continue
        for line in str(t).split("\n"):
            widest = max(widest, text_width(line))
    return round(min(hi, max(lo, widest + 2)), 1)


def first_line(text: str | None, n: int = 30) -> str:
    """A text's first line without its closing 。 or ；, cut to `n` characters with "…" (a plan item named in a line)."""
    t = (text or "").split("\n")[0].rstrip("。；;")
    return t if len(t) <= n else t[:n] + "…"
