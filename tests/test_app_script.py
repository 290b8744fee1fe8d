"""scripts/app.sh: the second start skips setup (a stamp of the dependency spec), so it starts with no package
index reachable, and the page listens on 127.0.0.1 only."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_and_stop(env: dict) -> tuple[int, str]:
    """Start app.sh, wait until the page answers on 127.0.0.1, stop it; (HTTP status, log)."""
    port = free_port()
    proc = subprocess.Popen(["bash", "scripts/app.sh"], cwd=ROOT, env={**env, "PORT": str(port)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    status, deadline = 0, time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status
                break
            except OSError:
                time.sleep(1)
    finally:
        os.killpg(proc.pid, 15)
        log = proc.communicate(timeout=30)[0]
    return status, log


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs the checkout's .venv")
def test_app_sh_starts_twice_the_second_time_offline_on_localhost(model):
    env = dict(os.environ)
    first, log1 = start_and_stop(env)
    assert first == 200, log1
    offline = {**env, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_INDEX": "", "PIP_FIND_LINKS": ""}
    second, log2 = start_and_stop(offline)
    assert second == 200, log2
    assert "No matching distribution" not in log2 and "Network URL" not in log2  # no setup, not exposed
    assert "127.0.0.1" in log2
