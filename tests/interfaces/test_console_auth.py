"""Console login, sessions and CSRF, through httpx against the app ``bchub serve`` runs."""

from __future__ import annotations

import httpx
import pytest

from bchub.app import Hub
from tests.browser.support import (
    PASSWORD,
    USERNAME,
    cheap_passwords,
    console_client,
    csrf_of,
    log_in,
    logged_in,
    page_csrf,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _cheap_passwords(hub: Hub) -> None:
    cheap_passwords(hub)


def cookie_header(response: httpx.Response) -> str:
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    return headers[0]


async def test_pages_need_a_login_and_come_back_after_it(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        home = await client.get("/")
        assert (home.status_code, home.headers["location"]) == (307, "/console/")
        page = await client.get("/console/connections?x=1")
        assert (page.status_code, page.headers["location"]) == (303, "/console/login?next=/console/connections%3Fx%3D1")
        login = await client.get(page.headers["location"])
        assert login.status_code == 200 and 'value="/console/connections?x=1"' in login.text
        answer = await client.post(
            "/console/login",
            data={
                "username": "Alice",
                "password": PASSWORD,
                "csrf_token": csrf_of(login.text),
                "next": "/console/connections?x=1",
            },
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/connections?x=1")
        assert (await client.get("/console/connections")).status_code == 200
    assert hub.users.all()[0].last_login_at is not None


async def test_the_login_page_says_how_to_create_the_first_user(hub: Hub) -> None:
    async with console_client(hub) as client:
        assert "bchub users add &lt;username&gt;" in (await client.get("/console/login")).text
        hub.users.add(USERNAME, PASSWORD)
        assert "bchub users add" not in (await client.get("/console/login")).text


async def test_a_wrong_password_or_unknown_user_gets_one_message_and_no_session(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        for username, password in ((USERNAME, "wrong password"), ("mallory", PASSWORD)):
            answer = await log_in(client, username, password)
            assert answer.status_code == 401 and "wrong username or password" in answer.text
            assert (await client.get("/console/")).status_code == 303


async def test_repeated_failures_lock_the_username_for_a_while(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        for _ in range(5):
            assert (await log_in(client, USERNAME, "wrong password")).status_code == 401
        locked = await log_in(client)  # even the right password waits now
        assert locked.status_code == 401 and "too many failed logins for &#39;alice&#39;" in locked.text
    hub.users.set_password(USERNAME, PASSWORD)  # an administrator's reset lifts it
    async with console_client(hub) as client:
        assert (await log_in(client)).status_code == 303


async def test_the_session_cookie_is_httponly_lax_and_secure_over_https(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        plain = cookie_header(await log_in(client))
    assert plain.startswith("bchub_console=") and "HttpOnly" in plain and "SameSite=Lax" in plain
    assert "Path=/console" in plain and "Secure" not in plain
    async with console_client(hub, https=True) as client:
        secure = cookie_header(await log_in(client))
        assert "Secure" in secure and "HttpOnly" in secure
        assert (await client.get("/console/")).status_code == 200


async def test_pages_carry_security_headers(hub: Hub) -> None:
    async with logged_in(hub) as client:
        page = await client.get("/console/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert "/console/static/htmx.min.js" in page.text


async def test_static_files_are_served_without_a_login(hub: Hub) -> None:
    async with console_client(hub) as client:
        script = await client.get("/console/static/htmx.min.js")
        style = await client.get("/console/static/console.css")
    assert script.status_code == 200 and script.text.startswith("var htmx=")
    assert style.status_code == 200 and "cache-control" not in {
        name.lower() for name in style.headers if name == "no-store"
    }


async def test_login_without_or_with_a_wrong_csrf_token_is_refused(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        await client.get("/console/login")
        missing = await client.post("/console/login", data={"username": USERNAME, "password": PASSWORD})
        assert missing.status_code == 403 and "CSRF" in missing.text
        wrong = await client.post(
            "/console/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": "forged"}
        )
        assert wrong.status_code == 403
        assert (await client.get("/console/")).status_code == 303  # still logged out


async def test_a_token_from_before_login_is_useless_after_it(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as client:
        before = csrf_of((await client.get("/console/login")).text)
        await client.post(
            "/console/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": before, "next": ""}
        )
        refused = await client.post("/console/logout", data={"csrf_token": before})
        assert refused.status_code == 403
        assert (await client.get("/console/")).status_code == 200


async def test_every_form_and_htmx_request_needs_the_csrf_token(hub: Hub) -> None:
    async with logged_in(hub) as client:
        token = await page_csrf(client)
        for path in (
            "/console/connections/new",
            "/console/connections/1",
            "/console/connections/1/test",
            "/console/connections/1/delete",
            "/console/logout",
        ):
            assert (await client.post(path, data={"name": "x"})).status_code == 403, path
            assert (
                await client.post(path, headers={"X-CSRF-Token": "forged", "HX-Request": "true"})
            ).status_code == 403
        # the right token gets past the check (to a 404: there is no connection 1)
        found = await client.post("/console/connections/1/test", headers={"X-CSRF-Token": token, "HX-Request": "true"})
        assert found.status_code == 404
        multipart = await client.post(
            "/console/connections/new", data={"role": "merchant"}, files={"credentials_file": ("c.txt", b"nope")}
        )
        assert multipart.status_code == 403
    assert hub.connections.all() == []


async def test_logout_ends_the_session(hub: Hub) -> None:
    async with logged_in(hub) as client:
        token = await page_csrf(client)
        answer = await client.post("/console/logout", data={"csrf_token": token})
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login?logged_out=1")
        assert "Max-Age=0" in cookie_header(answer)
        assert (await client.get("/console/")).status_code == 303
        assert "You are logged out" in (await client.get("/console/login?logged_out=1")).text


async def test_a_new_password_or_removing_the_user_ends_their_sessions(hub: Hub) -> None:
    async with logged_in(hub) as client:
        hub.users.set_password(USERNAME, "another long password")
        assert (await client.get("/console/")).status_code == 303
    hub.users.set_password(USERNAME, PASSWORD)
    async with logged_in(hub) as client:
        hub.users.remove(USERNAME)
        assert (await client.get("/console/")).status_code == 303


async def test_a_tampered_cookie_is_no_session(hub: Hub) -> None:
    async with logged_in(hub) as client:
        value = client.cookies["bchub_console"]
        client.cookies.clear()
        client.cookies.set(
            "bchub_console", value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1], path="/console"
        )
        assert (await client.get("/console/")).status_code == 303


async def test_login_never_redirects_to_another_site(hub: Hub) -> None:
    hub.users.add(USERNAME, PASSWORD)
    for target in ("//evil.example/", "https://evil.example/", "/console/\\evil", "/elsewhere", ""):
        async with console_client(hub) as client:
            token = csrf_of((await client.get("/console/login")).text)
            answer = await client.post(
                "/console/login",
                data={"username": USERNAME, "password": PASSWORD, "csrf_token": token, "next": target},
            )
            assert answer.headers["location"] == "/console/", target


async def test_an_htmx_request_without_a_session_is_sent_to_the_login(hub: Hub) -> None:
    async with console_client(hub) as client:
        await client.get("/console/login")
        answer = await client.get(
            "/console/connections",
            headers={"HX-Request": "true", "HX-Current-URL": "http://bchub.test/console/connections/3"},
        )
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"] == "/console/login?next=/console/connections/3"


PAGES = (
    "/",
    "/connections",
    "/connections/new",
    "/connections/1",
    "/jobs",
    "/jobs/1",
    "/webhooks",
    "/orders",
    "/orders/1/1",
)


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_needs_a_login(hub: Hub, path: str) -> None:
    async with console_client(hub) as client:
        answer = await client.get("/console" + path)
    assert answer.status_code == 303 and answer.headers["location"] == f"/console/login?next=/console{path}"
