"""Masking personal data in chat messages: every kind, mixed, and no false alarms."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.jp import cn as corporate_number

from bot.faq.build import render_answer
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus
from bot.privacy import detect
from bot.privacy.detect import KINDS, Masker, fold, mask
from bot.privacy.notice import warning

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog(ROOT / "faq_catalog.yml")
SHOP = Masker(c.phone for c in CATALOG.contacts.values())
CONTACTS = {key: contact.render() for key, contact in CATALOG.contacts.items()}

# (message, what must be gone, what is kept instead, kind)
SENSITIVE = [
    ("カード番号は4111 1111 1111 1111です", "4111 1111 1111", "カード番号は****-****-****-1111です", "card"),
    ("4111-1111-1111-1111で払えますか", "4111-1111-1111", "****-****-****-1111で払えますか", "card"),
    ("カード５５５５５５５５５５５５４４４４", "５５５５５５５５５５５５", "カード****-****-****-4444", "card"),
    ("ｶｰﾄﾞ 3530－1113－3330－0000 です", "3530－1113－3330", "ｶｰﾄﾞ ****-****-****-0000 です", "card"),
    ("アメックス 3782 822463 10005", "3782 822463", "アメックス ****-****-****-0005", "card"),
    ("カード番号4111111111111111 有効期限12/29", "411111111111", "カード番号****-****-****-1111 有効期限12/29", "card"),
    ("マイナンバーは123456789018です", "123456789018", "マイナンバーは[個人番号]です", "my_number"),
    ("個人番号 1234 5678 9018 を送ります", "1234 5678 9018", "個人番号 [個人番号] を送ります", "my_number"),
    ("マイナンバー 1234-5678-9012", "1234-5678-9012", "マイナンバー [個人番号]", "my_number"),
    ("口座番号は1234567です", "1234567", "口座番号は[口座番号]です", "bank_account"),
    ("三井住友銀行 渋谷支店 普通 7654321", "7654321", "三井住友銀行 渋谷支店 普通 [口座番号]", "bank_account"),
    ("ゆうちょ 記号12345 番号12345678", "12345678", "ゆうちょ 記号[口座番号] 番号[口座番号]", "bank_account"),
    ("連絡先はtaro.yamada@example.co.jpです", "taro.yamada@", "連絡先は[メールアドレス]です", "email"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ に送って", "ｔａｒｏ＠", "[メールアドレス] に送って", "email"),
    ("電話は090-1234-5678です", "090-1234-5678", "電話は[電話番号]です", "phone"),
    ("０３－１２３４－５６７８までお願いします", "１２３４－５６７８", "[電話番号]までお願いします", "phone"),
    ("折り返しは090ー1234ー5678に", "1234ー5678", "折り返しは[電話番号]に", "phone"),
    ("携帯 +81 80 1234 5678", "1234 5678", "携帯 [電話番号]", "phone"),
    ("パスワードはAbc12345です", "Abc12345", "パスワードは[パスワード]です", "password"),
    ("PW: hunter22", "hunter22", "PW: [パスワード]", "password"),
    ("ログインのpw=s3cr3t!!", "s3cr3t", "ログインのpw=[パスワード]", "password"),
    ("パスワード「Sakura2026」でログインできません", "Sakura2026", "パスワード「[パスワード]」でログインできません", "password"),
]  # fmt: skip

MIXED = (
    "カード4111111111111111、電話090-1234-5678、メールa.b@example.jp、"
    "マイナンバー123456789018、口座番号7654321、パスワードはpass1234です"
)

# Typed by customers and the bot alike; none is personal data.
UNCHANGED = [
    "ORD-10000001の状況を教えて",
    "注文番号ＯＲＤ－１０００００５はどうなっていますか",
    "請求書番号R2601000101の支払期限は?",
    "契約C-2006を解約したい",
    "法人番号は9876543210987です",  # Luhn-valid, but called 法人番号
    "4567890123456で登録しています",  # a valid 法人番号 (check digit)
    "法人番号1234567890123の会社です",
    "ビリングカスタマセンタ 0120-047-128 に電話しました",
    "0120-003300は何時まで?",
    "支払期限日は2026-03-20ですか",
    "2026年3月20日に支払います",
    "請求金額が300,000円を超えます",
    "30万円以上の請求書",
    "支店で1000000円振り込みました",
    "口座振替の手続きに2カ月かかりますか",
    "4111 1111 1111 1112",  # 16 digits failing Luhn
    "1234 5678 9012 3456",
    "1234567890123456",
    "数量は12345台です",
    "パスワードを忘れました",
    "パスワードは8文字以上ですか",
    "パスワードはMENUから変更できますか",
    "PWの再設定方法",
    "「@mail.onlineshop.docomobusiness.ntt.com」からのメールが届きません",
    '/check_order_status{"order_number": "ORD-10000001"}',
    "ライセンスを10から25に増やしたい",
]


@pytest.mark.parametrize("text, secret, kept, kind", SENSITIVE, ids=[s[3] for s in SENSITIVE])
def test_each_kind_is_masked(text, secret, kept, kind):
    masked = SHOP.mask(text)
    assert masked.text == kept
    assert secret not in masked.text
    assert masked.kinds == (kind,)


def test_a_message_mixing_every_kind_keeps_none_of_them():
    masked = SHOP.mask(MIXED)
    assert masked.kinds == KINDS
    for secret in ("411111111111", "090-1234-5678", "a.b@", "123456789018", "7654321", "pass1234"):
        assert secret not in masked.text
    assert masked.text == (
        "カード****-****-****-1111、電話[電話番号]、メール[メールアドレス]、"
        "マイナンバー[個人番号]、口座番号[口座番号]、パスワードは[パスワード]です"
    )


@pytest.mark.parametrize("text", UNCHANGED)
def test_no_false_alarm(text):
    masked = SHOP.mask(text)
    assert masked.text == text and not masked.changed


def test_the_shops_numbers_are_masked_only_when_not_allowed():
    assert mask("0120-047-128").text == "[電話番号]"  # no exception without the catalog
    assert SHOP.mask("0120-047-128").text == "0120-047-128"


def _shop_texts() -> list[str]:
    texts = []
    for corpus_file in load_corpus(ROOT / "faq_corpus"):
        for entry in corpus_file.entries:
            texts += [entry.question, render_answer(entry.answer, CATALOG.contacts)]
            texts += [item.text for item in entry.examples + entry.tests]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    texts += [r.get("text", "") for rs in domain["responses"].values() for r in rs]
    texts += (ROOT / "tests" / "data" / "out_of_scope_eval.txt").read_text("utf-8").splitlines()
    return texts


def test_every_faq_text_and_response_of_the_shop_passes_unchanged():
    texts = _shop_texts()
    assert len(texts) > 1500
    changed = [(t, SHOP.mask(t).text) for t in texts if SHOP.mask(t).changed]
    assert changed == []


SEPARATORS = st.sampled_from([" ", "-", "", "", "　", "－", "ー", " - "])


@st.composite
def grouped_digits(draw):
    """13-19 digits, ASCII or full-width, with a random separator after each digit."""
    digits = draw(st.text(alphabet="0123456789", min_size=13, max_size=19))
    wide = draw(st.booleans())
    parts = []
    for i, digit in enumerate(digits):
        parts.append(chr(ord(digit) + 0xFEE0) if wide else digit)
        if i < len(digits) - 1:
            parts.append(draw(SEPARATORS))
    return digits, "".join(parts)


@settings(max_examples=400, deadline=None)
@given(grouped_digits(), st.sampled_from(["", "カード番号は", "これで払います:"]))
def test_every_luhn_valid_digit_string_is_masked(number, before):
    digits, typed = number
    if not luhn.is_valid(digits):
        digits = digits[:-1] + luhn.calc_check_digit(digits[:-1])
        typed = typed[:-1] + (chr(ord(digits[-1]) + 0xFEE0) if typed[-1] > "9" else digits[-1])
    assert luhn.is_valid(digits)
    if len(digits) == 13 and corporate_number.is_valid(digits) and not before.startswith("カード"):
        return  # a valid 法人番号 is public and stays (tested above)
    masked = SHOP.mask(f"{before}{typed}です")
    assert masked.text == f"{before}****-****-****-{digits[-4:]}です"
    assert "card" in masked.kinds


@given(st.text(max_size=60))
def test_folding_keeps_every_position(text):
    folded = fold(text)
    assert len(folded) == len(text)
    for a, b in zip(text, folded):
        assert a == b or unicodedata.normalize("NFKC", a) == b or b in "- "


def test_the_card_warning_names_the_billing_center_route():
    text = warning(["card"], CONTACTS)
    assert "ビリングカスタマセンタ 0120-047-128" in text and "音声ガイダンス" in text
    assert "チャットでは送信しない" in text


def test_the_warning_says_what_to_do_for_each_kind_once():
    text = warning(KINDS, CONTACTS)
    for name in ("クレジットカード番号", "マイナンバー", "口座番号", "メールアドレス", "電話番号"):
        assert name in text
    assert text.count("お問い合わせ」よりお問い合わせください") == 1  # e-mail and phone: one line
    assert "b-charge" in text and "パスワードの変更" in text
    assert warning([], CONTACTS) == ""


def test_the_fewest_digits_of_a_valid_number_is_recomputed_from_phonenumbers_metadata():
    import phonenumbers
    from phonenumbers import PhoneMetadata

    def fewest(metadata) -> int:
        return min(metadata.general_desc.possible_length or (99,))

    regions = [PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
    regions += [
        PhoneMetadata.metadata_for_nongeo_region(code)
        for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
    ]
    with_country_code = min(len(str(m.country_code)) + fewest(m) for m in regions)
    japanese = fewest(PhoneMetadata.metadata_for_region("JP"))  # written without +81
    assert detect.PHONE_MIN_DIGITS == min(with_country_code, japanese)


PHONE_PIECES = st.sampled_from(
    list("0123456789０１２３-ー－ ()（）+＋x.・/")
    + ["090", "03", "0120", "1234", "5678", "003300", "+81", "+43", "+683"]
    + ["電話", "は", "TEL", "内線", "ext", "円", "ORD-"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(PHONE_PIECES, max_size=16).map("".join))
def test_the_phone_matcher_finds_the_same_numbers_when_it_skips_texts(text):
    """Skipping the matcher where no stretch holds enough digits changes no result."""
    folded = fold(text)
    allowed = SHOP.allowed
    found = detect._phones_in(folded, allowed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detect, "could_hold_a_phone_number", lambda _: True)
        assert detect._phones_in(folded, allowed) == found
