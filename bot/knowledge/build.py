"""Builds a knowledge snapshot from a corpus folder: no Rasa, no training of the dialogue model.

The vectors come from the embedding cache (bot/nlu/embedding_cache.py): only new or changed
texts are embedded. The words come from Sudachi as the Rasa tokenizer makes them, the FAQ
classifier is refitted (bot/knowledge/index.py), and the out-of-scope examples of the shop are
embedded for the scope check. What the FAQ ranker does with each part is set by the pipeline's
config (config.yml, or config_few_examples.yml for a corpus with few examples per entry), which
the snapshot records: a worker whose model was trained with another config keeps its own index.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import yaml

from bot.corpora import SHOP_CORPUS
from bot.faq.build import render_answer, training_questions
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus
from bot.knowledge.index import answer_passage, fit_classifier, starts_of
from bot.knowledge.snapshot import FORMAT, Snapshot
from bot.nlu.embedding_cache import cached_embedder
from bot.nlu.lexical import content_terms
from bot.nlu.segmenter import SudachiSegmenter

CATALOG = Path("faq_catalog.yml")
OUT_OF_SCOPE = Path("data/nlu/out_of_scope.yml")
PROPER_NOUN = "固有名詞"
RANKER = "FaqRanker"
TOKENIZER = "SudachiTokenizer"
# The FAQ ranker's defaults (bot/nlu/faq_ranker.py takes them from here).
RANKER_DEFAULTS: Dict[str, Any] = {
    "retrieval_intent": "faq",
    "weights": {"dense": 1.0, "answer": 0.0, "bm25": 0.5, "classifier": 1.0},
    "use_answers": True,  # BM25 indexes each entry's answer too
    "example_kind": "query",  # or "passage"
    "answer_with_question": False,
    "answer_chars": 400,  # the start of an answer carries its topic
    "k1": 1.2,
    "b": 0.75,
    "classifier_c": 10.0,
    "temperature": 1.0,
    "ranking_length": 10,
    "embedder": None,
}
# The part of the ranker's config that shapes a snapshot's content (the rest is how to rank).
CONTENT_CONFIG = (
    "weights", "use_answers", "example_kind", "answer_with_question", "answer_chars",
    "classifier_c", "embedder",
)  # fmt: skip


def effective_config(given: Dict[str, Any]) -> Dict[str, Any]:
    """The FAQ ranker's config as Rasa hands it over: the defaults overridden one level deep
    (rasa.utils.common.override_defaults), so `weights: {bm25: 0.25}` keeps `dense: 1.0`."""
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in RANKER_DEFAULTS.items()}
    for key, value in (given or {}).items():
        if isinstance(config.get(key), dict) and isinstance(value, dict):
            config[key].update(value)
        else:
            config[key] = value
    return config


def builder_config(config: Dict[str, Any], split_mode: str) -> Dict[str, Any]:
    """What a snapshot built with this (effective) FAQ ranker config must agree on with the
    model: the parts that shape its content, and the tokenizer's split mode."""
    out = {k: config.get(k, RANKER_DEFAULTS.get(k)) for k in CONTENT_CONFIG}
    out["weights"] = {k: float(v) for k, v in sorted((config.get("weights") or {}).items()) if v}
    out["split_mode"] = split_mode
    return out


def pipeline_config(config_file: Path) -> Tuple[Dict[str, Any], str]:
    """The FAQ ranker's effective settings and the tokenizer's split mode in a Rasa config."""
    document = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    ranker: Dict[str, Any] = {}
    split_mode = "C"
    for component in document.get("pipeline") or []:
        name = str(component.get("name", ""))
        if name.endswith(RANKER):
            ranker = {k: v for k, v in component.items() if k != "name"}
        elif name.endswith(TOKENIZER):
            split_mode = str(component.get("split_mode", "C"))
    return effective_config(ranker), split_mode


def ranking_config(snapshot: Snapshot, project_dir: Path = Path(".")) -> Dict[str, Any]:
    """The FAQ ranker's config of the pipeline a snapshot was built for (to rank with it)."""
    return pipeline_config(Path(project_dir) / str(snapshot.meta.get("config_file")))[0]


@lru_cache(maxsize=3)
def segmenter(split_mode: str) -> SudachiSegmenter:
    return SudachiSegmenter(split_mode)


def out_of_scope_examples(path: Path = OUT_OF_SCOPE) -> List[str]:
    """The shop's out-of-scope examples (intent out_of_scope of data/nlu/out_of_scope.yml)."""
    if not Path(path).exists():
        return []
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    texts: List[str] = []
    for item in document.get("nlu") or []:
        if item.get("intent") == "out_of_scope":
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and line[2:].strip():
                    texts.append(" ".join(line[2:].split()))
    return texts


def build_snapshot(
    corpus: Path,
    config_file: Optional[Path] = None,
    project_dir: Path = Path("."),
    built_by: str = "",
    base: Optional[Snapshot] = None,
) -> Snapshot:
    """The snapshot of `corpus` as it is on disk now (see the module docstring).

    With `base` (the live snapshot, built with the same config), the classifier's fit starts
    from its weights: an edit that changes no example costs no iteration."""
    from bot.training import default_config

    started = time.monotonic()
    project_dir = Path(project_dir)
    corpus = Path(corpus)
    if not corpus.is_absolute():
        corpus = project_dir / corpus
    shop = corpus.resolve() == (project_dir / SHOP_CORPUS).resolve()
    config_file = Path(config_file or ("config.yml" if shop else default_config(corpus)))
    if not config_file.is_absolute():
        config_file = project_dir / config_file
    config, split_mode = pipeline_config(config_file)
    catalog = load_catalog(project_dir / CATALOG)
    entries, categories = [], {}
    for corpus_file in load_corpus(corpus):
        for entry in corpus_file.entries:
            entries.append(entry)
            categories[entry.id] = corpus_file.category
    entries.sort(key=lambda e: f"faq/{e.id}")
    texts = [training_questions(e) for e in entries]
    answers = [render_answer(e.answer, catalog.contacts).strip() for e in entries]
    flat = [t for group in texts for t in group]
    sizes = np.array([len(group) for group in texts], dtype=np.int64)
    embedder = cached_embedder(config["embedder"])
    before = embedder.embedded
    as_queries = embedder.training(flat, kind="query")
    arrays: Dict[str, np.ndarray] = {
        "examples": as_queries
        if config["example_kind"] != "passage"
        else embedder.training(flat, kind="passage"),
        "starts": starts_of(sizes),
    }
    weights = config["weights"]
    if weights.get("answer"):
        passages = [
            answer_passage(
                answer,
                group[0] if config["answer_with_question"] and group else "",
                config["answer_chars"],
            )
            for group, answer in zip(texts, answers)
        ]
        arrays["answers"] = embedder.training(passages, kind="passage")
    if weights.get("classifier"):
        keys = [f"faq/{e.id}" for e in entries]
        same = _same_fit(
            base, keys, as_queries, arrays["starts"], builder_config(config, split_mode)
        )
        if same is not None:  # the fit's inputs are the live snapshot's: so are its weights
            coef, intercept = same
        else:
            start = _warm_start(base, keys, builder_config(config, split_mode))
            coef, intercept = fit_classifier(
                as_queries, sizes, float(config["classifier_c"]), start
            )
        if coef is not None:
            arrays["coef"], arrays["intercept"] = coef, intercept
    tokens = memo_tokens(split_mode)
    documents, names = [], set()
    for group, answer in zip(texts, answers):
        terms: List[str] = []
        for text in group:
            words = tokens(text)
            terms += content_terms(words)
            names.update(_names(words))
        answer_words = tokens(answer)
        names.update(_names(answer_words))
        if config["use_answers"]:
            terms += content_terms(answer_words)
        documents.append(terms)
    outside = out_of_scope_examples(project_dir / OUT_OF_SCOPE) if shop else []
    if outside:
        arrays["outside"] = embedder.training(outside, kind="query")
    snapshot = Snapshot(
        meta={
            "format": FORMAT,
            "corpus": corpus.name,
            "builder": builder_config(config, split_mode),
            "config_file": config_file.name,
            "entries": len(entries),
            "examples": int(sizes.sum()),
            "out_of_scope": len(outside),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "built_by": built_by,
        },
        entries=[
            {
                "id": e.id,
                "title": e.title,
                "question": e.question,
                "answer": answer,
                "category": categories.get(e.id),
                "examples": group,
                "tests": [t.text for t in e.tests],
            }
            for e, group, answer in zip(entries, texts, answers)
        ],
        documents=documents,
        names=sorted(names),
        arrays=arrays,
    )
    snapshot.meta["embedded"] = embedder.embedded - before
    snapshot.meta["build_seconds"] = round(time.monotonic() - started, 2)
    return snapshot.sealed()


def _same_fit(
    base: Optional[Snapshot],
    keys: List[str],
    vectors: np.ndarray,
    starts: np.ndarray,
    config: Dict[str, Any],
) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """The base snapshot's classifier weights when it was fitted on exactly these examples."""
    if base is None or base.meta.get("builder") != config or "coef" not in base.arrays:
        return None
    if base.keys != keys or not np.array_equal(base.arrays["starts"], starts):
        return None
    examples = base.arrays["examples"] if config.get("example_kind") == "query" else None
    if examples is None or examples.shape != vectors.shape or not np.array_equal(examples, vectors):
        return None
    return base.arrays["coef"], base.arrays["intercept"]


def _warm_start(
    base: Optional[Snapshot], keys: List[str], config: Dict[str, Any]
) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """The base snapshot's classifier weights in the order of `keys` (zeros for a new entry)."""
    if base is None or base.meta.get("builder") != config or "coef" not in base.arrays:
        return None
    coef, intercept = base.arrays["coef"], base.arrays["intercept"]
    row = {key: i for i, key in enumerate(base.keys)}
    out_coef = np.zeros((len(keys), coef.shape[1]), np.float64)
    out_intercept = np.zeros(len(keys), np.float64)
    for i, key in enumerate(keys):
        if key in row:
            out_coef[i], out_intercept[i] = coef[row[key]], intercept[row[key]]
    return out_coef, out_intercept


def memo_tokens(split_mode: str):
    """Sudachi tokens of a corpus text, memoized: a rebuild re-reads the same examples (never
    for customers' questions: they are not kept)."""
    return _memo_tokens(segmenter(split_mode))


@lru_cache(maxsize=3)
def _memo_tokens(seg: SudachiSegmenter):
    return lru_cache(maxsize=50_000)(lambda text: tuple(seg.tokens(text)))


def _names(tokens: Any) -> List[str]:
    """Sudachi's proper nouns among `tokens` (the scope check's known names)."""
    return [t.text for t in tokens if (t.data or {}).get("pos_detail") == PROPER_NOUN]
