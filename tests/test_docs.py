"""The README's kind and settings tables are rendered from the code and must not drift."""

from seed.docs import README, render


def test_readme_tables_match_the_registry():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m seed.docs"


def test_readme_opens_with_the_two_commands():
    head = README.read_text(encoding="utf-8").splitlines()[:6]
    assert any(line.startswith("make run") for line in head) and any(line.startswith("make test") for line in head)
