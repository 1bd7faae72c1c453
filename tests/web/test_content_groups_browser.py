"""/content in headless Chromium: the editor sees 30 customers' question, adds it with the keyboard.

The web app alone (uvicorn) on a scratch project: the groups need the store and the embedder,
not Rasa (the confusion check then says it could not ask Rasa).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bot.serving.actions_server import free_port, wait_for
from bot.serving.serve import web_command
from tests.web.conftest import ROOT, screenshot
from tests.web.test_content_groups import log_customers, project  # noqa: F401
from tests.web.test_content_retrain import log_in_as_editor
from tests.web.test_group_actions import PAPER_INVOICE


@pytest.fixture
def site(project, embedding_dir):  # noqa: F811 - the scratch project of test_content_groups
    port = free_port()
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        PROJECT_DIR=str(project),
        DATABASE_URL=f"sqlite:///{project / 'store.sqlite3'}",
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        ACTIONS_URL=f"http://127.0.0.1:{free_port()}",
        BOT_EMBEDDING_CACHE=str(embedding_dir),
    )
    log = (project / "web.log").open("w")
    process = subprocess.Popen(
        web_command("127.0.0.1", port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/content", timeout=120, process=process)
        log_customers(project)
        yield f"http://127.0.0.1:{port}", project
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_an_editor_adds_a_group_as_examples_with_the_keyboard(site, page):
    url, folder = site
    log_in_as_editor(page, url)
    group = page.locator("#group-list > li").filter(has_text=PAPER_INVOICE[0])
    expect(group).to_contain_text("30 人のお客さま", timeout=300_000)
    for question in PAPER_INVOICE:
        expect(group.get_by_label(question, exact=False)).to_be_checked()
    entry = group.get_by_label("例文を追加するエントリ")
    nearest = entry.input_value()
    assert nearest and f"({nearest}、類似度" in group.inner_text()

    group.get_by_role("button", name="新しい項目を作成").click()  # the draft, then back
    expect(page.locator("#entry-question")).not_to_have_value("")
    question = page.locator("#entry-question").input_value()
    assert question in PAPER_INVOICE
    others = set(page.locator("#entry-examples").input_value().splitlines())
    assert others == set(PAPER_INVOICE) - {question}
    expect(page.locator("#draft-hints")).to_contain_text("例文はあと")
    expect(page.locator("#entry-id")).to_be_focused()
    screenshot(page, "content_group_draft")

    entry.focus()
    page.keyboard.press("Tab")
    expect(group.get_by_role("button", name="既存の項目に例文として追加")).to_be_focused()
    page.keyboard.press("Enter")
    status = page.locator("#groups-status")
    expect(status).to_contain_text(f"「{nearest}」に例文 3 件を追加しました", timeout=120_000)
    expect(status).to_be_focused()
    expect(page.locator("#group-list")).not_to_contain_text(PAPER_INVOICE[0])
    expect(page.locator("#publish-pending")).to_contain_text(
        f"エントリ {nearest} に例文 3 件を追加"
    )
    expect(page.locator("#editor")).to_be_hidden()  # the group's draft went with the group
    screenshot(page, "content_group_added")
    corpus = "".join(p.read_text("utf-8") for p in (Path(folder) / "faq_corpus").glob("*.yml"))
    assert all(f"- {q}\n" in corpus for q in PAPER_INVOICE)
