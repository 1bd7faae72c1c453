"""Every fact a reply states comes from a passage of the seed page, word for word, or the catalog.

A fact is a date rule, a time, an amount, a phone number or a categorical 「できません」
(`FACT`). Each reply template of the actions names its passages (`said(template, *seed)` in
actions/replies.py); each rule that states a fact names its own (`*_SEED`, `seed`, `say` in
bot/rules.py and bot/contact_routes.py). The tests find every passage on the page, then check
the templates and the reply built for each demo customer and each personal topic: each fact in
them must sit inside one of those passages, a contact line of the catalog, or the customer's data.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Iterable, List

import pytest
import yaml

import actions.personal  # noqa: F401  (imports every action module, so every template is declared)
from actions.contact import contact_reply
from actions.contracts import cancellation_method
from actions.orders import order_status
from actions.personal import PERSONAL_ANSWERS
from actions.replies import TEMPLATES
from bot import contact_routes, rules
from bot.faq.catalog import load_catalog
from tests.seed_page import FACT, in_seed, squash

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog()
NOW = datetime(2026, 2, 17, 10, 0, tzinfo=rules.JST)


def _flat(value: object) -> List[str]:
    return [value] if isinstance(value, str) else [p for v in value for p in _flat(v)]


def rule_passages() -> List[str]:
    """The passages the rules name."""
    named = [
        value
        for module in (rules, contact_routes)
        for name, value in vars(module).items()
        if name.endswith("_SEED")
    ]
    named += [route.seed for route in rules._ROUTES.values()]
    named += [route.say for route in contact_routes.TOPIC_ROUTES.values()]
    for family in rules.SERVICE_FAMILIES:
        rule = rules.payment_methods(family)
        named += [note for note in (rule.summary, *rule.notes) if rules.FAQ_PAGE not in note]
    return _flat(named)


PASSAGES = sorted(set(rule_passages()) | {p for t in TEMPLATES for p in t.seed})
CONTACT_LINES = [contact.render() for contact in CATALOG.contacts.values()]


def unexplained(text: str, sources: Iterable[str]) -> List[str]:
    """The facts in `text` that no source covers (whitespace aside)."""
    text = squash(text)
    covered = [False] * len(text)
    for source in {squash(s) for s in sources if s.strip()}:
        for found in re.finditer(re.escape(source), text):
            covered[found.start() : found.end()] = [True] * len(source)
    return [f.group() for f in FACT.finditer(text) if not all(covered[f.start() : f.end()])]


@pytest.mark.parametrize("passage", PASSAGES)
def test_every_named_passage_is_on_the_seed_page(passage):
    assert in_seed(passage), passage


def test_every_template_states_facts_only_from_its_own_passages():
    assert len(TEMPLATES) > 40
    for template in TEMPLATES:
        static = re.sub(r"\{[^}]*\}", "", template)
        assert not unexplained(static, template.seed), (template, template.seed)


def test_the_rules_values_are_their_passages():
    assert f"{rules.APPLICATION_CUTOFF.hour}時" in rules.APPLICATION_CUTOFF_SEED
    assert all(f"{rules.BARCODE_LIMIT_YEN // 10_000}万円" in p for p in rules.BARCODE_SEED)
    for hour in (contact_routes.OPENS_AT, contact_routes.CLOSES_AT):
        assert all(f"{hour.hour}:00" in p for p in contact_routes.HOURS_SEED)


def test_pointers_name_questions_on_the_seed_page():
    pointers = [t for t in TEMPLATES if rules.FAQ_PAGE in t]
    pointers += [route.instruction for route in rules._ROUTES.values()]
    pointers += [rules.payment_methods("business_plus").summary]
    for pointer in pointers:
        for question in re.findall(re.escape(rules.FAQ_PAGE) + r"の「([^」]+)」", pointer):
            assert in_seed(question), pointer


def _data(store, username: str) -> List[str]:
    """The customer's own data a reply may show: order times (theirs and their group's)."""
    orders = store.orders_of(username) + (store.colleague_orders(username) or [])
    return [f"{o.ordered_at.astimezone(rules.JST):%H:%M}" for o in orders]


def _replies(store, username: str):
    customer = store.user(username)
    for faq_id, handler in sorted(PERSONAL_ANSWERS.items()):
        yield faq_id, handler(customer, store, NOW)
    for contract in store.contracts_of(username):
        yield (
            contract.contract_number,
            cancellation_method(customer, store, NOW, contract.contract_number),
        )
    yield "order_status", order_status(customer, store, None)
    for topic in [None, *CATALOG.entries]:
        for handoff in (False, True):
            yield f"contact:{topic}", contact_reply(NOW, topic, handoff)


def test_every_reply_to_every_demo_customer_states_only_seed_facts(demo_store):
    usernames = demo_store.usernames()
    assert len(usernames) >= 8
    checked = 0
    for username in usernames:
        sources = [*PASSAGES, *CONTACT_LINES, *_data(demo_store, username)]
        for topic, messages in _replies(demo_store, username):
            for message in messages:
                assert not unexplained(message["text"], sources), (username, topic, message)
                checked += 1
    assert checked > 8 * len(PERSONAL_ANSWERS)


def test_the_domains_responses_state_only_catalog_facts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert not unexplained(variant["text"], CONTACT_LINES), name
