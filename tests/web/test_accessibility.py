"""Every page of the web app passes axe-core (npm, pinned in package-lock.json) with no violation.

axe.min.js is injected into each page (and into the widget's iframe on /shop) of Debian's Chromium;
`make test` installs it with `npm ci`. Each page is checked as the account that uses it, after its
data has loaded, and the chat and the agent console once more after they show a result.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ROOT
from tests.web.test_browser import ask

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
UNRESOLVED = ["宅配ボックスに届けてもらえますか", "宅配ボックスへの配達はできますか"]


def axe_violations(page) -> list[dict]:
    """axe.run() on the page and every frame in it: id, impact, help and target of each violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --ignore-scripts` (make test does)")
    for frame in page.frames:
        frame.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document)).violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" >>> ")) }))"""
    )


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )
    assert not violations, f"axe-core violations on {where}:\n{report}"


@pytest.fixture
def as_account(browser, stack):
    """A new browser context logged in as `username` (None: a visitor), with a page in it."""
    contexts = []

    def open_page(username: str | None, viewport: dict | None = None) -> object:
        context = browser.new_context(  # bypass_csp: the pages' CSP forbids injected scripts
            locale="ja-JP", viewport=viewport or {"width": 1280, "height": 900}, bypass_csp=True
        )
        context.set_default_timeout(60_000)
        contexts.append(context)
        if username:
            response = context.request.post(
                stack.url + "/api/login",
                data={"username": username, "password": f"{username}-demo"},
            )
            assert response.ok, response.text()
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def unresolved_questions(stack) -> list[str]:
    """Questions the bot could not answer, logged so /agent and /content show them as a group."""
    from bot.store import Journal, TurnRecord

    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        for n, text in enumerate(UNRESOLVED * 3):
            journal.log_turn(TurnRecord(f"axe-{n}", None, text, "nlu_fallback",
                                        None, None, True, ""))  # fmt: skip
    finally:
        journal.close()
    return UNRESOLVED


def test_chat_page_before_and_after_an_answer_with_buttons(stack, as_account):
    page = as_account(None)
    page.goto(stack.url + "/")
    expect(page.locator(".bubble.bot").first).to_contain_text("サポートチャット")
    page.click("#login-toggle")
    expect(page.locator("#login-form")).to_be_visible()
    assert "0120-003300" in ask(page, "解約方法を教えてください")
    expect(page.locator(".feedback-button").first).to_be_visible()
    assert_accessible(page, "/ (visitor, login form open, after an answer)")

    page = as_account("yamada")
    page.goto(stack.url + "/")
    expect(page.locator("#user-name")).to_have_text("山田 太郎 さん")
    assert "ORD-10000005" in ask(page, "注文の状況を知りたい")  # with a button per order
    expect(page.locator(".row.bot .suggestion", has_text="ORD-10000001")).to_be_visible()
    expect(page.locator(".feedback-button").first).to_be_visible()
    assert_accessible(page, "/ (yamada, after the order buttons)")


def test_shop_page_with_the_widget_open(stack, as_account):
    page = as_account(None)
    page.goto(stack.url + "/shop")
    page.locator("#faqbot-launcher").click()
    expect(page.locator("#faqbot-panel")).to_be_visible()
    frame = page.frame_locator("#faqbot-frame")
    expect(frame.locator(".bubble.bot").first).to_contain_text("サポートチャット")
    assert_accessible(page, "/shop (widget open)")


def test_staff_login_and_forbidden_pages(stack, as_account):
    page = as_account(None)
    page.goto(stack.url + "/agent")
    expect(page.locator("#staff-login-form")).to_be_visible()
    assert_accessible(page, "the staff login page")

    page = as_account("yamada")
    assert page.goto(stack.url + "/content").status == 403
    expect(page.locator("#forbidden-message")).to_contain_text("のアカウントでのみ")
    assert_accessible(page, "the 403 page")


def test_agent_console_before_and_after_a_result(stack, as_account, unresolved_questions):
    page = as_account("agent")
    page.goto(stack.url + "/agent")
    expect(page.locator("#user-name")).to_contain_text("(agent)")
    expect(page.locator("#inspect-as option[value=yamada]")).to_have_count(1)
    row = page.locator("#insights-groups tr", has_text=unresolved_questions[0])
    expect(row).to_have_count(1, timeout=300_000)  # the first call loads the embedder
    assert_accessible(page, "/agent")

    page.fill("#inspect-earlier", "解約の手続きはどうやるんですか")
    page.fill("#inspect-text", "注文の状況を知りたい")
    page.select_option("#inspect-as", "yamada")
    page.click("#inspect-submit")
    expect(page.locator("#answer-customer")).to_contain_text("ORD-10000005")
    page.fill("#batch-text", "解約方法を教えてください\n請求書")
    page.click("#batch-submit")
    expect(page.locator("#batch-table")).to_be_visible()
    assert_accessible(page, "/agent (after a result and a batch)")


def test_content_editor(stack, as_account, unresolved_questions):
    page = as_account("editor")
    page.goto(stack.url + "/content")
    expect(page.locator("#entry-count")).to_have_text(re.compile(r"\d+ 件"))
    group = page.locator("#group-list > li").filter(has_text=unresolved_questions[0])
    expect(group).to_have_count(1, timeout=300_000)
    page.locator("#entry-list button").first.click()
    expect(page.locator("#editor")).to_be_visible()
    assert_accessible(page, "/content (an entry open)")

    page.click("#retrain-details summary")
    page.click("#preview")  # the corpus as published: the check's summary, nothing to confirm
    expect(page.locator("#preview-tests")).to_contain_text("件が正しく回答", timeout=300_000)
    assert_accessible(page, "/content (a preview shown, the retrain section open)")


def test_admin_audit_log(stack, as_account):
    page = as_account("admin")
    page.goto(stack.url + "/admin")
    expect(page.locator("#user-name")).to_contain_text("(admin)")
    page.wait_for_function(
        "document.querySelector('#audit-rows tr') || !document.querySelector('#audit-empty').hidden"
    )
    assert_accessible(page, "/admin")


def test_the_axe_bundle_is_the_pinned_one():
    lock = (ROOT / "package-lock.json").read_text(encoding="utf-8")
    version = re.search(r'"node_modules/axe-core": \{\s*"version": "([^"]+)"', lock)
    assert version, "axe-core is not pinned in package-lock.json"
    assert f"axe v{version.group(1)}" in Path(AXE).read_text(encoding="utf-8")[:500]
