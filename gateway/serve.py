"""``gateway serve``: bind the port, then say where GraphiQL is, then run uvicorn.

The socket is bound here, before uvicorn starts, so that a busy port is one line of
refusal and the banner appears only once the address is really ours (with ``--port 0``
it names the port the system chose). Connections that arrive while the app starts
wait in the listen queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from gateway.devdata import Choices
from gateway.settings import Settings


class BindError(OSError):
    """The address cannot be listened on; the message says which and why."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise BindError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)  # the --reload supervisor hands it to its worker process
    return sock


@contextlib.asynccontextmanager
async def in_loop(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn in the running event loop on 127.0.0.1 and a port the
    system picks; yield its base URL; stop it at the end (bounded: 10 s to start). For
    tests and benchmarks that need real connections to an app they configured."""
    import uvicorn

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


def program() -> str:
    """How the user ran this command (".venv/bin/gateway" from a checkout), so that the
    commands the banner suggests can be pasted as they are."""
    path = Path(sys.argv[0])
    if path.name != "gateway":
        return "gateway"
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return "gateway" if shutil.which("gateway") == str(path) else str(path)
    return str(relative)


def token_commands(found: Choices | None, prog: str = "gateway") -> list[str]:
    """One ``gateway token`` command per role, each for an organisation with data."""
    lines = [f"{prog} token --role admin", f"{prog} token --role finance"]
    if found is None:
        return lines
    if found.schools:
        s = found.schools[0]
        lines.append(
            f"{prog} token --role school_user --school-urn {s.urn}"
            f"   # {s.name}: {s.current} current ECTs"
        )
    if found.appropriate_bodies:
        b = found.appropriate_bodies[0]
        lines.append(
            f"{prog} token --role appropriate_body_user --appropriate-body-id {b.id}"
            f"   # {b.name}: {b.current} current inductions"
        )
    if found.lead_providers:
        p = found.lead_providers[0]
        lines.append(
            f"{prog} token --role lead_provider --lead-provider-id {p.id}"
            f"   # {p.name}: {p.current} current participants"
        )
    return lines


def banner(settings: Settings, url: str, found: Choices | None) -> str:
    from gateway.ide import IDE

    lines = [f"gateway ({settings.environment}) listening on {url}", f"GraphiQL: {url}/graphql"]
    if not IDE.files_installed(settings):
        lines.append(
            "  GraphiQL's files are missing: run `npm ci --omit=dev` in the project folder "
            "(the API works without them)"
        )
    if settings.environment == "development":
        lines += [
            "  GraphiQL opens with a development admin token in its Headers and one tab per",
            "  operation under operations/, each with a token of its role.",
            'Tokens for other callers (send as the header "Authorization: Bearer <token>"):',
            *(f"  {line}" for line in token_commands(found, program())),
            f"  {program()} token --list   shows more organisations with data, for every role",
        ]
    else:
        lines.append(
            "  Callers authenticate with the identity provider's JWTs (RS256) or lead "
            "provider API tokens; development tokens are refused here."
        )
    return "\n".join(lines)


def run(settings: Settings, host: str, port: int, reload: bool, found: Choices | None) -> None:
    import uvicorn
    from uvicorn.supervisors import ChangeReload

    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    print(banner(settings, f"http://{shown_host}:{bound_port}", found), file=sys.stderr, flush=True)
    config = uvicorn.Config(
        "gateway.app:create_app",
        factory=True,
        host=host,
        port=bound_port,
        reload=reload,
        log_level="info",
        access_log=False,
        # h11, not httptools: httptools reads a request's headers whatever their size
        # (a 16 MB Authorization header was read and answered); h11 refuses a request
        # line and headers over MAX_HEADER_BYTES with a 400 and closes the connection.
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    server = uvicorn.Server(config)
    if reload:
        ChangeReload(config, target=server.run, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
