"""``/api/v1/users``: the people who may log in to the web console (the same as ``bchub users``).

There is no role model: every console user is an administrator, and so is every API token. Any
valid API token may therefore list, add, change and remove users. Passwords come in as
``SecretStr`` (never echoed, not even by a validation error), are hashed by the service, and are
never returned or logged.
"""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response

from bchub.domain.users import User
from bchub.interfaces.api.auth import caller_of, hub_of, require_api_token
from bchub.interfaces.api.schemas import PasswordChange, UserCreate, UserOut

log = logging.getLogger(__name__)

WHO_MAY = (
    "bchub has no roles: every console user is an administrator, and any valid API token may manage users. "
    "Keep API tokens as secret as an administrator's password."
)

router = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[Depends(require_api_token)])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        created_at=user.created_at.isoformat(),
        last_login_at=_iso(user.last_login_at),
    )


@router.get("", response_model=list[UserOut], description=f"Every console user, by username. {WHO_MAY}")
def list_users(request: Request) -> list[UserOut]:
    return [user_out(user) for user in hub_of(request).users.all()]


@router.post(
    "",
    response_model=UserOut,
    status_code=201,
    description=f"Add a console user (409 if the username is taken). {WHO_MAY}",
)
def create_user(body: UserCreate, request: Request) -> UserOut:
    user = hub_of(request).users.add(body.username, body.password.get_secret_value())
    log.info("user %r added through the API by %s", user.username, caller_of(request))
    return user_out(user)


@router.put(
    "/{username}/password",
    response_model=UserOut,
    description=f"Set a new password; the user's open console sessions end at once. {WHO_MAY}",
)
def change_password(username: str, body: PasswordChange, request: Request) -> UserOut:
    user = hub_of(request).users.set_password(username, body.password.get_secret_value())
    log.info("password of user %r changed through the API by %s", user.username, caller_of(request))
    return user_out(user)


@router.delete(
    "/{username}",
    status_code=204,
    description=f"Delete a console user; their open console sessions end at once. {WHO_MAY}",
)
def delete_user(username: str, request: Request) -> Response:
    user = hub_of(request).users.remove(username)
    log.info("user %r removed through the API by %s", user.username, caller_of(request))
    return Response(status_code=204)
