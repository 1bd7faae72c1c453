"""The labels an answer can have: FAQ entries (with titles) and the domain's named intents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from bot.faq.titles import faq_titles

HIDDEN_INTENTS = {"faq", "nlu_fallback"}


@dataclass(frozen=True)
class Label:
    name: str  # faq/<id> or an intent
    title: str


def faq_labels(corpus_dir: Path) -> Dict[str, Label]:
    return {
        f"faq/{faq_id}": Label(f"faq/{faq_id}", title)
        for faq_id, (title, _question) in faq_titles(str(corpus_dir)).items()
    }


def intent_labels(domain_file: Path) -> Dict[str, Label]:
    try:
        domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    names: List[str] = []
    for item in domain.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return {n: Label(n, n) for n in names if n not in HIDDEN_INTENTS}


def all_labels(corpus_dir: Path, domain_file: Path) -> Dict[str, Label]:
    return {**faq_labels(corpus_dir), **intent_labels(domain_file)}
