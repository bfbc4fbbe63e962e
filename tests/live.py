"""A live gateway for tests, on 127.0.0.1 and a port the system picks, stopped when the
block ends: ``serve`` runs ``gateway serve`` as users do (a process of its own);
``live`` serves a given app with a real uvicorn in the test's event loop, for tests that
need real connections and real concurrency against an app they configured."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator

from starlette.applications import Starlette

from gateway.serve import in_loop


@contextlib.contextmanager
def serve(env: dict[str, str]) -> Iterator[str]:
    """Run ``gateway serve --port 0`` with ``env`` added to ours; yields its base URL
    (http://127.0.0.1:PORT) once /readyz answers. Bounded: 60 s to start."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", "0"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        url, deadline = None, time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "gateway serve exited before listening"
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            url = found and found.group(1)
        assert url, "no banner within 60 s"
        threading.Thread(target=process.stderr.read, daemon=True).start()  # keep draining
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{url}/readyz", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.asynccontextmanager
async def live(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app`` in the test's event loop; yield its base URL (gateway/serve.py)."""
    async with in_loop(app) as url:
        yield url
