"""Where Rasa keeps conversations in each profile: the endpoints Rasa gets and the data commands."""

from __future__ import annotations

import pytest

from bot.serving.profile import ProfileError, endpoints, tracker_store_url

PRODUCTION = {
    "BOT_PROFILE": "production",
    "DATABASE_URL": "postgres://shop:pw@db.internal:5433/shop?sslmode=require",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_embedded_trackers_are_the_sqlite_file_rasa_is_given():
    assert endpoints("http://a", {})["tracker_store"]["db"] == "var/trackers.sqlite3"
    assert tracker_store_url({}) == "sqlite:///var/trackers.sqlite3"


def test_production_trackers_are_the_database_rasa_connects_to():
    rasa = endpoints("http://a", PRODUCTION)["tracker_store"]
    url = tracker_store_url(PRODUCTION)
    assert url == "postgresql+psycopg2://shop:pw@db.internal:5433/shop"
    assert (rasa["url"], rasa["port"], rasa["db"]) == ("db.internal", 5433, "shop")
    other = {**PRODUCTION, "TRACKER_DATABASE_URL": "postgresql://t@h/trackers"}
    assert tracker_store_url(other) == "postgresql+psycopg2://t@h/trackers"


def test_the_data_commands_need_no_redis_but_rasa_does():
    without_redis = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    assert tracker_store_url(without_redis).endswith("/shop")
    with pytest.raises(ProfileError, match="REDIS_URL"):
        endpoints("http://a", without_redis)
    with pytest.raises(ProfileError, match="DATABASE_URL"):
        tracker_store_url({"BOT_PROFILE": "production"})
