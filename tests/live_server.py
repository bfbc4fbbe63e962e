"""The app served by a real uvicorn on 127.0.0.1 (a port the system picks), in the test's
event loop, for tests that need real connections and real concurrency."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from gateway.serve import bind


@contextlib.asynccontextmanager
async def live(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app``; yield its base URL; stop the server (bounded: 10 s to start)."""
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()  # raises why it stopped
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("uvicorn did not start within 10 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
