"""Staff authenticate with JWTs from a configured issuer; anything not signed, addressed and timed right is 401."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from .support import EXTERNAL_AUDIENCE, EXTERNAL_ISSUER, ExternalIdp, b64url, bearer, compact


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="joinedup", error="invalid_token"'
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert reason in body["detail"]
    assert "idp-user-42" not in response.text  # nothing from the token comes back


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_token_from_the_configured_issuer_is_accepted(
    idp: ExternalIdp, external_client: httpx.Client, alg: str
) -> None:
    token = idp.token(alg, name="A. Worker", jti="token-1", roles=["social_worker", "team_lead"])
    response = external_client.get("/api/v1/whoami", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "staff",
        "subject": "idp-user-42",
        "organisation": "kettleby-council",
        "roles": ["social_worker", "team_lead"],
        "display_name": "A. Worker",
        "auth_method": "bearer",
        "issuer": EXTERNAL_ISSUER,
        "credential_id": "token-1",
    }


def test_an_audience_list_containing_ours_is_accepted(idp: ExternalIdp, external_client: httpx.Client) -> None:
    token = idp.token(aud=["another-api", EXTERNAL_AUDIENCE])
    assert external_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200


def test_a_token_expired_within_the_leeway_is_accepted(idp: ExternalIdp, external_client: httpx.Client) -> None:
    token = idp.token(exp=int(time.time()) - 10)
    assert external_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "some-other-api"}, "'aud'"),
        ({"iss": "https://evil.example/"}, "issuer is not trusted"),
        ({"iss": None}, "issuer is not trusted"),
        ({"exp": int(time.time()) - 600}, "expired"),
        ({"exp": None}, "required claim (exp)"),
        ({"sub": None}, "required claim (sub)"),
        ({"nbf": int(time.time()) + 600}, "'nbf'"),
        ({"roles": "social_worker"}, "'roles'"),
        ({"org": ["kettleby-council"]}, "'org'"),
    ],
)
def test_tokens_with_wrong_claims_are_refused(
    idp: ExternalIdp, external_client: httpx.Client, claims: dict[str, Any], reason: str
) -> None:
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(idp.token(**claims))), reason)


def test_a_tampered_payload_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    header, _payload, signature = idp.token().split(".")
    forged_payload = b64url(
        b'{"iss":"%s","aud":"%s","sub":"idp-admin","exp":%d,"roles":["admin"]}'
        % (EXTERNAL_ISSUER.encode(), EXTERNAL_AUDIENCE.encode(), int(time.time()) + 300)
    )
    forged = f"{header}.{forged_payload}.{signature}"
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(forged)), "signature")


def test_a_damaged_signature_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    header, payload, signature = idp.token().split(".")
    damaged = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(f"{header}.{payload}.{damaged}")), "signature")


def test_alg_none_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    unsigned = compact({"alg": "none", "typ": "JWT"}, idp.claims())
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(unsigned)), "RS256, ES256")


@pytest.mark.parametrize("secret_from", ["random", "issuer public key"])
def test_hs256_is_refused(idp: ExternalIdp, external_client: httpx.Client, secret_from: str) -> None:
    # "issuer public key" is the classic confusion attack: HMAC keyed with the public key a verifier holds.
    secret = b"0123456789abcdef0123456789abcdef"
    if secret_from == "issuer public key":
        secret = idp.rsa.as_pem(private=False)
    header = {"alg": "HS256", "typ": "JWT", "kid": idp.rsa.kid}
    unsigned = compact(header, idp.claims()).rsplit(".", 1)[0]
    signature = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(f"{unsigned}.{b64url(signature)}")), "RS256")


def test_a_key_the_issuer_does_not_publish_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    rogue = RSAKey.generate_key(2048, auto_kid=True)
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(idp.token(key=rogue))), "does not publish")


def test_a_rogue_key_claiming_a_published_kid_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    rogue = RSAKey.generate_key(2048, parameters={"kid": str(idp.rsa.kid)})
    assert_refused(external_client.get("/api/v1/whoami", headers=bearer(idp.token(key=rogue))), "signature")


def test_an_algorithm_that_does_not_fit_the_key_is_refused(idp: ExternalIdp, external_client: httpx.Client) -> None:
    signed_es = idp.token("ES256")
    _header, payload, signature = signed_es.split(".")
    relabelled = b64url(b'{"alg":"RS256","kid":"%s"}' % str(idp.ec.kid).encode())
    response = external_client.get("/api/v1/whoami", headers=bearer(f"{relabelled}.{payload}.{signature}"))
    assert response.status_code == 401


@pytest.mark.parametrize("token", ["abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30", "x" * 20_000, "é.é.é"])
def test_garbage_is_refused(external_client: httpx.Client, token: str) -> None:
    response = external_client.get("/api/v1/whoami", headers={b"Authorization": f"Bearer {token}".encode()})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
