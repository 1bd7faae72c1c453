"""The NLU components trained on a small fixture corpus, with the real embedding model."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.nlu.dense_featurizer import SentenceEmbeddingFeaturizer
from bot.nlu.faq_ranker import FaqRanker
from bot.nlu.scope import MeaningScopeClassifier
from bot.nlu.sudachi_tokenizer import SudachiTokenizer

TRAINING = """
version: "3.1"
nlu:
- intent: faq/order_change_cancel
  examples: |
    - 注文後に注文内容の変更やキャンセルはできますか
    - 注文をキャンセルしたい
    - 申し込みを取り消したい
    - 注文した内容を変更できますか
- intent: faq/receipt
  examples: |
    - 領収書の発行は可能ですか
    - 領収書がほしい
    - 領収書は出せますか
- intent: faq/payment_due_date
  examples: |
    - 支払期限日はいつになりますか
    - 支払いの期限を知りたい
    - いつまでに払えばいいですか
- intent: greet
  examples: |
    - こんにちは
    - おはようございます
- intent: out_of_scope
  examples: |
    - スマホのアラームを解除したい
    - 目覚まし時計の設定を取り消したい
    - リマインダーを削除したい
    - 今日の天気は
    - タクシーを呼んでください
    - レストランの予約をキャンセルしたい
- lookup: shop_names
  examples: |
    - OCN光
responses:
  utter_faq/order_change_cancel:
  - text: 注文後の変更・キャンセルはマイページの注文履歴から申請できます。
  utter_faq/receipt:
  - text: 請求書内に領収書が含まれております。別途の発行はいたしかねます。
  utter_faq/payment_due_date:
  - text: お支払い期限日は請求書に記載しています。
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Tokenizer, featurizer, ranker and scope check trained on the fixture corpus."""
    folder = tmp_path_factory.mktemp("model")
    context = ExecutionContext(graph_schema=None, model_id="test", node_name="e5")
    storage = LocalModelStorage(folder)
    tokenizer = SudachiTokenizer(SudachiTokenizer.get_default_config())
    featurizer = SentenceEmbeddingFeaturizer.create({}, storage, Resource("e5"), context)
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer.process_training_data(data)
    featurizer.process_training_data(data)
    ranker = FaqRanker.create({}, storage, Resource("ranker"), context)
    ranker.train(data)
    scope = MeaningScopeClassifier.create({}, storage, Resource("scope"), context)
    scope.train(data)
    return tokenizer, featurizer, ranker, scope, storage, context
