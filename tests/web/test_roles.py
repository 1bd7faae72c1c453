"""The staff APIs and pages by role, against the running stack."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from bot.web.app import create_app
from bot.web.settings import Settings
from tests.web.api import (
    japanese_error,
)
from tests.web.conftest import project_files

# ---------------------------------------------------------------- roles

INSPECT = {"text": "解約方法を教えて"}
ENTRY_BODY = {"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}
AGENT_ENDPOINTS = [
    ("GET", "/api/agent/customers", None),
    ("GET", "/api/agent/labels", None),
    ("POST", "/api/agent/inspect", INSPECT),
    ("POST", "/api/agent/batch", {"questions": "解約方法\n違約金"}),
    ("POST", "/api/agent/judgements", {"text": "解約", "correct": False, "label": "faq/receipt"}),
    ("GET", "/api/agent/judgements", None),
    ("GET", "/api/agent/export", None),
    ("GET", "/api/agent/insights", None),
]
CONTENT_ENDPOINTS = [
    ("GET", "/api/content/entries", None),
    ("GET", "/api/content/entries/receipt", None),
    ("PUT", "/api/content/entries/receipt", ENTRY_BODY),
    ("POST", "/api/content/entries", {"id": "x_new", "category": "invoices", **ENTRY_BODY}),
    ("GET", "/api/content/categories", None),
    ("POST", "/api/content/train", {}),
    ("GET", "/api/content/train", None),
    ("GET", "/api/content/publish", None),
    ("POST", "/api/content/preview", {}),
    ("POST", "/api/content/publish", {"confirm": True}),
    ("POST", "/api/content/rollback", {}),
    ("GET", "/api/content/groups", None),
    ("POST", "/api/content/groups/receipt/examples", {"faq_id": "receipt", "questions": ["x"]}),
    ("GET", "/api/content/groups/receipt/draft", None),
    ("POST", "/api/content/groups/receipt/entry", {"id": "x_new", "category": "invoices"}),
    ("POST", "/api/content/groups/receipt/dismiss", {"questions": ["x"]}),
]
ADMIN_ENDPOINTS = [("GET", "/api/admin/audit", None)]
ROLE_CASES = [
    (endpoint, caller, status)
    for endpoints, other_staff in (
        (AGENT_ENDPOINTS, ("editor", "admin")),
        (CONTENT_ENDPOINTS, ("agent", "admin")),
        (ADMIN_ENDPOINTS, ("agent", "editor")),
    )
    for endpoint in endpoints
    for caller, status in (("", 401), ("yamada", 403), *((name, 403) for name in other_staff))
]


def flat_routes(routes) -> Iterator:
    """The app's routes, those of included routers too (newer FastAPI keeps those apart)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from flat_routes(included.routes) if included is not None else [route]


def test_the_role_cases_cover_every_staff_route():
    app = create_app(Settings())  # routes only: no lifespan, nothing started
    routes = {
        (method, re.sub(r"\{[^}]+\}", "receipt", route.path))
        for route in flat_routes(app.routes)
        if route.path.startswith(("/api/agent", "/api/content", "/api/admin"))
        for method in getattr(route, "methods", ()) or ()
        if method != "HEAD"
    }
    assert routes == {(m, p) for m, p, _ in AGENT_ENDPOINTS + CONTENT_ENDPOINTS + ADMIN_ENDPOINTS}


@pytest.mark.parametrize(
    "endpoint, caller, status",
    ROLE_CASES,
    ids=[f"{m} {p} as {c or 'anonymous'}" for (m, p, _), c, _ in ROLE_CASES],
)
def test_staff_apis_refuse_other_roles(stack, users, endpoint, caller, status):
    method, path, body = endpoint
    before = project_files(stack.project)
    response = users(caller).request(method, path, json=body)
    message = japanese_error(response, status)
    assert ("ログイン" in message) if status == 401 else ("のみ利用できます" in message)
    assert project_files(stack.project) == before


@pytest.mark.parametrize(
    "path, role, title",
    [
        ("/agent", "agent", "テストコンソール"),
        ("/content", "editor", "FAQ 編集"),
        ("/admin", "admin", "監査ログ"),
    ],
)
def test_staff_pages_by_role(users, path, role, title):
    anonymous = users("").get(path)
    assert anonymous.status_code == 200 and "ログイン" in anonymous.text
    assert "<title>社員ログイン</title>" in anonymous.text
    for caller in ("yamada", *({"agent", "editor", "admin"} - {role})):
        refused = users(caller).get(path)
        assert refused.status_code == 403 and "利用できません" in refused.text, caller
        assert "{{ROLE}}" not in refused.text
    page = users(role).get(path)
    assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text
