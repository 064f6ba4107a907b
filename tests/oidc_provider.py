"""A real OpenID Connect provider for tests: oidc-provider-mock in its own process and port, and
the claims of an ID token it issues, fetched through the authorization-code flow as a client
(st.login) does it and verified against the provider's keys."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest


@contextmanager
def running_provider(people: Sequence[dict[str, Any]], log_path: Path) -> Iterator[str]:
    """The issuer URL of a provider that knows ``people`` (each a dict of claims with "sub")."""
    from tests.test_browser import _free_port

    port = _free_port()
    claims = [arg for p in people for arg in ("--user-claims", json.dumps(p))]
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *claims],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                meta = httpx.get(f"{url}/.well-known/openid-configuration", timeout=2).json()
                assert meta["issuer"] == url
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"the OIDC provider did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def id_token_claims(issuer: str, sub: str, client_id: str = "chuangzheng-dashboard") -> dict[str, Any]:
    """Sign ``sub`` in at the provider (scope "openid email"), redeem the code for tokens and
    return the verified claims of the ID token: what st.user holds after st.login."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    meta = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    redirect = "http://127.0.0.1:9/oauth2callback"
    query = {
        "client_id": client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": "openid email",
        "state": "s",
        "nonce": "n",
    }
    answer = httpx.post(f"{meta['authorization_endpoint']}?{urllib.parse.urlencode(query)}", data={"sub": sub})
    assert answer.status_code == 302, answer.text[:500]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(answer.headers["location"]).query)["code"][0]
    tokens = httpx.post(
        meta["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        auth=(client_id, "not-a-real-secret"),
        timeout=10,
    ).json()
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).json())
    token = jwt.decode(tokens["id_token"], keys)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id}
    ).validate(token.claims)
    return dict(token.claims)
