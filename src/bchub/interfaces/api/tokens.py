"""``/api/v1/tokens``: bearer tokens for this API (the same as ``bchub tokens``).

Tokens are not tied to a user and there are no roles: any valid API token may list, create and
revoke tokens, its own included. A new token's value is in the answer to its creation and nowhere
else: the hub stores only its hash, lists show only its first characters, and nothing logs it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response

from bchub.domain.users import ApiToken
from bchub.interfaces.api.auth import caller_of, hub_of, require_api_token
from bchub.interfaces.api.schemas import TokenCreate, TokenCreated, TokenOut
from bchub.storage.repositories import utc_now

log = logging.getLogger(__name__)

WHO_MAY = (
    "bchub has no roles and tokens belong to no user: any valid API token may list, create and revoke tokens "
    "(its own included)."
)

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], dependencies=[Depends(require_api_token)])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def token_out(token: ApiToken, now: datetime) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.shown,
        state=token.state(now).value,
        created_at=token.created_at.isoformat(),
        expires_at=_iso(token.expires_at),
        last_used_at=_iso(token.last_used_at),
        revoked_at=_iso(token.revoked_at),
    )


@router.get(
    "",
    response_model=list[TokenOut],
    description=f"Every token (active, revoked, expired), without its value. {WHO_MAY}",
)
def list_tokens(request: Request) -> list[TokenOut]:
    now = utc_now()
    return [token_out(token, now) for token in hub_of(request).tokens.all()]


@router.post(
    "",
    response_model=TokenCreated,
    status_code=201,
    description=(
        "Create a token. Its value is in this answer only: copy it now, it cannot be shown again "
        f"(409 if the name was ever used). {WHO_MAY}"
    ),
)
def create_token(body: TokenCreate, request: Request, response: Response) -> TokenCreated:
    created = hub_of(request).tokens.create(body.name, expires_in_days=body.expires_days)
    response.headers["Cache-Control"] = "no-store"  # no proxy or browser cache keeps the value
    log.info(
        "API token %r (%s…) created through the API by %s", created.token.name, created.token.shown, caller_of(request)
    )
    return TokenCreated(**token_out(created.token, utc_now()).model_dump(), value=created.value)


@router.post(
    "/{token}/revoke",
    response_model=TokenOut,
    description=(
        "Stop a token (by name, or id) from working, at once; it stays listed as revoked. Revoking an "
        f"already revoked token changes nothing. {WHO_MAY}"
    ),
)
def revoke_token(token: str, request: Request) -> TokenOut:
    revoked = hub_of(request).tokens.revoke(token)
    log.info("API token %r (%s…) revoked through the API by %s", revoked.name, revoked.shown, caller_of(request))
    return token_out(revoked, utc_now())
