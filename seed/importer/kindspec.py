"""The shapes of the kind registry (a kind's columns and the kind itself) and the registry: kinds.py and
kinds_workshops.py define kinds with them, kinds.py registers every kind (re-exporting these names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    field: str
    label: str  # the header our templates and exports write
    synonyms: tuple[str, ...] = ()
    type: str = "text"  # text code int float rate date month year bool enum station number
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)


@dataclass(frozen=True)
class Kind:
    name: str  # the Chinese kind name used by the CLI and the UI
    table: str  # the main table it writes
    columns: tuple[Col, ...]
    key: str  # natural key, in words, for the README
    updatable: str
    layout: str = "long"  # long: one record a row; wide: station rows x indicator columns
    per_station: bool = False  # one row per station: the template lists every station (as the wide kinds do)
    title_words: tuple[str, ...] = ()  # words in a title or sheet name that point to this kind
    needs_year: bool = False
    needs_month: bool = False
    description: str = ""
    template_example: tuple[tuple[object, ...], ...] = ()
    any_of: tuple[str, ...] = ()  # a sheet is this kind only with at least one of these columns (besides required)

    def col(self, field_name: str) -> Col:
        for c in self.columns:
            if c.field == field_name:
                return c
        raise KeyError(field_name)


KINDS: dict[str, Kind] = {}


def _register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind
