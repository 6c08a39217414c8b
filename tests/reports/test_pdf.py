"""The briefing through LibreOffice headless: a PDF whose text is Chinese and whose pages turn into PNGs (pdftoppm),
with the document's own fonts embedded (pdffonts) and drawn with their SC faces. Skips saying why when LibreOffice
or poppler-utils is missing (make sysdeps installs them as root); fails under CI=true, where the PDF must be
checked."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import docx
import pytest
from PIL import Image
from sqlmodel import Session

from reports import briefing, typeset
from tests.reports.test_typeset import sc_or_jp

IN_CI = os.environ.get("CI", "").lower() == "true"
# LibreOffice's conversion does not depend on the database; the briefing itself runs on PostgreSQL in test_briefing.
pytestmark = pytest.mark.covered_on_pg


def require_tools() -> None:
    missing = [name for name, found in (("LibreOffice (soffice)", briefing.soffice()),
                                        ("pdftoppm", shutil.which("pdftoppm")),
                                        ("pdftotext", shutil.which("pdftotext")),
                                        ("pdffonts", shutil.which("pdffonts"))) if not found]
    if missing:
        reason = f"{'、'.join(missing)} not installed (make sysdeps as root installs them)"
        if IN_CI:
            pytest.fail(f"CI=true requires the PDF test: {reason}")
        pytest.skip(reason)


def test_pdf_has_chinese_text_and_renders_pages(pack_db, tmp_path):
    require_tools()
    with Session(pack_db) as session:
        pack = briefing.gather(year=2022, month=10, as_of=dt.date(2022, 10, 31), session=session)
    pdf = briefing.pdf_bytes(briefing.docx_bytes(pack))
    assert pdf is not None and pdf.startswith(b"%PDF")
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "食品安全工作情况汇报" in text
    assert "77.8%" in text and "双山所" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", str(path), str(tmp_path / "page")],
                   check=True, timeout=120)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


# The PostScript names LibreOffice embeds the Noto CJK faces under. The collection's faces share one CFF table,
# named after its first (JP) face, so the name says "jp" whichever face is used: which glyphs were drawn is checked
# by their pixels below.
NOTO = {"Noto Serif CJK SC": "NotoSerifCJK", "Noto Sans CJK SC": "NotoSansCJK"}


def pdf_fonts(path) -> list[tuple[str, str]]:
    """(font name without its subset tag, emb) for every font pdffonts lists."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    rows = []
    for line in out.splitlines()[2:]:
        m = re.match(r"(?:[A-Z]{6}\+)?(\S+)\s+.*?\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert m, line
        rows.append((m.group(1), m.group(2)))
    return rows


def test_pdf_embeds_the_documents_fonts(pack_db, tmp_path):
    require_tools()
    with Session(pack_db) as session:
        pack = briefing.gather(year=2022, month=10, as_of=dt.date(2022, 10, 31), charts=False, session=session)
    path = tmp_path / "briefing.pdf"
    path.write_bytes(briefing.pdf_bytes(briefing.docx_bytes(pack)))
    fonts = pdf_fonts(path)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    chosen = typeset.choose_fonts()
    if {chosen.title, chosen.heading, chosen.body, chosen.latin} <= set(NOTO):
        # nothing substituted (no DejaVu, no Liberation): the body's serif and the headings' sans, and only they
        assert {name.split("-")[0].removesuffix("jp").removesuffix("sc") for name, _ in fonts} == set(NOTO.values())


def test_pdf_draws_the_sc_faces(tmp_path):
    """骨 in the body and the heading font, converted by LibreOffice: the glyphs are the SC faces', not the JP."""
    require_tools()
    fonts = typeset.choose_fonts()
    if {fonts.heading, fonts.body} - set(NOTO):
        pytest.skip(f"this machine has the 公文 fonts ({fonts.heading}, {fonts.body}), not the Noto fallback")
    for family, face in (("Noto Serif CJK", fonts.body), ("Noto Sans CJK", fonts.heading)):
        d = docx.Document()
        typeset.set_run_fonts(d.add_paragraph().add_run("骨"), fonts, face, 120)
        buf = io.BytesIO()
        d.save(buf)
        pdf = tmp_path / f"{family}.pdf"
        pdf.write_bytes(briefing.pdf_bytes(buf.getvalue()))
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(tmp_path / family)],
                       check=True, timeout=120)
        assert sc_or_jp(Image.open(tmp_path / f"{family}.png"), "骨", family) == "SC", family
