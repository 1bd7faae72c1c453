"""Identity tokens: only a valid signature from our secret, unexpired, names a customer."""

from __future__ import annotations

import time

import jwt
import pytest

from bot import identity
from bot.identity import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    IdentityConfigError,
    identity_from_metadata,
    mint_token,
    verify_token,
)

SECRET = "s" * 48


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN_SECRET", SECRET)
    monkeypatch.delenv("BOT_ENV", raising=False)


def claims(**overrides) -> dict:
    """Well-formed claims for tanaka, valid for a minute, with `overrides` applied."""
    now = int(time.time())
    return {
        "sub": "tanaka",
        "iat": now,
        "exp": now + 60,
        "iss": ISSUER,
        "aud": AUDIENCE,
        **overrides,
    }


def test_a_minted_token_verifies_to_its_user():
    found = verify_token(mint_token("tanaka"))
    assert found is not None and found.username == "tanaka"


def test_expired_token_is_refused():
    old = mint_token("tanaka", ttl_seconds=60, now=time.time() - 3600)
    assert verify_token(old) is None


def test_forged_signature_is_refused():
    forged = jwt.encode(claims(), "x" * 48, algorithm=ALGORITHM)
    assert verify_token(forged) is None


def test_tampered_payload_is_refused():
    header, payload, signature = mint_token("tanaka").split(".")
    other_payload = mint_token("suzuki").split(".")[1]
    assert verify_token(f"{header}.{other_payload}.{signature}") is None
    assert payload != other_payload


def test_unsigned_alg_none_token_is_refused():
    unsigned = jwt.encode(claims(), key=None, algorithm="none")
    assert verify_token(unsigned) is None


def test_wrong_audience_is_refused():
    assert verify_token(jwt.encode(claims(aud="other"), SECRET, algorithm=ALGORITHM)) is None


@pytest.mark.parametrize("value", [None, "", 42, {"sub": "tanaka"}, "a.b.c", "x" * 5000])
def test_junk_is_refused(value):
    assert verify_token(value) is None


def test_metadata_without_token_or_with_plain_username_is_anonymous():
    assert identity_from_metadata(None) is None
    assert identity_from_metadata({"username": "tanaka"}) is None
    assert identity_from_metadata({"token": mint_token("tanaka")}).username == "tanaka"


def test_production_refuses_a_missing_or_weak_secret(monkeypatch):
    monkeypatch.setenv("BOT_ENV", "production")
    monkeypatch.delenv("BOT_TOKEN_SECRET")
    with pytest.raises(IdentityConfigError):
        identity.token_secret()
    monkeypatch.setenv("BOT_TOKEN_SECRET", "short")
    with pytest.raises(IdentityConfigError):
        identity.token_secret()


def test_development_makes_up_a_secret_shared_through_the_environment(monkeypatch):
    monkeypatch.delenv("BOT_TOKEN_SECRET")
    first = identity.token_secret()
    assert len(first) >= 32
    assert identity.token_secret() == first
