"""What serve.py adds to Streamlit's server (dashboard/server.py), over HTTP with Starlette's test
client: the route that sets the session cookie HttpOnly for a one-time ticket from the page's own
origin only, and the guard that answers Streamlit's upload endpoint with 403 before reading a
byte unless the cookie is a live session of a reporter or administrator. The browser tests run
the same through serve.py (tests/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard import server
from dashboard.config import ENV_DB_URL
from data_sources import access
from data_sources.access import SESSION_HOURS
from data_sources.store import Store

SAME = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv(ENV_DB_URL, url)
    monkeypatch.setattr(server, "ACTIVE", server.ACTIVE)  # routes() marks the process as served
    s = Store.open(url)
    access.add_user(s, "boss", "admin", password="boss-password")
    access.add_user(s, "wang", "viewer", password="wang-password")
    access.add_user(s, "li", "reporter", ["一车间"], password="li-password")
    try:
        yield s
    finally:
        s.close()
        server._store.cache_clear()


def upload_endpoint(reached: list[bytes]):
    """Stands in for Streamlit's upload handler: notes the body it reads."""

    async def put(request: Request) -> Response:
        reached.append(await request.body())
        return Response(status_code=204)

    return put


@pytest.fixture
def client(store: Store) -> Iterator[tuple[TestClient, list[bytes]]]:
    reached: list[bytes] = []
    app = Starlette(
        routes=[*server.routes(), Route("/_stcore/upload_file/{sid}/{fid}", upload_endpoint(reached), methods=["PUT"])],
        middleware=server.middleware(),
    )
    with TestClient(app, base_url="http://127.0.0.1:8501") as c:
        yield c, reached


def test_a_ticket_sets_the_cookie_httponly_once_and_only_from_the_app_itself(client, store: Store) -> None:
    c, _ = client
    token = access.start_session(store, "boss")
    ticket = server.issue_ticket(token)
    for headers in ({}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        assert c.post(server.SESSION_ROUTE, content=ticket, headers=headers).status_code == 403
    answer = c.post(server.SESSION_ROUTE, content=ticket, headers=SAME)
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"cz_session={token};")
    parts = {p.strip().split("=")[0].lower() for p in cookie.split(";")}
    assert {"httponly", "path", "max-age", "samesite"} <= parts and "secure" not in parts
    assert f"Max-Age={SESSION_HOURS * 3600}" in cookie and "SameSite=strict" in cookie
    assert c.post(server.SESSION_ROUTE, content=ticket, headers=SAME).status_code == 403  # used
    assert c.post(server.SESSION_ROUTE, content="made-up", headers=SAME).status_code == 403

    ended = server.issue_ticket(token)
    access.end_session(store, token)
    assert c.post(server.SESSION_ROUTE, content=ended, headers=SAME).status_code == 403  # no live session

    cleared = c.post(server.SESSION_ROUTE, content=server.issue_ticket(""), headers=SAME)
    assert cleared.status_code == 204 and "Max-Age=0" in cleared.headers["set-cookie"]
    origin = c.post(server.SESSION_ROUTE, content=server.issue_ticket(""), headers={"Origin": "http://127.0.0.1:8501"})
    assert origin.status_code == 204  # a browser without Sec-Fetch-Site: the Origin is this host


def test_the_cookie_is_secure_over_https(store: Store) -> None:
    app = Starlette(routes=server.routes())
    with TestClient(app, base_url="https://dashboard.example") as c:
        answer = c.post(
            server.SESSION_ROUTE, content=server.issue_ticket(access.start_session(store, "li")), headers=SAME
        )
    assert answer.status_code == 204 and "; Secure" in answer.headers["set-cookie"]


def test_an_expired_ticket_is_refused(client, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    c, _ = client
    ticket = server.issue_ticket(access.start_session(store, "boss"))
    monkeypatch.setattr(server, "TICKET_SECONDS", -1)
    late = server.issue_ticket(access.start_session(store, "boss"))
    assert c.post(server.SESSION_ROUTE, content=late, headers=SAME).status_code == 403
    assert c.post(server.SESSION_ROUTE, content=ticket, headers=SAME).status_code == 204


def test_the_upload_endpoint_is_for_signed_in_reporters_and_administrators(client, store: Store) -> None:
    c, reached = client
    url = "/_stcore/upload_file/3f1c2d4e-0000-4000-8000-000000000000/file-1"
    body = b"x" * 100_000
    ended = access.start_session(store, "boss")
    access.end_session(store, ended)
    for cookie in (None, "forged", access.start_session(store, "wang"), ended):
        c.cookies.clear()
        if cookie:
            c.cookies.set("cz_session", cookie)
        answer = c.put(url, content=body)
        assert answer.status_code == 403, cookie
    assert reached == []  # the handler never ran: nothing was read or kept
    for name in ("li", "boss"):
        c.cookies.set("cz_session", access.start_session(store, name))
        assert c.put(url, content=body).status_code == 204
    assert reached == [body, body]


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port`` (Linux /proc/net/tcp{,6})."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_make_run_serves_this_computer_only(tmp_path: Path) -> None:
    """Issue 11.4: Streamlit listened on every interface. `make run` passes ADDRESS (default
    127.0.0.1), and the repository's .streamlit/config.toml says the same to a bare
    `streamlit run serve.py`: started so, the server listens on the loopback address only."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.test_browser import ROOT, _free_port

    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "streamlit run serve.py" in dry.stdout and "--server.address 127.0.0.1" in dry.stdout, dry.stdout

    port = _free_port()
    env = {**os.environ, "DASHBOARD_DB_URL": f"sqlite:///{tmp_path / 'bind.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "streamlit did not start"
                time.sleep(0.3)
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        proc.terminate()
        proc.wait(20)
