"""``/login`` and ``/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bchub.errors import AuthorizationError
from bchub.interfaces.console.rendering import base_path, render
from bchub.interfaces.console.security import end_session, form_of, hub_of, session_of, start_session

router = APIRouter()


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after logging in: a console path, never another site (``//evil``, ``https://…``)."""
    base = base_path(request)
    home = base + "/"
    if not target or not target.startswith(home) or target.startswith("//") or "\\" in target:
        return home
    if any(char in target for char in "\r\n"):
        return home
    return target


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.get("/login", name="login")
def login_page(request: Request, next: str | None = None, logged_out: bool = False) -> Response:
    if isinstance(session_of(request).get("uid"), int) and next is None and not logged_out:
        return RedirectResponse(base_path(request) + "/", status_code=303)
    return render(
        request,
        "login.html",
        next=safe_next(request, next),
        logged_out=logged_out,
        no_users=hub_of(request).users.count() == 0,
    )


@router.post("/login")
def login(request: Request, form: FormData = Depends(form_of)) -> Response:
    username = _text(form, "username")
    target = safe_next(request, _text(form, "next") or None)
    hub = hub_of(request)
    try:
        signed_in = hub.users.authenticate(username, _text(form, "password"))
    except AuthorizationError as error:
        return render(
            request,
            "login.html",
            status=401,
            error=error.message,
            username=username,
            next=target,
            no_users=hub.users.count() == 0,
        )
    start_session(request, signed_in.user.id, signed_in.session_key)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse(base_path(request) + "/login?logged_out=1", status_code=303)
