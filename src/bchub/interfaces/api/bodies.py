"""Raw request bodies (CSV uploads) read with a size limit, so a huge body is refused before it fills memory."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException

from bchub.errors import InputError


def _too_large(what: str, limit: int) -> HTTPException:
    return HTTPException(413, f"{what} is over {limit // 1_000_000} MB; split it")


async def read_text(request: Request, *, limit: int, what: str) -> str:
    """The body as UTF-8 text (a byte-order mark is dropped): 413 past ``limit`` bytes, 422 if it is not text.

    A ``Content-Length`` over the limit is refused before reading; a body without one (chunked) is
    read only until it passes the limit.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(what, limit)
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise _too_large(what, limit)
    try:
        return bytes(received).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text") from None
