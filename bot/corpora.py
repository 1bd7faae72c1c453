"""Where a corpus's training data and models live.

The shop's own `faq_corpus/` builds into `data/nlu/faq.yml` and trains into `models/`, as always.
Any other corpus folder (an imported FAQ export, say) gets a workspace of its own, so it never
overwrites the shop's generated files: `var/corpora/<name>/data/` (its faq.yml beside copies of
the shop's named intents, rules and stories) and `models/<name>/`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

SHOP_CORPUS = Path("faq_corpus")
FAQ_DATA = Path("nlu") / "faq.yml"  # inside a data folder: the FAQ's training examples
SHARED_DATA = ("nlu/intents.yml", "nlu/regex.yml", "nlu/contracts.yml", "rules", "stories")
# Written for the shop's scope ("questions this shop does not answer"); another FAQ has another
# scope, so its workspace leaves these examples out (fallback and "did you mean" still apply).
SHOP_ONLY_INTENTS = ("out_of_scope",)


@dataclass(frozen=True)
class Workspace:
    corpus: Path
    data: Path  # training data folder (rasa train --data)
    models: Path
    shop: bool

    @property
    def faq_data(self) -> Path:
        return self.data / FAQ_DATA


def is_shop(corpus: Path) -> bool:
    return Path(corpus).resolve() == SHOP_CORPUS.resolve()


def slug(corpus: Path) -> str:
    resolved = Path(corpus).resolve()
    name = re.sub(r"[^a-z0-9_-]+", "-", resolved.name.lower()).strip("-") or "corpus"
    return f"{name}-{hashlib.sha1(str(resolved).encode()).hexdigest()[:6]}"


def data_folder(corpus: Path, shop: bool) -> Path:
    """A corpus's training data folder, relative to the project."""
    return Path("data") if shop else Path("var/corpora") / slug(corpus) / "data"


def workspace(corpus: Path) -> Workspace:
    shop = is_shop(corpus)
    models = Path("models") if shop else Path("models") / slug(corpus)
    return Workspace(Path(corpus), data_folder(corpus, shop), models, shop)


def prepare(space: Workspace) -> None:
    """Copies the shop's named intents, rules and stories into a corpus's own data folder."""
    if space.shop:
        return
    for item in SHARED_DATA:
        source, target = Path("data") / item, space.data / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif source.name == "intents.yml":
            target.write_text(_without_shop_only(source), encoding="utf-8")
        elif source.exists():
            shutil.copy2(source, target)


def _without_shop_only(path: Path) -> str:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    document["nlu"] = [
        item for item in document.get("nlu") or [] if item.get("intent") not in SHOP_ONLY_INTENTS
    ]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


PROJECT_FILES = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "faq_catalog.yml")
PROJECT_DIRS = ("data", "faq_corpus")


def copy_project(root: Path, into: Path, model: Path) -> Path:
    """A scratch copy of the project at `root` with `model`, for runs that edit and retrain
    (the benchmark, the web tests) without touching the repository. `into` may exist, empty."""
    into.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(root / name, into / name)
    for name in PROJECT_DIRS:
        shutil.copytree(root / name, into / name)
    (into / "models").mkdir()
    shutil.copy2(model, into / "models" / model.name)
    return into
