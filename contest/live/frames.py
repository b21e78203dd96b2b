"""What reaches a standings socket, below the hub: a message as an ASGI event, the same message framed once as a
server frames it (RFC 6455) for writing straight to uvicorn's `websockets-sansio` protocol while it is open for
writing, and a send that could not finish at once, run to its end outside a task of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

from websockets.protocol import State

Event = dict[str, Any]  # an ASGI message: {"type": "websocket.send", "text": ...}
Send = Callable[[Event], Coroutine[Any, Any, None]]  # a socket's ASGI send (the server's own, see web/live.py)


def text_event(text: str) -> Event:
    """One message for every socket of a view: servers only read it, so the same dict goes to all."""
    return {"type": "websocket.send", "text": text}


def text_frame(text: str) -> bytes:
    """A final, unmasked, uncompressed text frame (RFC 6455 5.2) as a server sends it: the same bytes for every
    socket that negotiated no extension."""
    data = text.encode()
    size = len(data)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + data


PING_TEXT = json.dumps({"type": "ping"})
PING = text_event(PING_TEXT)
PING_FRAME = text_frame(PING_TEXT)


async def resume(coroutine: Coroutine[Any, Any, None], suspended: Any) -> None:
    """Run a coroutine that suspended on its first step to the end, as a task would have (an eager start)."""
    while True:
        try:
            if suspended is None:  # a bare yield (sleep(0))
                await asyncio.sleep(0)
            else:
                suspended._asyncio_future_blocking = False  # taken, as a task takes it, before waiting on it
                await suspended  # the future it waits on; its outcome reaches it when it resumes
        except asyncio.CancelledError:
            raise
        except Exception:  # the coroutine sees the same error when it resumes
            pass
        try:
            suspended = coroutine.send(None)
        except StopIteration:
            return


_DIRECT_ATTRIBUTES = ("transport", "conn", "writable", "close_sent", "disconnected", "initial_response")


def direct_protocol(send: Send) -> Any:
    """The protocol object behind a socket's ASGI send, when it is uvicorn's websockets-sansio protocol (or a
    subclass) with no extension negotiated: frames may then be written to its transport. Anything else: None, and
    the hub uses the ASGI send."""
    protocol = getattr(send, "__self__", None)
    if protocol is None or not all(hasattr(protocol, name) for name in _DIRECT_ATTRIBUTES):
        return None
    if not any(cls.__name__ == "WebSocketsSansIOProtocol" for cls in type(protocol).__mro__):
        return None
    if getattr(protocol.conn, "extensions", None) != [] or not isinstance(protocol.writable, asyncio.Event):
        return None  # per-message compression frames each socket's messages differently
    return protocol


def open_for_writing(protocol: Any) -> bool:
    """Whether the server's own send would write a frame at once now: the handshake done, no close sent or
    received, the connection open and its transport below its high-water mark (else: the ASGI send, which waits)."""
    return (
        protocol.writable.is_set()
        and not protocol.close_sent
        and not protocol.disconnected
        and protocol.initial_response is None
        and protocol.conn.state is State.OPEN
        and not protocol.transport.is_closing()
    )
