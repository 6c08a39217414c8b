"""Secure defaults in the repository itself: XSRF protection on, no secrets committed, no raw HTML with data."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_xsrf_protection_stays_on():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True  # XSRF on and CORS off would turn both on anyway


def test_the_server_does_not_look_up_its_external_address_on_start():
    """A headless server's welcome banner fetches checkip.amazonaws.com; hiding the banner avoids that request."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["logger"]["hideWelcomeMessage"] is True


def test_no_secrets_file_is_tracked_and_it_is_ignored():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (e.g. an unpacked release): nothing to check
        return
    assert ".streamlit/secrets.toml" not in tracked
    ignored = subprocess.run(["git", "check-ignore", ".streamlit/secrets.toml"], cwd=ROOT, capture_output=True)
    assert ignored.returncode == 0


def test_raw_html_only_with_fixed_markup():
    """Every unsafe_allow_html in the code writes a literal (CSS), never text built from data."""
    offenders = []
    for path in [*ROOT.glob("app.py"), *ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"unsafe_allow_html\s*=\s*True", text):
            offenders.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert offenders == [], f"raw HTML written by: {offenders}"
