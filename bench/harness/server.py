"""A real ``gateway serve`` on 127.0.0.1, one process, started and always stopped by us.

The server runs as users run it (the ``gateway`` console script, uvicorn, development
settings) with ``GATEWAY_SERVER_TIMING=on`` so each response says how many SQL
statements it took. Its memory is read from ``/proc/<pid>/status`` (Linux): ``VmRSS`` now
and ``VmHWM``, the kernel's own high-water mark, which sampling could miss; psutil has
no peak on Linux, so it would add a dependency and lose the one number we need.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


class ServerError(RuntimeError):
    """The server did not start; the message carries the end of its log."""


def _gateway_command() -> list[str]:
    script = Path(sys.executable).parent / "gateway"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gateway.cli"]


def _environment(
    database_url: str, jwt_secret: str, var_dir: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The caller's environment, less the settings that would point the server elsewhere
    (another database, production keys), plus ours. The rest passes through, so that
    ``GATEWAY_GC_TUNING=off .venv/bin/python bench/load.py …`` measures that server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JWT_") and not k.endswith("DATABASE_URL")
    }
    env.update(
        GATEWAY_ENV="development",
        DATABASE_URL=database_url,
        JWT_SECRET=jwt_secret,
        GATEWAY_VAR_DIR=var_dir,
        GATEWAY_SERVER_TIMING="on",
    )
    env.update(extra or {})
    return env


def memory_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in kB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


@dataclass
class Server:
    """``async with Server(url, secret) as server``: started, ready, then stopped."""

    database_url: str
    jwt_secret: str
    port: int = 0  # 0: whichever port is free (read back from the banner)
    start_timeout: float = 120.0
    environment: dict[str, str] = field(default_factory=dict)
    """Settings for this server beyond ours (e.g. REDIS_URL, GATEWAY_LIMITS)."""
    process: subprocess.Popen[bytes] | None = None
    base_url: str = ""
    _dir: tempfile.TemporaryDirectory[str] = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="gateway-bench-")
    )

    @property
    def log(self) -> Path:
        return Path(self._dir.name) / "server.log"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def __aenter__(self) -> Server:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop()

    async def start(self) -> None:
        command = [*_gateway_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=_environment(
                    self.database_url, self.jwt_secret, self._dir.name, self.environment
                ),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us, and we stop it in order
            )
        deadline = time.monotonic() + self.start_timeout
        async with httpx.AsyncClient(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerError(
                        f"gateway serve exited with status {self.process.returncode}:\n"
                        + self.log_tail()
                    )
                if not self.base_url:
                    found = LISTENING.search(self.log.read_text(errors="replace"))
                    if found:
                        self.base_url = f"http://127.0.0.1:{found.group(1)}"
                if self.base_url:
                    try:
                        if (await client.get(f"{self.base_url}/readyz")).status_code == 200:
                            return
                    except httpx.HTTPError:
                        pass  # still starting
                await asyncio.sleep(0.2)
        raise ServerError(
            f"gateway serve was not ready within {self.start_timeout:.0f} s:\n" + self.log_tail()
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def memory_kb(self) -> tuple[int, int]:
        return memory_kb(self.pid)

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far (/proc/<pid>/stat)."""
        # Fields after the command's closing parenthesis: utime and stime are 14th and 15th.
        rest = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down cleanly), then SIGKILL after 10 s. Idempotent."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._dir.cleanup()
