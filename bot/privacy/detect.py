"""What must not be stored from a chat message: finding it, and the masked text to keep instead.

Pure functions over text, no Rasa, web or store imports. Kinds found:

- `card`: 13-19 digits passing Luhn, in groups split by spaces or hyphens, full-width too;
- `my_number`: a 個人番号 (12 digits with its check digit, or any 12 digits called マイナンバー);
- `bank_account`: 5-8 digits after 口座番号, 口座 or 支店 (not an amount in 円);
- `email`: an e-mail address;
- `phone`: a Japanese phone number, except the shop's own (the contact centers);
- `password`: what follows パスワード, PW or 暗証番号.

Left as typed: order numbers (ORD-…), invoice numbers (R…), contract numbers (C-…), 法人番号 (public;
13 digits with its check digit, or any 13 digits called 法人番号), dates, amounts, and digit runs
that pass none of the checks above.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, List, Tuple

import phonenumbers
from phonenumbers.phonenumbermatcher import _CLOSING_PARENS, _LEAD_CLASS_CHARS
from phonenumbers.phonenumberutil import _VALID_PUNCTUATION
from stdnum import luhn
from stdnum.jp import cn as corporate_number
from stdnum.jp import in_ as individual_number

KINDS = ("card", "my_number", "bank_account", "email", "phone", "password")
PLACEHOLDERS = {
    "my_number": "[個人番号]",
    "bank_account": "[口座番号]",
    "email": "[メールアドレス]",
    "phone": "[電話番号]",
    "password": "[パスワード]",
}
# How the warning and the README name each kind.
KIND_NAMES = {
    "card": "クレジットカード番号",
    "my_number": "マイナンバー(個人番号)",
    "bank_account": "口座番号",
    "email": "メールアドレス",
    "phone": "電話番号",
    "password": "パスワード",
}

_DASHES = "‐‑‒–—―−－﹣"
_LONG_VOWEL = "ーｰ"  # typed for a dash between digits (090ー1234ー5678); a kana elsewhere
_SPACES = "\u3000\u00a0\t"
# One character in, one character out, so spans found in the folded text fit the original.
_FOLD = {**{ord(d): "-" for d in _DASHES}, **{ord(s): " " for s in _SPACES}}

_SEPARATOR = r"(?: ?- ?| )"
# A run of digit groups; not the tail of an identifier such as ORD-10000001, R2601000101 or C-2001.
_DIGIT_RUN = re.compile(rf"(?<![0-9A-Za-z])(?<![A-Za-z]-)\d+(?:{_SEPARATOR}\d+)*")
_GROUP = re.compile(r"\d+")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
_PASSWORD = re.compile(
    r"(?:パスワード|暗証番号|(?<![A-Za-z])(?:pw|password|passcode)(?![A-Za-z]))"
    r"\s*(?:は|が|:|=|→|->|を)?\s*[「『\"'(]?"
    r"(?P<secret>[\x21-\x7e]{4,})",
    re.IGNORECASE,
)
# After a password-like word: a unit means "8文字以上", a particle after letters means a word.
_NOT_A_PASSWORD_AFTER = re.compile(r"文字|桁")
_WORD_END = re.compile(r"$|[\s。、,.!!??」』\")]|です|でした|だ")
_BANK_WORDS = re.compile(r"口座番号|口座|支店|普通預金|当座預金|記号番号|ゆうちょ")
_BANK_REACH = 30  # characters after the word within which a number is the account
_MY_NUMBER_WORDS = re.compile(r"マイナンバー|個人番号|my ?number", re.IGNORECASE)
_CORPORATE_WORDS = re.compile(r"法人番号")
_CARD_WORDS = re.compile(r"カード|card|クレジット|クレカ", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s*(?:円|万|千|億|件|個|台|名|人|日|月|年|時|分|秒|%|回|ヶ月|カ月|か月)")
_DECIMAL_AFTER = re.compile(r"[,.]\d")  # 1,000,000 or 1.5
_PHONE_START = re.compile(r"[0+(]")
# The phone matcher is the costliest check; it runs only where digits could make a number. The
# digits of a number it finds lie in one stretch of digits, the separators, brackets and plus
# signs its own pattern accepts between them (phonenumbers' constants), and a valid number
# anywhere has at least PHONE_MIN_DIGITS of them (Austria: +43 and 4 digits; Japan: 8 and
# more; tests/privacy/test_detect.py recomputes it from phonenumbers' metadata).
_PHONE_STRETCH = re.compile(
    "[" + _VALID_PUNCTUATION + _LEAD_CLASS_CHARS + _CLOSING_PARENS + "\\d]+"
)
PHONE_MIN_DIGITS = 6


@dataclass(frozen=True)
class Finding:
    """One piece of data to mask: where it is in the message, its kind, what replaces it."""

    start: int
    end: int
    kind: str
    replacement: str


@dataclass(frozen=True)
class Masked:
    """A message as it may be stored and sent on, and the kinds that were taken out."""

    text: str
    kinds: Tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def fold(text: str) -> str:
    """Full-width digits, letters and signs as ASCII, dashes as '-', wide spaces as ' '.

    Always the same length as `text`: a character whose NFKC form is longer stays as it is.
    """
    out = [_folded_char(ch) for ch in text.translate(_FOLD)]
    for i in range(1, len(out) - 1):
        if out[i] in _LONG_VOWEL and out[i - 1].isdigit() and out[i + 1].isdigit():
            out[i] = "-"
    return "".join(out)


_FOLDED: dict = {}  # each character's fold, computed once (at most _FOLDED_MAX characters)
_FOLDED_MAX = 1 << 16


def _folded_char(ch: str) -> str:
    folded = _FOLDED.get(ch)
    if folded is None:
        normal = unicodedata.normalize("NFKC", ch)
        folded = normal if len(normal) == 1 else ch
        if len(_FOLDED) < _FOLDED_MAX:
            _FOLDED[ch] = folded
    return folded


def card_mask(digits: str) -> str:
    """`****-****-****-1234`: only the last four digits stay, as on a receipt."""
    return "****-****-****-" + digits[-4:]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _near_before(pattern: re.Pattern, folded: str, start: int, reach: int = 15) -> bool:
    return bool(pattern.search(folded[max(0, start - reach) : start]))


def _cards_in(run: re.Match, folded: str) -> List[Finding]:
    """Card numbers among the groups of one digit run: 13-19 digits of whole groups, Luhn.

    From each group on, the longest span of whole groups that is a card number wins; spans are
    at most 19 digits, so a long run costs linear time.
    """
    groups = [g.group() for g in _GROUP.finditer(run.group())]
    spans = [(run.start() + g.start(), run.start() + g.end()) for g in _GROUP.finditer(run.group())]
    found: List[Finding] = []
    i = 0
    while i < len(groups):
        digits, candidates = "", []
        for j in range(i, len(groups)):
            digits += groups[j]
            if len(digits) > 19:
                break
            candidates.append((j, digits))
        for j, digits in reversed(candidates):
            start, end = spans[i][0], spans[j][1]
            if len(digits) < 13 or not luhn.is_valid(digits):
                continue
            if len(digits) == 13 and _is_corporate_number(digits, folded, start):
                continue
            found.append(Finding(start, end, "card", card_mask(digits)))
            i = j
            break
        i += 1
    return found


def _is_corporate_number(digits: str, folded: str, start: int) -> bool:
    if _near_before(_CARD_WORDS, folded, start):
        return False
    return corporate_number.is_valid(digits) or _near_before(_CORPORATE_WORDS, folded, start)


def _is_amount_or_count(folded: str, end: int) -> bool:
    return bool(_UNIT_AFTER.match(folded, end) or _DECIMAL_AFTER.match(folded, end))


def _numbers_in(run: re.Match, folded: str, bank_from: List[int]) -> List[Finding]:
    """個人番号 and account numbers in a run that holds no card number."""
    text, start, end = run.group(), run.start(), run.end()
    digits = _digits(text)
    if len(digits) == 12 and (
        individual_number.is_valid(digits) or _MY_NUMBER_WORDS.search(folded)
    ):
        return [Finding(start, end, "my_number", PLACEHOLDERS["my_number"])]
    if _is_amount_or_count(folded, end) or folded[max(0, start - 1) : start] in ("¥", "\\"):
        return []
    if not any(0 <= start - word_end <= _BANK_REACH for word_end in bank_from):
        return []
    found = []
    for group in _GROUP.finditer(text):
        if 5 <= len(group.group()) <= 8:
            found.append(
                Finding(
                    start + group.start(),
                    start + group.end(),
                    "bank_account",
                    PLACEHOLDERS["bank_account"],
                )
            )
    return found


def _passwords_in(folded: str) -> List[Finding]:
    found = []
    for match in _PASSWORD.finditer(folded):
        secret = match.group("secret").rstrip("\"')")  # a closing quote or bracket is not in it
        if len(secret) < 4:
            continue
        start, end = match.start("secret"), match.start("secret") + len(secret)
        if _NOT_A_PASSWORD_AFTER.match(folded, end):
            continue
        plain_word = secret.isalpha() and not _WORD_END.match(folded, end)
        if plain_word:  # "パスワードはMENUから": a word in a sentence, not a password
            continue
        found.append(Finding(start, end, "password", PLACEHOLDERS["password"]))
    return found


def could_hold_a_phone_number(folded: str) -> bool:
    """False when no stretch the phone matcher reads holds enough digits for a valid number."""
    return any(
        sum(ch.isdecimal() for ch in stretch.group()) >= PHONE_MIN_DIGITS
        for stretch in _PHONE_STRETCH.finditer(folded)
    )


def _phones_in(folded: str, allowed: frozenset) -> List[Finding]:
    found = []
    if not could_hold_a_phone_number(folded):
        return found
    for match in phonenumbers.PhoneNumberMatcher(
        folded, "JP", leniency=phonenumbers.Leniency.VALID
    ):
        if not _PHONE_START.match(folded, match.start):
            continue  # a Japanese number as people write it starts with 0 or +81
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in allowed:
            continue
        found.append(Finding(match.start, match.end, "phone", PLACEHOLDERS["phone"]))
    return found


def _without_overlaps(findings: Iterable[Finding]) -> List[Finding]:
    """First come first kept, in the order the kinds are checked."""
    kept: List[Finding] = []
    for finding in findings:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def find_sensitive(text: str, allowed_phones: Iterable[str] = ()) -> List[Finding]:
    """Every piece of `text` that must not be stored, in order; none overlap.

    `allowed_phones` are numbers never masked (the shop's own), in E.164 (`+81120047128`).
    """
    folded = fold(text)
    findings: List[Finding] = []
    findings += [
        Finding(m.start(), m.end(), "email", PLACEHOLDERS["email"]) for m in _EMAIL.finditer(folded)
    ]
    findings += _passwords_in(folded)
    bank_from = [m.end() for m in _BANK_WORDS.finditer(folded)]
    for run in _DIGIT_RUN.finditer(folded):
        cards = _cards_in(run, folded)
        findings += cards or _numbers_in(run, folded, bank_from)
    findings += _phones_in(folded, frozenset(allowed_phones))
    return _without_overlaps(findings)


def mask(text: str, allowed_phones: Iterable[str] = ()) -> Masked:
    """`text` with every finding replaced (`****-****-****-1234`, `[個人番号]`, …)."""
    findings = find_sensitive(text, allowed_phones)
    out, last = [], 0
    for finding in findings:
        out.append(text[last : finding.start])
        out.append(finding.replacement)
        last = finding.end
    out.append(text[last:])
    kinds = tuple(k for k in KINDS if any(f.kind == k for f in findings))
    return Masked("".join(out), kinds)


def phone_key(number: str) -> str:
    """A Japanese phone number as written (`0120-047-128`) in E.164 (`+81120047128`)."""
    parsed = phonenumbers.parse(number, "JP")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class Masker:
    """`mask` with the shop's own phone numbers allowed (they appear in replies and questions)."""

    def __init__(self, shop_phones: Iterable[str] = ()) -> None:
        self.allowed = frozenset(phone_key(number) for number in shop_phones if number)

    def mask(self, text: str) -> Masked:
        return mask(text, self.allowed)
