"""/content in a browser: an edit that makes a test question wrong is published only after the
editor confirms the change, and ひとつ前の版に戻す brings the previous answer back in the chat.

The case is real: one example added to 注文前に見積書を作成したい takes estimate_contents' test
question 「見積書のテンプレートを事前に確認できますか」 to it (the preview shows it). The corpus is
restored and published again afterwards (restore_published).
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import screenshot
from tests.web.test_browser import ask
from tests.web.test_content_retrain import log_in_as_editor

ENTRY = "estimate_before_order"
QUESTION = "注文前に見積書を作成することはできますか?"
OLD_ANSWER = "見積書の作成については、次のとおりご案内しています。"
MARKER = "【改定】見積書は、ご注文の前でもマイページから作成できます。"
MISPLACED = "見積書のテンプレートを事前に確認したい"  # estimate_contents' topic, added here
TAKEN = "見積書のテンプレートを事前に確認できますか"  # estimate_contents' test question


def live_id(page, url: str) -> str:
    return page.request.get(url + "/api/content/publish").json()["publish"]["live"]["id"]


def wait_until_live(page) -> None:
    expect(page.locator("#publish-progress-box")).to_be_visible()
    expect(page.locator("#publish-status")).to_contain_text("秒ですべてのワーカー", timeout=120_000)


def test_a_test_question_turning_wrong_is_confirmed_and_a_rollback_restores_the_answer(
    stack, page, restore_published
):
    log_in_as_editor(page, stack.url)
    page.fill("#search", "注文前に見積書")
    page.locator(f"#entry-list button[data-id={ENTRY}]").click()
    expect(page.locator("#entry-question")).to_have_value(QUESTION)
    answer, examples = page.locator("#entry-answer"), page.locator("#entry-examples")
    answer.fill(MARKER + "\n" + answer.input_value())
    examples.fill(examples.input_value() + "\n" + MISPLACED)
    page.click("#save")
    expect(page.locator("#save-status")).to_contain_text("保存しました")
    before = live_id(page, stack.url)

    # Straight to 公開する: the server refuses without a confirmation and the page shows why.
    page.click("#publish")
    error = page.locator("#publish-error")
    expect(error).to_contain_text("正しく答えられなくなるテスト質問が 1 件")
    regression = page.locator("#regressions-rows tr", has_text=TAKEN)
    expect(regression).to_contain_text("estimate_contents")
    expect(regression).to_contain_text(f"注文前に見積書を作成したい({ENTRY})")
    expect(page.locator("#preview-changes")).to_contain_text(f"エントリ {ENTRY} の回答・例文を変更")
    confirm = page.get_by_label("上記の変化を確認しました")
    expect(confirm).not_to_be_checked()
    assert live_id(page, stack.url) == before  # nothing went live
    page.locator("#regressions").scroll_into_view_if_needed()
    screenshot(page, "content_publish_regression")

    page.click("#publish")  # still not ticked: the page asks for the tick, the box gets focus
    expect(error).to_contain_text("チェックを入れてから")
    expect(confirm).to_be_focused()
    assert live_id(page, stack.url) == before

    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    page.click("#publish")
    wait_until_live(page)
    expect(error).to_be_hidden()
    after = live_id(page, stack.url)
    assert after != before
    history = page.locator("#history-rows tr")
    expect(history.first).to_contain_text("公開(公開中)")
    expect(history.first).to_contain_text(f"エントリ {ENTRY} の回答・例文を変更")

    chat = page.context.new_page()
    chat.goto(stack.url + "/")
    assert MARKER in ask(chat, QUESTION)

    page.click("#rollback")  # a confirmation in the page, not window.confirm
    expect(page.locator("#rollback-confirm")).to_be_visible()
    expect(page.locator("#rollback-question")).to_be_focused()
    expect(page.locator("#rollback-question")).to_contain_text("戻しますか")
    screenshot(page, "content_rollback_confirm")
    page.click("#rollback-yes")
    wait_until_live(page)
    expect(page.locator("#publish-status")).to_contain_text("ひとつ前の版に戻しました。")
    assert live_id(page, stack.url) == before
    expect(history.first).to_contain_text("ひとつ前の版に戻す(公開中)")
    screenshot(page, "content_rolled_back")

    reply = ask(chat, QUESTION)
    assert OLD_ANSWER in reply and MARKER not in reply
    chat.close()
