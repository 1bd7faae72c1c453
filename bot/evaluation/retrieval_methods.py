"""The FAQ retrieval methods that `python -m bot.retrieval_eval` compares (their data and metrics are
in retrieval_data.py).

Methods (see METHODS): BM25 over the question only (the baseline) or over question and answer,
directly with bm25s over Sudachi content words; sentence embeddings (e5) alone and fused with BM25
by weighted z-scores, outside Rasa; and Rasa pipelines from eval/byo_faq/configs/, trained on the
built data and queried through `Agent.load(...).parse_message(...)`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bot.evaluation.retrieval_data import CUTOFF, build_project, corpus_entries


@dataclass(frozen=True)
class Method:
    """One way of ranking FAQ entries."""

    name: str
    kind: str  # "bm25", "dense" or "rasa"
    description: str
    use_answers: bool = False  # bm25: index the answer text too
    split_mode: str = "C"  # bm25: Sudachi split mode
    config: str = ""  # rasa: file under CONFIGS
    answers_as_examples: bool = False  # rasa: each answer is one more training example
    # dense: weights of the e5 similarity to the question ("question", as a passage), to
    # question + answer ("question_answer") and of BM25 over both ("bm25", split mode A)
    weights: Tuple[Tuple[str, float], ...] = ()


METHODS: Dict[str, Method] = {
    m.name: m
    for m in (
        Method("bm25", "bm25", "BM25 over the question only (baseline, bm25s, no Rasa)"),
        Method(
            "bm25_a",
            "bm25",
            "BM25 over the question only, Sudachi split mode A (short units)",
            split_mode="A",
        ),
        Method("bm25_answers", "bm25", "BM25 over question + answer", use_answers=True),
        Method(
            "bm25_answers_b",
            "bm25",
            "BM25 over question + answer, Sudachi split mode B (middle units)",
            use_answers=True,
            split_mode="B",
        ),
        Method(
            "bm25_answers_a",
            "bm25",
            "BM25 over question + answer, Sudachi split mode A (short units)",
            use_answers=True,
            split_mode="A",
        ),
        Method(
            "selector",
            "rasa",
            "ResponseSelector alone (the shop's pipeline without FaqBm25Ranker)",
            config="selector.yml",
        ),
        Method(
            "selector_tuned",
            "rasa",
            "ResponseSelector alone, learning rate 0.01 and batches of 16-64",
            config="selector_tuned.yml",
        ),
        Method(
            "fusion",
            "rasa",
            "the shop's pipeline: ResponseSelector + FaqBm25Ranker (answers, weight 0.5)",
            config="fusion.yml",
        ),
        Method(
            "selector_answers",
            "rasa",
            "ResponseSelector alone, trained with each answer as an extra example",
            config="selector.yml",
            answers_as_examples=True,
        ),
        Method(
            "fusion_few",
            "rasa",
            "few-example candidate: Sudachi split mode A, FaqBm25Ranker weight 0.9 beta 1.0, "
            "DIET/ResponseSelector 50 epochs",
            config="fusion_few.yml",
        ),
        Method(
            "fusion_few_beta05",
            "rasa",
            "fusion_few with beta 0.5",
            config="fusion_few_beta05.yml",
        ),
        Method(
            "e5_question",
            "dense",
            "e5 alone: similarity of the query to the question (e5 passage), no Rasa",
            weights=(("question", 1.0),),
        ),
        Method(
            "e5_fusion",
            "dense",
            "e5 over the question and over question + answer, fused with BM25 (mode A) by "
            "weighted z-scores (1, 0.5, 0.25), no Rasa",
            weights=(("question", 1.0), ("question_answer", 0.5), ("bm25", 0.25)),
        ),
        Method(
            "meaning_few",
            "rasa",
            "inside Rasa: e5 features, DIET 10 epochs for intents, FaqRanker as e5_fusion",
            config="meaning_few.yml",
        ),
        Method(
            "meaning_few_logreg",
            "rasa",
            "meaning_few with LogisticRegressionClassifier instead of DIET",
            config="meaning_few_logreg.yml",
        ),
    )
}
DEFAULT_METHODS = (
    "bm25,bm25_a,bm25_answers,bm25_answers_b,bm25_answers_a,selector,selector_answers,"
    "selector_tuned,fusion,fusion_few_beta05,fusion_few,e5_question,e5_fusion,meaning_few,"
    "meaning_few_logreg"
)


# --- BM25 without Rasa -------------------------------------------------------------------------


class Bm25Retriever:
    """bm25s over the Sudachi content words (lemmas) of each entry, as FaqBm25Ranker indexes."""

    def __init__(self, split_mode: str = "C", k1: float = 1.2, b: float = 0.75) -> None:
        from bot.nlu.sudachi_tokenizer import SudachiSegmenter

        self._segmenter = SudachiSegmenter(split_mode)
        self.k1, self.b = k1, b
        self.ids: List[str] = []
        self._index: Any = None

    def terms(self, text: str) -> List[str]:
        """The content-word lemmas of a text."""
        from bot.nlu.segmenter import content_terms

        return content_terms(self._segmenter.tokens(text))

    def fit(self, ids: Sequence[str], documents: Sequence[str]) -> Bm25Retriever:
        """Indexes one document per entry."""
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.ids = list(ids)
        self._index = bm25s.BM25(k1=self.k1, b=self.b)
        corpus = [self.terms(doc) or ["<empty>"] for doc in documents]
        self._index.index(corpus, show_progress=False)
        return self

    def scores(self, query: str) -> Dict[str, float]:
        """The BM25 score of every entry for the query."""
        terms = self.terms(query)
        if not terms:
            return {faq_id: 0.0 for faq_id in self.ids}
        values = self._index.get_scores(terms)
        return {faq_id: float(v) for faq_id, v in zip(self.ids, values)}

    def rank(self, query: str, top: int = CUTOFF) -> List[Tuple[str, float]]:
        """The best `top` entries, best first (ties by id)."""
        scored = sorted(self.scores(query).items(), key=lambda kv: (-kv[1], kv[0]))
        return scored[:top]


def entry_documents(entries: Sequence[Any], use_answers: bool) -> List[str]:
    """One text per entry: its training questions, and its answer when asked."""
    from bot.faq.build import training_questions

    return ["\n".join(training_questions(e) + ([e.answer] if use_answers else [])) for e in entries]


def run_bm25(method: Method, corpus: Path, queries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Indexes and ranks with BM25 in this process."""
    entries = corpus_entries(corpus)
    start = time.perf_counter()
    retriever = Bm25Retriever(method.split_mode).fit(
        [e.id for e in entries], entry_documents(entries, method.use_answers)
    )
    train_s = time.perf_counter() - start
    rankings, latencies = [], []
    retriever.rank("ウォームアップ")
    for item in queries:
        start = time.perf_counter()
        ranked = retriever.rank(item["query"])
        latencies.append((time.perf_counter() - start) * 1000)
        rankings.append(ranked)
    return {"train_s": train_s, "rankings": rankings, "latencies_ms": latencies}


# --- sentence embeddings without Rasa ----------------------------------------------------------


def run_dense(method: Method, corpus: Path, queries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """e5 similarities (and BM25) per entry, fused by weighted z-scores as FaqRanker does."""
    import numpy as np

    from bot.knowledge.index import zscores
    from bot.nlu.embedding_cache import cached_embedder

    entries = corpus_entries(corpus)
    weights = dict(method.weights)
    embedder = cached_embedder()
    start = time.perf_counter()
    questions = [e.question for e in entries]
    vectors = {"question": embedder.training(questions, kind="passage")}
    if weights.get("question_answer"):
        both = [f"{e.question}\n{e.answer[:400]}" for e in entries]
        vectors["question_answer"] = embedder.training(both, kind="passage")
    retriever = None
    if weights.get("bm25"):
        retriever = Bm25Retriever("A").fit([e.id for e in entries], entry_documents(entries, True))
    train_s = time.perf_counter() - start
    ids = [e.id for e in entries]
    rankings, latencies = [], []
    for item in queries:
        start = time.perf_counter()
        query = embedder.query(item["query"])
        fused = np.zeros(len(ids))
        for name, matrix in vectors.items():
            fused += weights.get(name, 0.0) * zscores(matrix @ query)
        if retriever is not None:
            bm25 = retriever.scores(item["query"])
            fused += weights["bm25"] * zscores(np.array([bm25[i] for i in ids]))
        order = np.argsort(-fused, kind="stable")[:CUTOFF]
        latencies.append((time.perf_counter() - start) * 1000)
        rankings.append([(ids[i], float(fused[i])) for i in order])
    return {"train_s": train_s, "rankings": rankings, "latencies_ms": latencies}


# --- Rasa --------------------------------------------------------------------------------------


def faq_ranking(parse: Dict[str, Any], faq_ids: set) -> List[Tuple[str, float]]:
    """The FAQ entries of label_ranking(parse), best first (other intents left out)."""
    from bot.nlu.ranking import label_ranking

    return [(label, score) for label, score in label_ranking(parse) if label in faq_ids]


def train_rasa(method: Method, project: Path, models: Path, config: Path) -> Tuple[Path, float]:
    """Trains an NLU model of the scratch project; returns it and the training wall time."""
    from rasa.model_training import train_nlu

    models.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model = train_nlu(
        config=str(config),
        nlu_data=str(project / "data"),
        output=str(models),
        fixed_model_name=method.name,
        domain=str(project / "domain.yml"),
    )
    train_s = time.perf_counter() - start
    if not model:
        raise SystemExit(f"{method.name}: rasa train_nlu failed")
    return Path(model), train_s


async def _parse_all(agent: Any, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    await agent.parse_message("ウォームアップ")
    parses, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        parses.append(await agent.parse_message(text))
        latencies.append((time.perf_counter() - start) * 1000)
    return parses, latencies


def parse_with_model(
    model: Path, texts: Sequence[str]
) -> Tuple[List[Dict[str, Any]], List[float], Dict[str, Any] | None]:
    """Loads the model once and parses every text in process, timing each parse; then plays
    the conversation development set (eval/byo_faq/conversations.yml) in context and alone."""
    from rasa.core.agent import Agent

    from bot.evaluation.conversations import BYO_CONVERSATIONS, both_readings, load_conversations

    agent = Agent.load(str(model))
    parses, latencies = asyncio.run(_parse_all(agent, texts))
    conversations = None
    if BYO_CONVERSATIONS.exists():
        conversations = both_readings(agent, load_conversations(BYO_CONVERSATIONS))
    return parses, latencies, conversations


def run_rasa(
    method: Method, corpus: Path, work: Path, queries: List[Dict[str, Any]], config_dir: Path
) -> Dict[str, Any]:
    """Trains the method's pipeline and ranks every query with the trained model."""
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    project = build_project(corpus, work / "projects" / method.name, method.answers_as_examples)
    model, train_s = train_rasa(method, project, work / "models", config_dir / method.config)
    faq_ids = {e.id for e in corpus_entries(corpus)}
    parses, latencies, conversations = parse_with_model(model, [q["query"] for q in queries])
    rankings = [faq_ranking(p, faq_ids)[:CUTOFF] for p in parses]
    top_intents = Counter((p.get("intent") or {}).get("name") or "" for p in parses)
    return {
        "train_s": train_s,
        "rankings": rankings,
        "latencies_ms": latencies,
        "model": str(model),
        "top_intents": dict(top_intents),
        "conversations": conversations,
        "selector_rankings": [
            [
                [r.get("intent_response_key", "").split("/", 1)[-1], float(r.get("confidence", 0))]
                for r in ((p.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
            ]
            for p in parses
        ],
    }
