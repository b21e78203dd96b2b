"""The bare baseline of `bench_fanout.py`: the thinnest websocket broadcaster Python has.

websockets' new asyncio server (`websockets.asyncio.server.serve`) with `broadcast()`, per-message compression off,
no keepalive pings, uvloop when installed (uvicorn uses it too). 127.0.0.1 only.

* `GET /healthz`: 200 (the harness waits for it).
* `WS /ws/...` (any path under /ws/): a screen. It gets `{"type":"snapshot","version":0,...}` padded to the payload
  size, then every broadcast.
* `WS /control`: the trigger. Each text message `N` (a version number) makes the server build
  `{"type":"update","previous":N-1,"version":N,"pad":"..."}` of exactly `--payload-bytes` bytes and hand it to
  `broadcast()` for every screen; it then answers `N` on the control socket.

Not meant to be started by hand (bench_fanout.py starts it pinned to one CPU), but it can be:

    .venv/bin/python bench/fanout_bare.py --port 8765 --payload-bytes 2600
"""

from __future__ import annotations

import argparse
import asyncio
import http
import json
import os
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

SCREENS: set[ServerConnection] = set()


def message(kind: str, version: int, size: int) -> str:
    """A JSON text of exactly `size` bytes (ASCII) when size allows it."""
    head = {"type": kind, "previous": version - 1, "version": version, "pad": ""}
    bare = json.dumps(head, separators=(",", ":"))
    head["pad"] = "x" * max(0, size - len(bare))
    return json.dumps(head, separators=(",", ":"))


def process_request(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/healthz":
        return connection.respond(http.HTTPStatus.OK, "ok\n")
    if request.path == "/control" or request.path.startswith("/ws/"):
        return None
    return connection.respond(http.HTTPStatus.NOT_FOUND, "not found\n")


def handler_for(size: int):  # type: ignore[no-untyped-def]
    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path == "/control":
            async for text in connection:
                version = int(text)
                broadcast(SCREENS, message("update", version, size))
                await connection.send(str(version))
            return
        await connection.send(message("snapshot", 0, size))
        SCREENS.add(connection)
        try:
            await connection.wait_closed()
        finally:
            SCREENS.discard(connection)

    return handler


async def main_async(port: int, size: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler_for(size),
        "127.0.0.1",
        port,
        process_request=process_request,
        compression=None,
        ping_interval=None,
        backlog=4096,
    ):
        print(f"bare: serving 127.0.0.1:{port} pid {os.getpid()}", file=sys.stderr, flush=True)
        await stop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--payload-bytes", type=int, default=2600)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main_async(args.port, args.payload_bytes))
    else:
        uvloop.run(main_async(args.port, args.payload_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
