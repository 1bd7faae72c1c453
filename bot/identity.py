"""Who the customer is: short-lived HS256 tokens, minted by the front end, verified by actions.

The one place that knows the token format; the web app (and `bot ask --as`) mint, the action
server verifies on every call. Nothing else about the customer is trusted: not `sender_id`,
not unsigned metadata.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import jwt

SECRET_ENV = "BOT_TOKEN_SECRET"
MODE_ENV = "BOT_ENV"
ALGORITHM = "HS256"
ISSUER = "faq-bot-web"
AUDIENCE = "faq-bot-actions"
DEFAULT_TTL_SECONDS = 300
MIN_SECRET_BYTES = 32
METADATA_KEY = "token"


class IdentityConfigError(RuntimeError):
    """The token secret is missing or too weak for the mode we run in."""


@dataclass(frozen=True)
class Identity:
    """A verified customer."""

    username: str
    expires_at: int


def is_production() -> bool:
    """Production mode refuses to run without a real secret."""
    return os.environ.get(MODE_ENV, "development").lower() == "production"


def token_secret() -> str:
    """The shared secret; in development one is made up per process tree when none is set."""
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret.encode()) >= MIN_SECRET_BYTES:
        return secret
    if is_production() or secret:
        raise IdentityConfigError(
            f"{SECRET_ENV} must be set to at least {MIN_SECRET_BYTES} random bytes "
            f"(for example: export {SECRET_ENV}=$(python -c 'import secrets; print(secrets.token_urlsafe(48))'))"
        )
    # Children (Rasa, the action server) inherit it through the environment.
    os.environ[SECRET_ENV] = secrets.token_urlsafe(48)
    return os.environ[SECRET_ENV]


def mint_token(
    username: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, now: Optional[float] = None
) -> str:
    """A signed token naming `username`, valid for `ttl_seconds`."""
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": username,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, token_secret(), algorithm=ALGORITHM)


def verify_token(token: Any) -> Optional[Identity]:
    """The identity in a valid, unexpired token signed with our secret; None otherwise."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(
            token,
            token_secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    username = claims.get("sub")
    if not isinstance(username, str) or not username:
        return None
    return Identity(username=username, expires_at=int(claims["exp"]))


def identity_from_metadata(metadata: Optional[Dict[str, Any]]) -> Optional[Identity]:
    """The verified customer of a message's metadata, if it carries a valid token."""
    if not isinstance(metadata, dict):
        return None
    return verify_token(metadata.get(METADATA_KEY))
