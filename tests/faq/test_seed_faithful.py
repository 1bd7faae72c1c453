"""The FAQ answers say only what the seed page says: no invented page, promise or contact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.faq.catalog import load_catalog
from tests.seed_page import FACT, SEED_TEXT, in_seed, seed_words_around, squash

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {
    entry["id"]: entry["answer"]
    for path in sorted((ROOT / "faq_corpus").glob("*.yml"))
    for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
}
# Where the seed links 「こちら」, an answer says that the page's own link has the details.
LINK = "オンラインショップの「よくあるご質問」ページの"

# One row per finding of the re-read (issue 23): what the answer must no longer say, and the
# seed's own words (or the pointer to the page's link) it says instead.
FINDINGS = [
    ("estimate_before_order", "ログインしたうえでお見積り(見積書)を作成いただけます",
     "一部サービスの注文、お見積り作成、サービスのご利用にはビジネスdアカウントでの会員登録が必要です。"),
    ("credit_card_brands", "お支払い手続き時のご案内や各サービスの利用規約",
     "「クレジットカードでの支払いで利用可能なブランドは何がありますか?」に掲載の一覧"),
    ("direct_debit_duration", "お電話の場合は",
     "それぞれ申込書を記載後に、ビリングカスタマセンタへのお申し込みが必要となります。"),
    ("order_flow", "各サービス・商品ページをご確認ください", "「注文の流れを教えてください。」にあるリンク先"),
    ("payment_methods", "各サービスページのお支払いに関するご案内",
     "(ビジネスプラスで提供しているサービス)にあるリンク先"),
    ("contract_details", "ビジネスプラスの各商品ページのご案内", "「契約中サービスの内容を確認したい。」にあるリンク先"),
    ("cancellation_method", "解約方法のご案内", "「解約方法を教えてください。」にある③のリンク先"),
    ("user_id_list_create", "各サービス・商品ページ(", "「ご利用者さまIDリストを作成する方法を教えてください。」にあるリンク先"),
    ("user_id_list_register", "各サービス・商品ページのご案内", "登録の手順についてご不明な点は"),
]  # fmt: skip


@pytest.mark.parametrize("faq_id, invented, instead", FINDINGS, ids=[f[0] for f in FINDINGS])
def test_the_answer_says_what_the_seed_says(faq_id, invented, instead):
    answer = ANSWERS[faq_id]
    assert invented not in answer
    assert instead in answer


def test_pointers_name_questions_that_are_on_the_seed_page():
    for faq_id, answer in ANSWERS.items():
        for question in re.findall(re.escape(LINK) + r"「([^」]+)」", answer):
            assert in_seed(question), (faq_id, question)


def test_every_fact_of_an_answer_is_in_the_seeds_words():
    # Contacts come from the catalog; any other date rule, time, amount or 「できません」 must
    # stand in at least ten characters of the seed's own words around it.
    for faq_id, answer in ANSWERS.items():
        text = squash(re.sub(r"\{\w+\}", "", answer))
        for fact in FACT.finditer(text):
            around = seed_words_around(text, fact.start(), fact.end())
            assert len(around) >= len(fact.group()) + 10, (faq_id, fact.group(), around)


def test_urls_are_the_seeds_and_phone_numbers_the_catalogs():
    phones = {contact.phone for contact in load_catalog().contacts.values() if contact.phone}
    for faq_id, answer in ANSWERS.items():
        for url in re.findall(r"https?://[A-Za-z0-9./?=_&%-]+", answer):
            assert url in SEED_TEXT, (faq_id, url)
        for phone in re.findall(r"0\d{2,3}-\d{2,4}(?:-\d{3,4})?", answer):
            assert phone in phones, (faq_id, phone)
