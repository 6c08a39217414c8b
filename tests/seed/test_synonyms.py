"""One synonyms table (issue 18 item 2): each spelling an office uses reads as its field on every kind with that
field, and no header text names two fields of one kind."""

from __future__ import annotations

import pytest

from seed.importer import synonyms as syn
from seed.importer.grid import header_forms, match_column
from seed.importer.kinds import KINDS

# Reading and checking files: the PostgreSQL pass leaves it out (the importer's writes run there in other tests)
pytestmark = pytest.mark.reading_only

# concept -> the fields that hold it, per kind (the 包保 kinds name their own record's columns plainly)
FIELDS = {
    "station": {"station"},
    "township": {"township", "townships"},
    "cadre_code": {"cadre_code"},
    "cadre_name": {"cadre_name"},
    "cadre_unit": {"cadre_unit"},
    "business_code": {"business_code"},
    "business_name": {"business_name"},
    "year": {"year"},
    "month": {"month"},
    "report_date": {"report_date"},
}
OWN = {("包保干部", "cadre_code"): "code", ("包保干部", "cadre_name"): "name", ("包保干部", "cadre_unit"): "unit",
       ("包保主体", "business_name"): "name"}
CASES = [(kind, concept, field, spelling)
         for kind in KINDS.values() for concept, spellings in syn.CONCEPTS.items()
         for field in [OWN.get((kind.name, concept))
                       or next((c.field for c in kind.columns if c.field in FIELDS[concept]), None)]
         if field is not None for spelling in spellings]


def test_required_spellings_are_in_the_table():
    assert {"镇街", "镇（街道）", "所属街道", "所在镇街", "乡镇（街道）", "乡镇街道"} <= set(syn.TOWNSHIP)
    assert {"包保干部", "包保责任人", "包保人", "干部姓名"} <= set(syn.CADRE_NAME)
    assert {"监管所", "市场监管所", "所属监管所", "市场监督管理所"} <= set(syn.STATION)
    assert len(CASES) > 150


@pytest.mark.parametrize(("kind", "concept", "field", "spelling"), CASES,
                         ids=[f"{k.name}-{c}-{s}" for k, c, _f, s in CASES])
def test_every_spelling_reads_as_its_field(kind, concept, field, spelling):
    col = match_column(kind, [spelling])
    assert col is not None and col.field == field, (kind.name, spelling, col and col.field)


def test_townships_name_the_station_where_a_kind_has_no_township_column():
    for kind in KINDS.values():
        fields = {c.field for c in kind.columns}
        if "station" not in fields or fields & FIELDS["township"]:
            continue
        for spelling in syn.TOWNSHIP:
            assert match_column(kind, [spelling]).field == "station", (kind.name, spelling)


def test_township_is_its_own_field_on_the_business_register():
    kind = KINDS["包保主体"]
    assert match_column(kind, ["镇街"]).field == "township"
    assert match_column(kind, ["监管所"]).field == "station"
    assert match_column(kind, ["所属监管所"]).field == "station"


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_no_header_text_names_two_fields_of_one_kind(kind):
    owner: dict[str, str] = {}
    clashes = []
    for col in kind.columns:
        for name in col.names:
            for form in header_forms(name):
                if owner.setdefault(form, col.field) != col.field:
                    clashes.append((name, owner[form], col.field))
    assert clashes == []


def test_group_header_with_a_short_sub_header():
    """包保干部 over 编号/姓名/单位 and 包保主体 over 编码/名称, as registers group them."""
    kind = KINDS["督导记录"]
    got = [match_column(kind, ["包保干部", s], []).field for s in ("编号", "姓名", "单位")]
    got += [match_column(kind, ["包保主体", s], []).field for s in ("编码", "名称")]
    assert got == ["cadre_code", "cadre_name", "cadre_unit", "business_code", "business_name"]
