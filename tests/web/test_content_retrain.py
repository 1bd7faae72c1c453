"""The content editor in a browser: a failed retrain keeps the old model; an answer edit goes
live on every worker within seconds of publishing, while customers chat.

The edit is undone and the original corpus published again afterwards (restore_published).
"""

from __future__ import annotations

import json
import threading
import time

from playwright.sync_api import expect

from tests.web.conftest import ROOT, screenshot

ENTRY = "cancellation_method"
QUESTION = "解約方法を教えてください。"
MARKER = "【改定】解約のお手続きは、ご契約中のサービスごとに異なります。"


def log_in_as_editor(page, url: str) -> None:
    page.goto(url + "/content")
    page.fill("#login-username", "editor")
    page.fill("#login-password", "editor-demo")
    page.click("#login-submit")
    expect(page.locator("h1")).to_have_text("FAQ 編集")


def open_entry(page) -> None:
    page.fill("#search", "解約方法")
    entry = page.locator(f"#entry-list button[data-id={ENTRY}]")
    entry.click()
    expect(page.locator("#entry-question")).to_have_value(QUESTION)


class Customers(threading.Thread):
    """Customers chatting all the time, counting every request that does not get a 200."""

    def __init__(self, stack) -> None:
        super().__init__(daemon=True)
        self.stack, self.stop, self.sent, self.failed = stack, threading.Event(), 0, []

    def run(self) -> None:
        with self.stack.client() as client:
            while not self.stop.is_set():
                try:
                    response = client.post("/api/chat", json={"text": "支払い方法を教えて"})
                    status = response.status_code
                except Exception as error:  # noqa: BLE001 - a failure is what we count
                    status = repr(error)
                self.sent += 1
                if status != 200:
                    self.failed.append(status)
                time.sleep(0.4)  # under the stack's 200 turns a minute per session


def test_a_failed_retrain_keeps_the_old_model_and_says_why(stack, page):
    config = stack.project / "config.yml"
    original = config.read_text(encoding="utf-8")
    with stack.client() as client:
        before = client.get("/healthz").json()["rasa"]["model"]
    config.write_text(original.replace("pipeline:", "pipeline: [broken\n"), encoding="utf-8")
    try:
        log_in_as_editor(page, stack.url)
        page.click("#retrain-details summary")  # developers' section, collapsed at first
        page.click("#train")
        expect(page.locator("#train-status")).to_contain_text("失敗", timeout=300_000)
        expect(page.locator("#train-status")).to_contain_text("以前のモデルで応答を続けています")
        screenshot(page, "content_retrain_failed")
    finally:
        config.write_text(original, encoding="utf-8")
    with stack.client() as client:
        assert client.get("/healthz").json()["rasa"]["model"] == before
        reply = client.post("/api/chat", json={"text": QUESTION}).json()["replies"]
    assert "0120-003300" in reply[0]["text"]


def publish_in_page(page) -> None:
    """変更を確認, then 公開する, until the page says every worker answers with it."""
    page.click("#preview")
    expect(page.locator("#preview-result")).to_be_visible(timeout=300_000)
    expect(page.locator("#preview-canonical")).to_contain_text("件が正しく回答")
    page.click("#publish")
    expect(page.locator("#publish-progress-box")).to_be_visible()
    expect(page.locator("#publish-status")).to_contain_text("秒ですべてのワーカー", timeout=120_000)


def test_an_edited_answer_goes_live_on_every_worker_within_seconds_after_publishing(
    stack, page, restore_published
):
    log_in_as_editor(page, stack.url)
    open_entry(page)
    answer = page.locator("#entry-answer")
    old_answer = answer.input_value()
    answer.fill(MARKER + "\n" + old_answer)
    started = time.monotonic()
    page.click("#save")
    expect(page.locator("#save-status")).to_contain_text("「公開する」で")
    saved = (stack.project / "faq_corpus" / "cancellation.yml").read_text(encoding="utf-8")
    assert MARKER in saved
    expect(page.locator("#publish-pending")).to_contain_text(f"エントリ {ENTRY} を編集")

    customers = Customers(stack)
    customers.start()
    try:
        page.click("#preview")
        expect(page.locator("#preview-changes")).to_contain_text(f"エントリ {ENTRY} の回答を変更")
        expect(page.locator("#preview-canonical")).to_contain_text("件が正しく回答")
        expect(page.locator("#regressions")).to_be_hidden()
        screenshot(page, "content_publish_preview")
        page.click("#publish")
        expect(page.locator("#publish-workers")).to_contain_text("新しい内容で応答しているワーカー")
        status = page.locator("#publish-status")
        expect(status).to_contain_text("秒ですべてのワーカー", timeout=120_000)
        live = time.monotonic() - started
        expect(page.locator("#publish-workers")).to_have_text(
            "新しい内容で応答しているワーカー: 2 / 2"
        )
        expect(page.locator("#publish-pending-none")).to_be_visible()
        expect(page.locator("#history-rows tr").first).to_contain_text(
            f"エントリ {ENTRY} の回答を変更"
        )
        screenshot(page, "content_published")
        time.sleep(2)  # a few more turns on the new content
    finally:
        customers.stop.set()
        customers.join(timeout=120)
    assert customers.sent > 3
    assert customers.failed == []

    with stack.client() as client:  # whichever worker takes each turn answers with the edit
        for _ in range(4):
            reply = client.post("/api/chat", json={"text": QUESTION}).json()["replies"]
            assert reply[0]["text"].startswith(MARKER)
    page.goto(stack.url + "/")
    page.fill("#chat-input", QUESTION)
    page.press("#chat-input", "Enter")
    expect(page.locator(".chat-log")).to_contain_text(MARKER)
    screenshot(page, "chat_after_edit")
    report = ROOT / "reports" / "edit_to_live.json"
    report.parent.mkdir(exist_ok=True)
    publish = page.request.get(stack.url + "/api/content/publish")
    report.write_text(
        json.dumps(
            {
                "edit_to_live_s": round(live, 1),
                "requests_during_swap": customers.sent,
                "failed_requests": len(customers.failed),
                "status": publish.json() if publish.ok else None,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
