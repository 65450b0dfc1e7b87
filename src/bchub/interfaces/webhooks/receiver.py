"""``POST /webhooks/bigcommerce``: check the secret header, store the event, answer 200 at once.

The work happens in jobs (``bchub.jobs.webhooks.WebhookIntake`` turns the event into them), so
the answer never waits on BigCommerce. What a sender sees:

- 401 ``missing or wrong X-Bchub-Webhook-Secret header``: the secret header is absent or wrong;
  nothing is read or stored.
- 413: the body is larger than ``MAX_BODY_BYTES`` (a BigCommerce callback is well under 1 KB).
- 400 with the reason as plain text: the body is empty, not JSON, or not a BigCommerce callback.
- 200 (empty): stored; also for a duplicate (same ``hash``), a scope bchub does not act on, or a
  store it has no connection for, so BigCommerce stops re-sending them.
- 500: the hub could not store the event (its database failed); BigCommerce sends it again later.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from bchub.errors import InputError
from bchub.interfaces.api.auth import hub_of
from bchub.jobs.webhooks import RECEIVER_PATH, SECRET_HEADER

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 256 * 1024
REFUSED_SECRET = f"missing or wrong {SECRET_HEADER} header"
TOO_LARGE = f"the body is larger than {MAX_BODY_BYTES} bytes"


def _refused(status: int, reason: str) -> Response:
    log.warning("webhook refused (%d): %s", status, reason)
    return Response(content=reason, status_code=status, media_type="text/plain")


async def _body(request: Request) -> bytes | None:
    """The body, or None once it grows past ``MAX_BODY_BYTES`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(RECEIVER_PATH, status_code=200, response_class=Response)
async def receive_bigcommerce(request: Request) -> Response:
    intake = hub_of(request).webhooks
    if not await run_in_threadpool(intake.secrets.accepts, request.headers.get(SECRET_HEADER)):
        return _refused(401, REFUSED_SECRET)
    raw = await _body(request)
    if raw is None:
        return _refused(413, TOO_LARGE)
    if not raw.strip():
        return _refused(400, "the body is empty")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _refused(400, "the body is not JSON")
    try:
        await run_in_threadpool(intake.receive, payload)
    except InputError as exc:
        return _refused(400, str(exc))
    return Response(status_code=200)
