"""What the dashboard adds to Streamlit's own web server (``serve.py``: ``st.App`` with these
routes and this middleware), because a Streamlit script can neither set response headers nor
see Streamlit's upload endpoint:

- ``POST /api/session``: sets or clears the session cookie ``cz_session`` as **HttpOnly**,
  SameSite=Strict (Secure over https), so no script in the page can read it. The page does not
  post the session token itself (it would have to pass through the page): the script that signed
  someone in hands the browser a one-time *ticket* (``issue_ticket``), valid for a minute, which
  this route exchanges for the token. Only a same-origin request is answered (a sign-in must
  not be planted from another site).
- ``UploadGuard``: Streamlit's file uploader sends files to ``/_stcore/upload_file/<session>/<id>``,
  which any visitor with the page's XSRF token can call, before signing in, and the server holds
  what it receives until the browser session ends. The guard answers 403 before a byte of the
  body is read unless the request carries the cookie of a live session of an account that may
  use 数据管理 (reporter or administrator).

Nothing here runs in a script; the app's script (``dashboard.ui.signin``) calls
``issue_ticket`` and reads ``ACTIVE`` (False under ``streamlit run dashboard/app.py`` or AppTest,
where there is no cookie and no guard).
"""

from __future__ import annotations

import secrets
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

    from data_sources.store import Store

SESSION_COOKIE = "cz_session"
SESSION_ROUTE = "/api/session"
UPLOAD_PATH = "/_stcore/upload_file/"
UPLOAD_ROLES = frozenset({"reporter", "admin"})  # the roles that may open 数据管理 (signin.ROLE_PAGES)
TICKET_SECONDS = 60
MAX_TICKETS = 10_000  # tickets only come from scripts that just signed someone in or out

ACTIVE = False  # set by routes(): the app is served through serve.py
_tickets: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def issue_ticket(token: str) -> str:
    """A one-time ticket the page exchanges at SESSION_ROUTE for the cookie of ``token`` ("" to
    clear the cookie)."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, deadline) in _tickets.items() if deadline < now]:
            del _tickets[key]
        if len(_tickets) >= MAX_TICKETS:
            _tickets.pop(next(iter(_tickets)))
        _tickets[ticket] = (token, now + TICKET_SECONDS)
    return ticket


def _redeem(ticket: str) -> str | None:
    with _lock:
        found = _tickets.pop(ticket, None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as "/path" ("" at the root): the routes and the cookie
    live under it, like the app."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


@lru_cache(maxsize=4)
def _store(url: str) -> Store:
    from data_sources.store import Store

    return Store.open(url)


def store() -> Store:
    """The store the app uses (``DASHBOARD_DB_URL`` or config.toml), opened once per process."""
    from dashboard.config import load_settings

    return _store(load_settings().resolve_database_url())


def _same_origin(request: Request) -> bool:
    """A request the app's own page made: the browser says so (Sec-Fetch-Site), or, from a
    browser that does not send it, the Origin is this host."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if not origin:
        return False
    return origin.split("://", 1)[-1] == request.headers.get("host")


def _cookie_response(request: Request, token: str) -> Response:
    from starlette.responses import Response

    from data_sources.access import SESSION_HOURS

    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600 if token else 0,
        path=base_path() or "/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


async def session_route(request: Request) -> Response:
    """POST a ticket (the body): the cookie of its session is set, HttpOnly; a ticket of ""
    clears it. Refused (403) for another site's request, an unknown or used ticket, or a
    session that is no longer live."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse

    from data_sources import access

    if not _same_origin(request):
        return PlainTextResponse("cross-site request refused", status_code=403)
    body = await request.body()
    token = _redeem(body.decode("ascii", "replace").strip()) if len(body) <= 100 else None
    if token is None:
        return PlainTextResponse("unknown ticket", status_code=403)
    if token and await run_in_threadpool(access.account_for_session, store(), token) is None:
        return PlainTextResponse("no live session", status_code=403)
    return _cookie_response(request, token)


def may_upload(token: str | None) -> bool:
    """The cookie's session is live and its account may use 数据管理."""
    from data_sources import access

    if not token:
        return False
    acc = access.account_for_session(store(), token)
    return acc is not None and acc.role in UPLOAD_ROLES


class UploadGuard:
    """ASGI middleware: Streamlit's upload endpoint only for a signed-in reporter or
    administrator (see the module docstring). A refusal is sent before the body is read."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.prefix = base_path() + UPLOAD_PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "OPTIONS" and scope["path"].startswith(self.prefix):
            from starlette.concurrency import run_in_threadpool
            from starlette.requests import Request
            from starlette.responses import PlainTextResponse

            token = Request(scope).cookies.get(SESSION_COOKIE)
            try:
                allowed = await run_in_threadpool(may_upload, token)
            except Exception:  # the database is away: no upload either
                allowed = False
            if not allowed:
                refusal = PlainTextResponse("sign in as a reporter or an administrator to upload", status_code=403)
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes() -> list[Any]:
    """The routes serve.py adds to Streamlit's (and the mark that they are there)."""
    from starlette.routing import Route

    global ACTIVE
    ACTIVE = True
    return [Route(base_path() + SESSION_ROUTE, session_route, methods=["POST"])]


def middleware() -> list[Any]:
    from starlette.middleware import Middleware

    return [Middleware(UploadGuard)]
