"""The FastAPI app: `create_app()` (uvicorn --factory) wires settings, store, sessions, routes."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.faq.catalog import Contact, load_catalog
from bot.privacy.detect import Masker
from bot.store import Journal, ensure_seeded, make_engine
from bot.web import (
    admin,
    agent,
    chat,
    content,
    content_groups,
    content_publish,
    feedback,
    knowledge_server,
    model_server,
)
from bot.web.common import ROLE_NAMES, ApiError, AppState, current_session
from bot.web.health import health
from bot.web.publisher import Publisher
from bot.web.sessions import RedisSessionStore, RedisWindow, SessionStore, SlidingWindow
from bot.web.settings import Settings
from bot.web.trainer import Trainer
from bot.web.upstream import Upstream

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Guard:
    """Refuses cross-site writes and adds the security headers: plain ASGI, since Starlette's
    BaseHTTPMiddleware (`@app.middleware`) costs a task and a stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The cookie is SameSite=Strict, and a browser names the page it comes from in Origin.
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null":
            if urlsplit(origin).netloc != headers.get("host"):
                response = JSONResponse(
                    {"error": "別のサイトからの送信は受け付けていません。"}, 403
                )
                response.headers.update(SECURITY_HEADERS)
                await response(scope, receive, send)
                return
        api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                added = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    added.setdefault(key, value)
                if api:
                    added.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


# The apology must never fail: without the catalog, the shop's main line.
MAIN_LINE = Contact(
    "contact_center",
    "NTTドコモビジネスコンタクトセンター",
    "0120-003300",
    "9:00~17:00 土日祝・年末年始を除く",
)


def _contacts(project_dir: Path) -> Dict[str, Contact]:
    try:
        contacts = load_catalog(project_dir / "faq_catalog.yml").contacts
    except Exception:
        log.error("faq_catalog.yml unreadable: only the main line is known")
        contacts = {}
    return {"contact_center": MAIN_LINE, **contacts}


def _session_stores(settings: Settings):
    """In this process (embedded default), or in Redis when REDIS_URL is set (production)."""
    if not settings.redis_url:
        return (
            SessionStore(settings.session_idle_s),
            SlidingWindow(*settings.chat_rate),
            SlidingWindow(*settings.login_failures),
            SlidingWindow(*settings.client_rate),
        )
    import redis

    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    return (
        RedisSessionStore(client, settings.session_idle_s),
        RedisWindow(client, *settings.chat_rate, prefix="faqbot:chat:"),
        RedisWindow(client, *settings.login_failures, prefix="faqbot:login:"),
        RedisWindow(client, *settings.client_rate, prefix="faqbot:client:"),
    )


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        try:
            await run_in_threadpool(ensure_seeded, engine)
        except Exception as error:  # the chat still answers FAQ questions without the store
            log.error("store not ready: %s", error)
        upstream = Upstream(
            settings.rasa_url,
            settings.actions_url,
            settings.rasa_token,
            settings.rasa_timeout_s,
            actions_token=settings.actions_token,
        )
        sessions, chat_limit, login_limit, client_limit = _session_stores(settings)
        contacts = _contacts(settings.project_dir)
        app.state.bot = AppState(
            settings=settings,
            sessions=sessions,
            journal=Journal(engine),
            upstream=upstream,
            chat_limit=chat_limit,
            client_limit=client_limit,
            login_limit=login_limit,
            contact_line=contacts["contact_center"].render(),
            masker=Masker(contact.phone for contact in [MAIN_LINE, *contacts.values()]),
            contacts={key: contact.render() for key, contact in contacts.items()},
        )
        app.state.publisher = Publisher(settings, engine)
        app.state.trainer = Trainer(settings, upstream, app.state.publisher)
        try:
            yield
        finally:
            await upstream.close()
            engine.dispose()

    app = FastAPI(title="FAQ bot web", lifespan=lifespan, docs_url=None, redoc_url=None)

    app.add_middleware(Guard)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return JSONResponse({"error": error.message}, error.status, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        return JSONResponse({"error": "リクエストの内容が正しくありません。"}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        messages = {404: "ページが見つかりません。", 405: "この方法では利用できません。"}
        message = messages.get(error.status_code, "リクエストを処理できませんでした。")
        return JSONResponse({"error": message}, error.status_code)

    @app.exception_handler(SQLAlchemyError)
    async def store_down(request: Request, error: SQLAlchemyError):
        log.error("store error on %s: %s", request.url.path, error)
        contact = request.app.state.bot.contact_line
        return JSONResponse(
            {
                "error": "申し訳ございません。ただいまお客さま情報を確認できません。"
                f"時間をおいてお試しいただくか、{contact}までお問い合わせください。"
            },
            503,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            {
                "error": "申し訳ございません。処理中に問題が発生しました。時間をおいてお試しください。"
            },
            500,
        )

    @app.get("/healthz")
    async def healthz(request: Request):
        body, status = await health(request.app.state.bot)  # bot/web/health.py
        return JSONResponse(body, status)

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8")

    def staff_page(request: Request, role: str, name: str):
        session = current_session(request)
        if session is None or session.account is None:
            return page("staff_login.html")
        if session.account.role != role:
            html = (STATIC / "forbidden.html").read_text(encoding="utf-8")
            return HTMLResponse(html.replace("{{ROLE}}", ROLE_NAMES[role]), 403)
        return page(name)

    @app.get("/", include_in_schema=False)
    async def chat_page():
        return page("chat.html")

    @app.get("/embed", include_in_schema=False)
    async def embed_page():
        return page("chat.html")

    @app.get("/shop", include_in_schema=False)
    async def shop_page():
        return page("shop.html")

    @app.get("/widget.js", include_in_schema=False)
    async def widget():
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8")

    @app.get("/agent", include_in_schema=False)
    async def agent_page(request: Request):
        return staff_page(request, "agent", "agent.html")

    @app.get("/content", include_in_schema=False)
    async def content_page(request: Request):
        return staff_page(request, "content", "content.html")

    @app.get("/admin", include_in_schema=False)
    async def admin_page(request: Request):
        return staff_page(request, "admin", "admin.html")

    app.include_router(chat.router)
    app.include_router(feedback.router)
    app.include_router(agent.router)
    app.include_router(content.router)
    app.include_router(content_groups.router)
    app.include_router(admin.router)
    app.include_router(model_server.router)
    app.include_router(knowledge_server.router)
    app.include_router(content_publish.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
