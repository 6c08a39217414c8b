"""Station and township names in all their spellings: 明水 / 明水所 / 明水监管所 / 明水市场监管所 / 明水街道 / 垛庄镇,
and the official forms with the district and bureau in front: 济南市章丘区市场监督管理局明水所, 章丘区明水街道办事处."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

from sqlmodel import Session, select

from db.models import District, Station, Township
from seed.importer.values import squash

_SUFFIXES = ("市场监督管理所", "市场监管所", "监督管理所", "监管所", "街道办事处", "办事处", "街道", "镇", "乡", "所")
# The bureau a station belongs to, written between the district and the station: 章丘区市场监督管理局明水所.
_BUREAU = ("市场监督管理局", "市场监管局")
# Used only while the database names no district (an import before the 区县 table).
_FALLBACK_DISTRICTS = ("章丘区",)


def district_prefixes(names: Iterable[str]) -> tuple[str, ...]:
    """The spellings a district is written in before a station's name: 章丘区, 章丘 (longest first)."""
    out: set[str] = set()
    for name in names:
        s = squash(name)
        if not s:
            continue
        out.add(s)
        if len(s) > 2 and s[-1] in "区县市旗":
            out.add(s[:-1])
    return tuple(sorted(out, key=len, reverse=True))


@functools.lru_cache(maxsize=64)
def _prefix_re(prefixes: tuple[str, ...]) -> re.Pattern:
    # An optional city (济南市) only in front of a district: "明水市场监管所" must keep its 明水.
    districts = "|".join(re.escape(p) for p in prefixes)
    bureau = "|".join(_BUREAU)
    return re.compile(rf"^(?:[\u4e00-\u9fff]{{2,4}}?市)?(?:{districts})(?:{bureau})?|^(?:{bureau})")


def core(name: str, prefixes: tuple[str, ...] = _FALLBACK_DISTRICTS) -> str:
    """The stem a station or township is known by: the district (and city, bureau) in front and the suffixes
    removed after NFKC and whitespace squashing."""
    s = squash(name)
    if prefixes:
        s = _prefix_re(prefixes).sub("", s, count=1) or s
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                s = s[: -len(suffix)]
                changed = True
    return s


def _prefixes(session: Session) -> tuple[str, ...]:
    names = session.exec(select(District.name)).all()
    return district_prefixes(names or _FALLBACK_DISTRICTS)


class StationMatcher:
    """Looks a written name up among the stations, their aliases and their townships."""

    def __init__(self, session: Session):
        self.prefixes = _prefixes(session)
        self.by_key: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for st in session.exec(select(Station)).all():
            self.names[st.id] = st.name
            for alias in [st.name, *(st.aliases or [])]:
                self.by_key.setdefault(squash(alias), st.id)
                self.by_key.setdefault(core(alias, self.prefixes), st.id)
        for tw in session.exec(select(Township)).all():
            self.by_key.setdefault(squash(tw.name), tw.station_id)
            self.by_key.setdefault(core(tw.name, self.prefixes), tw.station_id)

    def match(self, raw: object) -> int | None:
        text = squash(raw)
        if not text:
            return None
        return self.by_key.get(text) or self.by_key.get(core(text, self.prefixes))

    def suggest(self, raw: object, n: int = 3) -> list[str]:
        text = core(str(raw), self.prefixes)
        keys = list(self.by_key)
        close = difflib.get_close_matches(text, keys, n=n * 3, cutoff=0.3)
        out: list[str] = []
        for key in close:
            name = self.names[self.by_key[key]]
            if name not in out:
                out.append(name)
        if not out:
            out = [n for n in list(self.names.values())[:n]]
        return out[:n]


class TownshipMatcher:
    """Looks a written township up as the Township table names it: 明水街道办事处 / 章丘区明水街道 → 明水街道.
    A stem two townships share matches neither (the name must then be written in full)."""

    def __init__(self, session: Session):
        self.prefixes = _prefixes(session)
        self.by_key: dict[str, int | None] = {}
        self.names: dict[int, str] = {}
        townships = session.exec(select(Township)).all()
        for tw in townships:
            self.names[tw.id] = tw.name
            self.by_key[squash(tw.name)] = tw.id
        stems: dict[str, set[int]] = {}
        for tw in townships:
            stems.setdefault(core(tw.name, self.prefixes), set()).add(tw.id)
        for stem, ids in stems.items():
            if stem not in self.by_key:
                self.by_key[stem] = next(iter(ids)) if len(ids) == 1 else None  # a shared stem matches neither

    def match(self, raw: object) -> int | None:
        text = squash(raw)
        if not text:
            return None
        hit = self.by_key.get(text)
        return hit if hit is not None else self.by_key.get(core(text, self.prefixes))

    def suggest(self, raw: object, n: int = 3) -> list[str]:
        close = difflib.get_close_matches(squash(raw), list(self.names.values()), n=n, cutoff=0.5)
        return close or list(self.names.values())[:n]
