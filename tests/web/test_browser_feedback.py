"""役に立った / 役に立たなかった under the bot's answers, in headless Chromium: with the keyboard
alone, on a phone-sized screen and in the widget on the shop page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import screenshot
from tests.web.test_browser import ask

PHONE = {"width": 375, "height": 667}
GROUP = "この回答は役に立ちましたか"
THANKS = "ご意見ありがとうございます"
QUESTION = "解約方法を教えてください"


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; return {
            cls: e.className, text: e.textContent, pressed: e.getAttribute("aria-pressed"),
            outline: getComputedStyle(e).outlineStyle }; }"""
    )


def press_until_feedback(page, key: str) -> dict:
    for _ in range(15):
        page.keyboard.press(key)
        now = focused(page)
        if now["cls"] == "feedback-button":
            return now
    pytest.fail(f"no feedback button is reached with {key}")


def assert_fits(where, width: int) -> None:
    """Both buttons visible, at least 44 px each way, inside the screen; nothing scrolls sideways."""
    buttons = where.locator(".feedback").last.locator("button")
    expect(buttons).to_have_count(2)
    for index in range(2):
        expect(buttons.nth(index)).to_be_visible()
        box = buttons.nth(index).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert where.locator("body").evaluate(
        "b => document.documentElement.scrollWidth <= window.innerWidth"
    )


def test_feedback_with_the_keyboard_alone(stack, page):
    page.goto(stack.url + "/")
    expect(page.locator(".bubble.bot").first).to_be_visible()
    assert page.locator(".feedback").count() == 0  # the greeting is not an answer
    for _ in range(12):  # Tab from the top of the page to the question box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "chat-input":
            break
    else:
        pytest.fail("the question box cannot be reached with Tab")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    group = page.get_by_role("group", name=GROUP)
    expect(group).to_have_count(1)
    helpful = group.get_by_role("button", name="役に立った", exact=True)
    unhelpful = group.get_by_role("button", name="役に立たなかった")
    expect(helpful).to_have_attribute("aria-pressed", "false")

    # From the question box back into the log: the last answer's buttons come first.
    assert press_until_feedback(page, "Shift+Tab")["text"] == "役に立たなかった"
    page.keyboard.press("Shift+Tab")
    now = focused(page)
    assert now["text"] == "役に立った" and now["outline"] != "none"  # focus is visible
    page.keyboard.press("Enter")
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(unhelpful).to_have_attribute("aria-pressed", "false")
    expect(group.get_by_role("status")).to_have_text(THANKS)
    bubbles = page.locator(".bubble.bot").count()

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "役に立たなかった"
    page.keyboard.press("Space")
    expect(unhelpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".bubble.bot")).not_to_have_count(bubbles)
    expect(page.locator(".bubble.bot").last).to_contain_text("受付時間")
    assert focused(page)["text"] == "役に立たなかった"  # the follow-up does not steal focus
    follow_ups = page.locator(".bubble.bot").count() - bubbles
    screenshot(page, "chat_feedback_keyboard")

    page.reload()  # the chosen button and the follow-up, once, survive a reload
    group = page.get_by_role("group", name=GROUP)
    expect(group.get_by_role("button", name="役に立たなかった")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".bubble.bot")).to_have_count(bubbles - 1 + follow_ups)  # no greeting


def test_feedback_on_a_phone_sized_screen(stack, browser):
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(stack.url + "/")
        ask(page, QUESTION)
        assert_fits(page, PHONE["width"])
        helpful = page.locator(".feedback").last.get_by_role(
            "button", name="役に立った", exact=True
        )
        helpful.tap()
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".feedback-status").last).to_have_text(THANKS)
        assert_fits(page, PHONE["width"])
        screenshot(page, "chat_feedback_phone")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_feedback_in_the_widget_on_the_shop_page(stack, browser, viewport):
    options = {"locale": "ja-JP"}
    if viewport:
        options.update(viewport=viewport, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(stack.url + "/shop")
        page.locator("#faqbot-launcher").click()
        frame = page.frame_locator("#faqbot-frame")
        ask(page, QUESTION, frame)
        if viewport:
            assert_fits(frame, PHONE["width"])
        else:  # the panel sits in the bottom right corner, wholly on the screen
            box, size = page.locator("#faqbot-panel").bounding_box(), page.viewport_size
            assert box["x"] + box["width"] == size["width"] - 16
            assert box["y"] >= 0 and box["y"] + box["height"] == size["height"] - 76
        group = frame.get_by_role("group", name=GROUP)
        unhelpful = group.get_by_role("button", name="役に立たなかった")
        before = frame.locator(".bubble.bot").count()
        unhelpful.click()
        expect(unhelpful).to_have_attribute("aria-pressed", "true")
        expect(group.get_by_role("status")).to_have_text(THANKS)
        expect(frame.locator(".bubble.bot")).not_to_have_count(before)
        expect(frame.locator(".bubble.bot").last).to_contain_text("0120-003300")
        screenshot(page, f"widget_feedback_{'phone' if viewport else 'desktop'}")
    finally:
        context.close()
