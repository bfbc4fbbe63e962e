"""A live gateway for tests: ``gateway serve`` (uvicorn) on 127.0.0.1 and a free port,
stopped when the block ends."""

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
from collections.abc import Iterator


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
