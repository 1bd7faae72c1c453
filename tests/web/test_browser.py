"""The web pages in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.faq.corpus import load_corpus
from tests.web.conftest import ROOT, screenshot

# The bot is unsure of these and offers entries as buttons.
VAGUE_QUESTIONS = ("届く", "期限", "契約", "書類")
PHONE = {"width": 390, "height": 844}


def canonical_answers() -> dict[str, str]:
    """Canonical question -> first line of its answer, from the repository's corpus."""
    return {
        entry.question: entry.answer.splitlines()[0]
        for corpus_file in load_corpus(ROOT / "faq_corpus")
        for entry in corpus_file.entries
        if "{" not in entry.answer.splitlines()[0]
    }


def ask(page, text: str, frame=None) -> str:
    """Types `text`, sends it with Enter, and returns the bot's answer (all its bubbles)."""
    where = frame or page
    before = where.locator(".bubble.bot").count()
    where.locator("#chat-input").fill(text)
    where.locator("#chat-input").press("Enter")
    expect(where.locator(".bubble.bot")).not_to_have_count(before, timeout=60_000)
    expect(where.locator("#typing")).to_be_hidden(timeout=60_000)
    return "\n".join(where.locator(".bubble.bot").all_inner_texts()[before:])


def bot_texts(page) -> list[str]:
    return page.locator(".bubble.bot").all_inner_texts()


def test_visitor_asks_and_clicks_a_suggestion(stack, page):
    page.goto(stack.url + "/")
    expect(page.locator(".bubble.bot").first).to_contain_text("サポートチャット")
    assert "0120-003300" in ask(page, "解約方法を教えてください")
    phone_link = page.locator(".bubble.bot a[href^='tel:']").first
    expect(phone_link).to_have_attribute("href", re.compile(r"^tel:0120\d+$"))

    answers = canonical_answers()
    for question in VAGUE_QUESTIONS:
        ask(page, question)
        suggestions = page.locator(".row.bot .suggestion").filter(has_not_text="どれにも")
        if suggestions.count():
            break
    else:
        pytest.fail(f"none of {VAGUE_QUESTIONS} got suggestion buttons")
    button = suggestions.last
    payload = button.get_attribute("data-payload")
    title = button.inner_text()
    screenshot(page, "chat_suggestions")
    before = page.locator(".bubble.bot").count()
    button.click()
    expect(page.locator(".bubble.user").last).to_have_text(title)
    expect(page.locator(".bubble.bot")).not_to_have_count(before)
    expect(page.locator("#typing")).to_be_hidden()
    if payload in answers:  # the clicked entry's own answer comes back
        expect(page.locator(".bubble.bot").nth(before)).to_contain_text(answers[payload])
    screenshot(page, "chat_visitor")


def test_text_is_never_html_and_history_survives_a_reload(stack, page):
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    page.goto(stack.url + "/")
    ask(page, attack)
    expect(page.locator(".bubble.user").last).to_have_text(attack)
    assert page.evaluate("window.__xss") is None
    assert page.locator(".chat-log img, .chat-log script").count() == 0
    ask(page, "支払い方法を教えて")
    texts = bot_texts(page)
    page.reload()
    expect(page.locator(".bubble.user")).to_have_count(2)
    assert bot_texts(page) == texts[1:]  # all but the greeting, which is not part of the talk
    assert page.evaluate("window.__xss") is None


def test_empty_and_overlong_input_get_a_japanese_error(stack, page):
    page.goto(stack.url + "/")
    page.press("#chat-input", "Enter")
    expect(page.locator("#chat-error")).to_have_text("メッセージを入力してください。")
    page.fill("#chat-input", "あ" * 501)
    expect(page.locator("#chat-count")).to_have_class(re.compile("over"))
    page.press("#chat-input", "Enter")
    expect(page.locator("#chat-error")).to_contain_text("500文字以内")
    assert page.locator(".bubble.user").count() == 0


def log_in_on_the_chat_page(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/")
    page.click("#login-toggle")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_customer_logs_in_and_gets_their_own_order_status(stack, page):
    log_in_on_the_chat_page(page, stack.url, "yamada", "wrong-password")
    expect(page.locator("#login-error")).to_have_text(
        "ユーザー名またはパスワードが正しくありません。"
    )
    page.fill("#login-password", "yamada-demo")
    page.click("#login-submit")
    expect(page.locator("#user-name")).to_have_text("山田 太郎 さん")
    assert "ORD-10000005" in ask(page, "注文の状況を知りたい")
    page.locator(".suggestion", has_text="ORD-10000001").last.click()
    expect(page.locator(".bubble.user").last).to_have_text("ORD-10000001")
    expect(page.locator(".bubble.bot").last).to_contain_text("開通済み")
    screenshot(page, "chat_customer_order")
    page.click("#logout-button")
    expect(page.locator("#login-toggle")).to_be_visible()
    expect(page.locator(".bubble.user")).to_have_count(0)
    assert "ORD-10000005" not in ask(page, "注文の状況を知りたい")
    expect(page.locator(".chat-log")).not_to_contain_text("ORD-10000005")


def test_keyboard_alone(stack, page):
    page.goto(stack.url + "/")
    expect(page.locator(".bubble.bot").first).to_be_visible()
    for _ in range(12):  # Tab from the top of the page until the question box has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "chat-input":
            break
    else:
        pytest.fail("the question box cannot be reached with Tab")
    page.keyboard.type("解約方法を教えてください")
    page.keyboard.press("Enter")
    expect(page.locator(".chat-log")).to_contain_text("0120-003300")
    assert page.evaluate("document.activeElement.id") == "chat-input"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_embedded_widget_on_the_shop_page(stack, browser, viewport):
    options = {"locale": "ja-JP"}
    if viewport:
        options.update(viewport=viewport, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(stack.url + "/shop")
        launcher = page.locator("#faqbot-launcher")
        expect(launcher).to_be_visible()
        expect(page.locator("#faqbot-panel")).to_be_hidden()
        launcher.click()
        panel = page.locator("#faqbot-panel")
        expect(panel).to_be_visible()
        frame = page.frame_locator("#faqbot-frame")
        assert "0120-003300" in ask(page, "解約方法を教えてください", frame)
        box = panel.bounding_box()
        if viewport:  # on a phone the panel takes the whole screen
            assert box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
            assert not frame.locator("body").evaluate(
                "b => document.documentElement.scrollWidth > window.innerWidth"
            )
        else:
            assert box["width"] < 500
        screenshot(page, f"widget_{'phone' if viewport else 'desktop'}")
        page.locator("#faqbot-close").click()
        expect(panel).to_be_hidden()
    finally:
        context.close()


def test_agent_inspects_a_parse_and_judges_it(stack, page):
    page.goto(stack.url + "/agent")
    page.fill("#login-username", "agent")
    page.fill("#login-password", "agent-demo")
    page.click("#login-submit")
    expect(page.locator("h1")).to_have_text("テストコンソール")
    expect(page.locator("#inspect-as option[value=yamada]")).to_have_count(1)
    page.fill("#inspect-text", "注文の状況を知りたい")
    page.select_option("#inspect-as", "yamada")
    page.click("#inspect-submit")
    expect(page.locator("#inspect-result")).to_be_visible()
    expect(page.locator("#tokens span").first).to_be_visible()
    assert "注文" in page.locator("#tokens").inner_text()
    expect(page.locator("#intent-ranking tr").first).to_be_visible()
    expect(page.locator("#answer-customer")).to_contain_text("ORD-10000005")
    expect(page.locator("#answer-visitor")).not_to_contain_text("ORD-10000005")
    page.click("#judge-right")
    expect(page.locator("#judge-status")).to_contain_text("記録しました")
    expect(page.locator("#judgements tr").first).to_contain_text("注文の状況を知りたい")
    screenshot(page, "agent_console")


def test_the_agent_console_shows_the_question_groups(stack, page):
    from bot.store import Journal, TurnRecord

    wordings = ["英語の領収書は発行できますか", "英文の領収書はもらえますか"]
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:  # 20 customers each: among the groups that affect the most customers
        for n, text in enumerate(wordings * 20):
            journal.log_turn(TurnRecord(f"browser-groups-{n}", None, text, "nlu_fallback",
                                        None, None, True, ""))  # fmt: skip
    finally:
        journal.close()
    page.goto(stack.url + "/agent")
    page.fill("#login-username", "agent")
    page.fill("#login-password", "agent-demo")
    page.click("#login-submit")
    row = page.locator("#insights-groups tr", has_text=wordings[0])
    expect(row).to_have_count(1, timeout=120_000)  # the first call loads the embedder
    expect(row).to_contain_text(wordings[1])
    expect(row).to_contain_text("40 人")
    expect(row).to_contain_text("類似度")
    expect(page.locator("#insights-rates > div").first).to_be_attached()
    row.scroll_into_view_if_needed()
    screenshot(page, "agent_groups")


def test_a_customer_cannot_open_the_staff_pages(stack, page):
    log_in_on_the_chat_page(page, stack.url, "sato", "sato-demo")
    expect(page.locator("#user-name")).to_be_visible()
    for path in ("/agent", "/content"):
        response = page.goto(stack.url + path)
        assert response.status == 403
        expect(page.locator("#forbidden-message")).to_contain_text("のアカウントでのみ")
