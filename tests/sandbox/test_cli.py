"""``bcsandbox serve`` as a user runs it: a real process on loopback, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bcsandbox.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox", timeout=0.5)
            return process, port
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"bcsandbox serve did not start: {process.stdout.read() if process.stdout else ''}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    return output


def test_serve_keeps_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.state"
    process, port = _start(["--state", str(state)])
    try:
        created = httpx.post(
            f"http://127.0.0.1:{port}/_sandbox/stores/new", json={"store_hash": "kept01", "access_token": "tok-kept"}
        )
        assert created.status_code == 201
    finally:
        output = _stop(process)
    assert "Saved state" in output
    assert state.exists()

    process, port = _start(["--state", str(state)])
    try:
        info = httpx.get(f"http://127.0.0.1:{port}/stores/kept01/v2/store", headers={"X-Auth-Token": "tok-kept"})
        assert info.status_code == 200
        assert info.json()["id"] == "kept01"
    finally:
        output = _stop(process)
    assert "Loaded 1 store(s)" in output


def test_unknown_seed_preset_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bcsandbox.cli", "serve", "--seed", "nope"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "unknown seed preset 'nope'" in result.stdout + result.stderr
