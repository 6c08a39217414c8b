"""The jurisdiction's words for cadre levels and the high-risk label.

Cadre levels are stored as the codes 市 / 县 / 乡 / 村 (省 above them): the level of government, whatever the
jurisdiction calls it. What a page, a template, an export or an import message says follows the district's kind:
  a 区 (章丘区): 市级 / 区级 / 镇(街道)级 / 村(社区)级
  a 县:          市级 / 县级 / 乡(镇)级 / 村级
  a 市 itself (a city scale, 县级市 too): 市级 / 区(县)级 / 镇(街道)级 / 村(社区)级
Never a 县/乡 label in a 区. The importer accepts every spelling (区级, 镇级, 街道级, 社区级, 县级, 乡级 …)."""

from __future__ import annotations

from collections.abc import Iterable

CODES = ("省", "市", "县", "乡", "村")
DISTRICT, COUNTY, CITY = "区", "县", "市"
LABELS: dict[str, dict[str, str]] = {
    DISTRICT: {"省": "省级", "市": "市级", "县": "区级", "乡": "镇(街道)级", "村": "村(社区)级"},
    COUNTY: {"省": "省级", "市": "市级", "县": "县级", "乡": "乡(镇)级", "村": "村级"},
    CITY: {"省": "省级", "市": "市级", "县": "区(县)级", "乡": "镇(街道)级", "村": "村(社区)级"},
}
# Every spelling the importer reads as a code (the labels of every kind, with and without 级 and brackets).
SPELLINGS: dict[str, str] = {
    "省级": "省", "市级": "市", "区级": "县", "县级": "县", "区(县)级": "县", "县(区)": "县", "县（区）": "县", "区": "县",
    "区县级": "县", "乡级": "乡", "镇级": "乡", "街道级": "乡", "乡镇级": "乡", "镇街级": "乡", "镇(街道)级": "乡",
    "镇（街道）级": "乡", "乡(镇)级": "乡", "乡（镇）级": "乡", "乡(镇、街道)": "乡", "乡（镇、街道）": "乡", "镇街": "乡",
    "街道": "乡", "镇": "乡", "村级": "村", "社区级": "村", "村(社区)级": "村", "村（社区）级": "村", "社区": "村",
    "村(社区)": "村", "村（社区）": "村",
}


def jurisdiction_kind(name: str | None) -> str:
    """"章丘区" → 区, "昌乐县" → 县, "济南市" → 市; anything else (or nothing yet) → 区, this product's own case."""
    name = (name or "").strip()
    for kind in (DISTRICT, COUNTY, CITY):
        if name.endswith(kind):
            return kind
    return DISTRICT


def level_label(code: str | None, kind: str = DISTRICT) -> str:
    """A stored code as the jurisdiction says it: ("县", 区) → "区级", ("乡", 区) → "镇(街道)级"; an unknown code
    stays as it is (never hidden)."""
    if code is None:
        return ""
    return LABELS.get(kind, LABELS[DISTRICT]).get(code, code)


def level_labels(kind: str = DISTRICT, codes: Iterable[str] = CODES[1:]) -> list[str]:
    """The labels of the levels a cadre register uses, highest first: 区 → 市级、区级、镇(街道)级、村(社区)级."""
    return [level_label(c, kind) for c in codes]


def parse_level(text: str | None) -> str | None:
    """Any spelling of a level → its code (区级 → 县, 街道级 → 乡, 社区 → 村, 市 → 市); None when not a level."""
    t = (text or "").strip().replace(" ", "")
    if t in CODES:
        return t
    return SPELLINGS.get(t)


def grades_label(grades: Iterable[str]) -> str:
    """The high-risk 风险等级 as a label: ("C", "D") → "C、D级"; ("D",) → "D级"."""
    return "、".join(grades) + "级"
