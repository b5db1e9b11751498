"""The marketing service (marketing_service.py) in a process of its own on loopback, for the tests
and the benchmark: start it, switch its faults, read what it holds and what it received, kill it.

A real process, not an app called in-process: a test can kill it half-way through a sync, and
what the platform sends crosses a real socket.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from simulator.marketing_service import TOKEN_VARIABLE

REPOSITORY = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LoopbackMarketingService:
    """`python -m simulator.marketing_service` on 127.0.0.1, its contacts under `data_dir`."""

    def __init__(self, data_dir: Path, token: str | None = None, rate_limit: int = 0) -> None:
        self.data_dir = data_dir
        self.token = token or f"test-token-{secrets.token_hex(8)}"
        self.rate_limit = rate_limit
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "marketing-service.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """What the platform needs to reach this service."""
        return {"MARKETING_API_URL": self.url, TOKEN_VARIABLE: self.token}

    def start(self, wait: bool = True) -> LoopbackMarketingService:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "simulator.marketing_service", "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--rate-limit", str(self.rate_limit),
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPOSITORY,
                env={**os.environ, TOKEN_VARIABLE: self.token},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_until_up()
        return self

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the marketing service exited: {self.log.read_text()[-2000:]}")
            try:
                self.stats()
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise TimeoutError(f"the marketing service did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: the outage a sync meets half-way."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests received by kind (upsert, delete, list, admin) and responses by status."""
        return self._call("GET", "/admin/stats")

    def fault(self, **fault: Any) -> None:
        """The next `count` requests (after `after` pass) answer `status`, or hang
        `hang_seconds` first (simulator.marketing_service.Fault)."""
        self._call("POST", "/admin/faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "/admin/faults")

    def contacts(self) -> dict[str, dict[str, Any]]:
        """Every contact the service holds: its properties by key."""
        held: dict[str, dict[str, Any]] = {}
        after = ""
        while True:
            page = self._call("GET", f"/v1/contacts?limit=1000&after={after}")
            held.update({c["key"]: c["properties"] for c in page["contacts"]})
            if not page["next"]:
                return held
            after = page["next"]
