"""Deployment profiles: where Rasa keeps conversations and locks, chosen by the environment.

- embedded (default): trackers in SQLite under var/, locks on files under var/locks/. Nothing
  else to run.
- both: with MODEL_SERVER_URL (set by `bot serve`), every Rasa worker pulls the published
  model from the web app's model server instead of loading one file once.
- production (`BOT_PROFILE=production`): trackers in PostgreSQL (`TRACKER_DATABASE_URL`, else
  `DATABASE_URL`) and locks in Redis (`REDIS_URL`), so several Rasa servers can share
  conversations, and a restarted one loses no turn. The web apps keep their sessions in the same
  Redis, the actions and the web apps use the order store at `DATABASE_URL`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.models import MODEL_PATH  # noqa: F401 - the model server's route, for endpoints


class ProfileError(RuntimeError):
    """The environment does not say enough for the chosen profile."""


def profile() -> str:
    name = os.environ.get("BOT_PROFILE", "embedded").strip().lower()
    if name not in ("embedded", "production"):
        raise ProfileError(f"BOT_PROFILE must be 'embedded' or 'production', not {name!r}")
    return name


EMBEDDED_TRACKERS = "var/trackers.sqlite3"
EMBEDDED_LOCKS = "bot.serving.file_lock_store.FileLockStore"
# Rasa's SQL tracker store, keeping each worker's last trackers (bot/serving/tracker_store.py)
TRACKERS = "bot.serving.tracker_store.CachedSQLTrackerStore"
EMBEDDED_LOCK_FOLDER = "var/locks"
DEFAULT_PULL_S = 5  # Rasa asks the model server this often; a 304 costs next to nothing


NEEDS = (
    "BOT_PROFILE=production needs DATABASE_URL (PostgreSQL; or TRACKER_DATABASE_URL "
    "for the conversations) and REDIS_URL (locks and web sessions)"
)


def _production_trackers(env: Dict[str, str]):
    database = env.get("TRACKER_DATABASE_URL") or env.get("DATABASE_URL")
    if not database:
        raise ProfileError(NEEDS)
    url = make_url(database.replace("postgres://", "postgresql://", 1))
    if not url.drivername.startswith("postgresql"):
        raise ProfileError(f"the production tracker store is PostgreSQL, not {url.drivername}")
    return url


def tracker_store_url(env: Dict[str, str] | None = None) -> str:
    """Where Rasa keeps conversations in the current profile, as a SQLAlchemy URL."""
    env = dict(os.environ if env is None else env)
    if env.get("BOT_PROFILE", "embedded").lower() != "production":
        return f"sqlite:///{EMBEDDED_TRACKERS}"
    url = _production_trackers(env)
    # What Rasa connects to: it takes host, port, database and credentials, no query options.
    url = url.set(drivername="postgresql+psycopg2", query={})
    return url.render_as_string(hide_password=False)


def model_server(env: Dict[str, str]) -> Dict[str, Any] | None:
    """Where Rasa pulls its model (MODEL_SERVER_URL, MODEL_SERVER_TOKEN, MODEL_PULL_S)."""
    url = env.get("MODEL_SERVER_URL")
    if not url:
        return None
    token = env.get("MODEL_SERVER_TOKEN")
    if not token:
        raise ProfileError("MODEL_SERVER_URL needs MODEL_SERVER_TOKEN (the model is not public)")
    try:
        interval = max(1, int(env.get("MODEL_PULL_S") or DEFAULT_PULL_S))
    except ValueError:
        raise ProfileError("MODEL_PULL_S must be a whole number of seconds") from None
    return {"url": url, "token": token, "wait_time_between_pulls": interval}


NLG = "bot.serving.knowledge_nlg.KnowledgeNLG"


def endpoints(actions_url: str, env: Dict[str, str] | None = None) -> Dict[str, Any]:
    """Rasa's endpoints for the current profile."""
    env = dict(os.environ if env is None else env)
    # Selective domain: our actions never read the domain, so Rasa stops sending all of it
    # (every FAQ answer) with each action call.
    config: Dict[str, Any] = {
        "action_endpoint": {"url": actions_url, "enable_selective_domain": True},
        # FAQ answers from the turn's knowledge snapshot (bot/serving/knowledge_nlg.py)
        "nlg": {"type": NLG},
    }
    if env.get("ACTIONS_TOKEN"):  # Rasa sends it as ?token= (bot/serving/actions_app.py)
        config["action_endpoint"]["token"] = env["ACTIONS_TOKEN"]
    models = model_server(env)
    if models:
        config["models"] = models
    if env.get("BOT_PROFILE", "embedded").lower() != "production":
        config["tracker_store"] = {"type": TRACKERS, "dialect": "sqlite", "db": EMBEDDED_TRACKERS}
        # File locks serialize a conversation across Rasa workers on this machine, no Redis.
        config["lock_store"] = {"type": EMBEDDED_LOCKS, "folder": EMBEDDED_LOCK_FOLDER}
        return config
    url = _production_trackers(env)
    redis_url = env.get("REDIS_URL")
    if not redis_url:
        raise ProfileError(NEEDS)
    config["tracker_store"] = {
        "type": TRACKERS,
        "dialect": "postgresql",
        "url": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "db": url.database,
        "username": url.username or "",
        "password": url.password or "",
    }
    redis = urlsplit(redis_url)
    config["lock_store"] = {
        "type": "redis",
        "url": redis.hostname or "127.0.0.1",
        "port": redis.port or 6379,
        "db": int((redis.path or "/0").lstrip("/") or 0),
        "key_prefix": "faqbot",
    }
    if redis.password:
        config["lock_store"]["password"] = redis.password
    return config


def write_endpoints(
    actions_port: int, folder: Path = Path("var"), env: Dict[str, str] | None = None
) -> Path:
    """The endpoints file for `rasa run`, written under var/ (it may hold secrets)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"endpoints-{profile()}-{actions_port}.yml"
    config = endpoints(f"http://127.0.0.1:{actions_port}/webhook", env)
    text = yaml.safe_dump(config, sort_keys=False)
    path.unlink(missing_ok=True)  # created afresh, readable by its owner only from the start
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(text)
    return path
