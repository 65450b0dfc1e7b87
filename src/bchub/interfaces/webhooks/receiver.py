"""``POST /webhooks/bigcommerce``: check the secret header, store the event, answer 200 at once.

The work happens in jobs (``bchub.jobs.webhooks.WebhookIntake`` turns the event into them), so
the answer never waits on BigCommerce. A request without the right secret gets 401 and is not
stored; a body that is not a BigCommerce callback gets 400. A duplicate (same ``hash``) is
answered 200 like any other, so BigCommerce stops re-sending it.
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


@router.post(RECEIVER_PATH, status_code=200, response_class=Response)
async def receive_bigcommerce(request: Request) -> Response:
    intake = hub_of(request).webhooks
    if not await run_in_threadpool(intake.secrets.accepts, request.headers.get(SECRET_HEADER)):
        log.warning("webhook refused: missing or wrong %s header", SECRET_HEADER)
        return Response(status_code=401)
    raw = await request.body()
    try:
        payload = orjson.loads(raw)
        await run_in_threadpool(intake.receive, payload)
    except (orjson.JSONDecodeError, InputError) as exc:
        reason = "the body is not JSON" if isinstance(exc, orjson.JSONDecodeError) else str(exc)
        log.warning("webhook refused: %s", reason)
        return Response(content=reason, status_code=400, media_type="text/plain")
    return Response(status_code=200)
