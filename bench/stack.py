"""The deploy/ setup on this machine for `make load --replicas N` and bench/transfer.py: N `streamlit run server.py`
replicas on ports from --base-port (8501, 8502, … when free) behind nginx with deploy/nginx.conf (and
deploy/nginx-brotli.conf when Debian's brotli module is installed), in a temporary directory: the upstream lines and
the listen port are adapted in a copy, the logs go there too."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica_ports(n: int, base: int) -> list[int]:
    """n free loopback ports from base on (8501, 8502, … as in deploy/, skipping ports another process holds)."""
    ports, port = [], base
    while len(ports) < n:
        if port_free(port):
            ports.append(port)
        port += 1
    return ports


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def nginx_site(tmp: Path, *, listen: int, replicas: list[int]) -> str:
    """deploy/nginx.conf with this listen port, one upstream line per replica port and its logs in tmp."""
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    lines = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in replicas)
    template = ("    server 127.0.0.1:8501 max_fails=3 fail_timeout=10s;\n"
                "    server 127.0.0.1:8502 max_fails=3 fail_timeout=10s;\n")
    for old, new in ((template, lines), ("listen 80 default_server;", f"listen 127.0.0.1:{listen} default_server;"),
                     ("/var/log/nginx/", f"{tmp}/")):
        if old not in site:
            raise RuntimeError(f"deploy/nginx.conf no longer has {old!r}: adjust bench/stack.py")
        site = site.replace(old, new)
    return site


def nginx_main(tmp: Path, *, listen: int, replicas: list[int], brotli: bool | None = None) -> Path:
    """A minimal main configuration (a server's /etc/nginx/nginx.conf) including the adapted site, and the brotli
    snippet with its module when the module is installed (brotli=None) or asked for."""
    brotli = BROTLI_MODULE.exists() if brotli is None else brotli
    (tmp / "shian.conf").write_text(nginx_site(tmp, listen=listen, replicas=replicas), encoding="utf-8")
    includes = f"    include {tmp}/shian.conf;\n"
    head = ""
    if brotli:
        head = f"load_module {BROTLI_MODULE};\n"
        shutil.copyfile(DEPLOY / "nginx-brotli.conf", tmp / "shian-brotli.conf")
        includes += f"    include {tmp}/shian-brotli.conf;\n"
    temp = "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                         "scgi"))
    main = tmp / "nginx.conf"
    main.write_text(f"{head}pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{ worker_connections 4096; }}\n"
                    f"http {{\n    include /etc/nginx/mime.types;\n{temp}{includes}}}\n", encoding="utf-8")
    return main


@contextmanager
def replica(database_url: str, port: int, *, as_of: str | None, log_dir: Path, env_extra: dict | None = None,
            script: str = "server.py"):
    """`streamlit run server.py` (or another script) on this port; yields its pid once /_stcore/health answers."""
    env = {**os.environ, "DATABASE_URL": database_url, "STREAMLIT_LOGGER_LEVEL": "warning",
           "TRUSTED_PROXIES": "127.0.0.1", **(env_extra or {})}
    env.pop("AS_OF", None)
    if as_of:
        env["AS_OF"] = as_of
    log_path = log_dir / f"replica-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--global.developmentMode", "false",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while not healthy(f"http://127.0.0.1:{port}"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"replica {port} did not answer /_stcore/health:\n"
                                       + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.3)
            yield proc.pid
        finally:
            stop(proc)


@contextmanager
def nginx(tmp: Path, replicas: list[int], *, brotli: bool | None = None):
    """nginx with the adapted deploy/ config in front of these replica ports; yields its base URL."""
    binary = nginx_binary()
    if not binary:
        raise SystemExit("nginx is not installed (make sysdeps, or apt-get install nginx)")
    listen = free_port()
    conf = nginx_main(tmp, listen=listen, replicas=replicas, brotli=brotli)
    cmd = [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError("nginx -t failed:\n" + check.stderr)
    proc = subprocess.Popen([*cmd, "-g", "daemon off;"])
    base = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 30
        while not healthy(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not pass /_stcore/health:\n"
                                   + (tmp / "error.log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextmanager
def deploy_stack(database_url: str, n: int, *, base_port: int = 8501, as_of: str | None, tmp: Path,
                 brotli: bool | None = None):
    """n replicas plus nginx; yields (nginx base URL, {port: replica pid})."""
    ports = replica_ports(n, base_port)
    with ExitStack() as stack:
        pids = {p: stack.enter_context(replica(database_url, p, as_of=as_of, log_dir=tmp)) for p in ports}
        base = stack.enter_context(nginx(tmp, ports, brotli=brotli))
        yield base, pids
