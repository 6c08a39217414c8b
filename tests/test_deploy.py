"""deploy/: the nginx configuration parses (nginx -t), the systemd unit verifies, and both agree with the app's own
settings (upload limit, trusted proxy, one environment file). nginx serving two replicas: tests/browser/test_replicas.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from db.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"
UNIT = DEPLOY / "shian@.service"
ENV_EXAMPLE = DEPLOY / "shian.env.example"


def nginx() -> str:
    """The nginx binary, or skip saying how to get it."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return found


def nginx_conf(tmp: Path, *, listen: int, replicas: tuple[int, int]) -> Path:
    """deploy/nginx.conf as nginx includes it on a server, with these ports and logs in tmp, inside a minimal main
    configuration (a server's own /etc/nginx/nginx.conf)."""
    site = NGINX_CONF.read_text(encoding="utf-8")
    for old, new in (("listen 80 default_server;", f"listen 127.0.0.1:{listen} default_server;"),
                     ("server 127.0.0.1:8501 ", f"server 127.0.0.1:{replicas[0]} "),
                     ("server 127.0.0.1:8502 ", f"server 127.0.0.1:{replicas[1]} "),
                     ("/var/log/nginx/", f"{tmp}/")):
        assert old in site, f"deploy/nginx.conf no longer has {old!r}: adjust this test"
        site = site.replace(old, new)
    (tmp / "shian.conf").write_text(site, encoding="utf-8")
    main = tmp / "nginx.conf"
    temp = "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                         "scgi"))
    main.write_text(f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
                    f"http {{\n{temp}    include {tmp}/shian.conf;\n}}\n", encoding="utf-8")
    return main


def nginx_command(binary: str, tmp: Path, conf: Path) -> list[str]:
    # -e: nginx opens its compiled-in error log before reading the configuration; keep it in tmp too.
    return [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]


def test_the_nginx_config_parses(tmp_path):
    binary = nginx()
    conf = nginx_conf(tmp_path, listen=18080, replicas=(8501, 8502))
    done = subprocess.run([*nginx_command(binary, tmp_path, conf), "-t"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "syntax is ok" in done.stderr, done.stderr


def test_nginx_takes_what_the_app_takes():
    """The body limit is Streamlit's maxUploadSize (so the app, not nginx, refuses a big file in Chinese); the
    websocket is upgraded; the browser's address goes in the headers the app reads from a trusted proxy."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    streamlit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1) == str(streamlit["server"]["maxUploadSize"])
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Host $http_host;", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Real-IP $remote_addr;", "hash $shian_route consistent;"):
        assert line in conf, line
    assert re.search(r"proxy_read_timeout\s+(\d+d|\d{4,}s?);", conf), "a websocket must outlive a short timeout"


def test_every_replica_reads_the_same_secret_and_trusts_the_local_proxy():
    env = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.lstrip().startswith("#"))
    documented = {name for name, _, _ in Settings.documented()}
    assert {"DATABASE_URL", "TRUSTED_PROXIES"} <= env.keys() and "SESSION_SECRET" not in env  # logins: in the db
    assert set(env) - documented <= {"STREAMLIT_SERVER_COOKIE_SECRET"}, "a variable the app does not read"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"
    unit = UNIT.read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/shian/shian.env" in unit  # one file, so one secret, for every replica
    assert "--server.port %i" in unit and "--server.address 127.0.0.1" in unit
    assert "streamlit run server.py" in unit  # the login endpoints and the peer middleware (server.py)


def test_the_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    # This checkout and this Python stand in for /opt/shian, so only the unit's own syntax can fail.
    unit = UNIT.read_text(encoding="utf-8")
    unit = unit.replace("/opt/shian/.venv/bin/python", sys.executable).replace("/opt/shian", str(ROOT))
    (tmp_path / "shian@.service").write_text(unit, encoding="utf-8")
    done = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "shian@8501.service")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stdout + done.stderr


BROTLI_CONF = DEPLOY / "nginx-brotli.conf"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")


def test_the_nginx_config_parses_with_the_brotli_snippet(tmp_path):
    """deploy/nginx-brotli.conf beside the site, with Debian's module loaded as modules-enabled/ loads it."""
    binary = nginx()
    if not BROTLI_MODULE.exists():
        pytest.skip("the brotli module is not installed (make sysdeps, or apt-get install libnginx-mod-http-brotli-filter)")
    conf = nginx_conf(tmp_path, listen=18081, replicas=(8501, 8502))
    text = conf.read_text(encoding="utf-8").replace(f"    include {tmp_path}/shian.conf;\n",
                                                    f"    include {tmp_path}/shian.conf;\n    include {BROTLI_CONF};\n")
    conf.write_text(f"load_module {BROTLI_MODULE};\n" + text, encoding="utf-8")
    done = subprocess.run([*nginx_command(binary, tmp_path, conf), "-t"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "syntax is ok" in done.stderr, done.stderr


def test_nginx_compresses_what_the_app_sends():
    """gzip always (the site alone parses without the brotli module), brotli for the same types in its snippet; the
    replicas are asked for plain bodies so that nginx compresses once."""
    site, snippet = NGINX_CONF.read_text(encoding="utf-8"), BROTLI_CONF.read_text(encoding="utf-8")
    assert "gzip on;" in site and 'proxy_set_header Accept-Encoding "";' in site and "brotli" not in re.sub(
        r"#[^\n]*", "", site)
    assert "brotli on;" in snippet
    types = {kind: set(re.search(rf"{kind}_types([^;]+);", text).group(1).split())
             for kind, text in (("gzip", site), ("brotli", snippet))}
    assert types["gzip"] == types["brotli"] and "application/javascript" in types["gzip"]
