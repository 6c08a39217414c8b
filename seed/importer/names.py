"""Station names in all their spellings: 明水 / 明水所 / 明水监管所 / 明水市场监管所 / 明水街道 / 垛庄镇."""

from __future__ import annotations

import difflib
import re

from sqlmodel import Session, select

from db.models import Station, Township
from seed.importer.values import squash

_SUFFIXES = ("市场监督管理所", "市场监管所", "监督管理所", "监管所", "街道办事处", "办事处", "街道", "镇", "乡", "所")


def core(name: str) -> str:
    """The stem a station is known by: suffixes removed after NFKC and whitespace squashing."""
    s = squash(name)
    s = re.sub(r"^(章丘区|章丘)", "", s) or s
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                s = s[: -len(suffix)]
                changed = True
    return s


class StationMatcher:
    """Looks a written name up among the stations, their aliases and their townships."""

    def __init__(self, session: Session):
        self.by_key: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for st in session.exec(select(Station)).all():
            self.names[st.id] = st.name
            for alias in [st.name, *(st.aliases or [])]:
                self.by_key.setdefault(squash(alias), st.id)
                self.by_key.setdefault(core(alias), st.id)
        for tw in session.exec(select(Township)).all():
            self.by_key.setdefault(squash(tw.name), tw.station_id)
            self.by_key.setdefault(core(tw.name), tw.station_id)

    def match(self, raw: object) -> int | None:
        text = squash(raw)
        if not text:
            return None
        return self.by_key.get(text) or self.by_key.get(core(text))

    def suggest(self, raw: object, n: int = 3) -> list[str]:
        text = core(str(raw))
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
