"""The label space: FAQ ids, named intents and contact centers from faq_catalog.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import yaml

DEFAULT_CATALOG = Path("faq_catalog.yml")


@dataclass(frozen=True)
class Contact:
    """A contact point customers can be sent to."""

    key: str
    name: str
    phone: str | None = None
    hours: str | None = None
    note: str | None = None

    def render(self) -> str:
        """How an answer names this contact: name, number and opening hours."""
        if self.phone and self.hours:
            return f"{self.name} {self.phone}(受付時間 {self.hours})"
        if self.phone:
            return f"{self.name} {self.phone}"
        return self.name


@dataclass(frozen=True)
class CatalogEntry:
    """One FAQ id of the catalog."""

    id: str
    category: str
    question: str
    personal: bool = False


@dataclass
class Catalog:
    """Everything faq_catalog.yml fixes."""

    entries: Dict[str, CatalogEntry] = field(default_factory=dict)
    intents: List[str] = field(default_factory=list)
    contacts: Dict[str, Contact] = field(default_factory=dict)

    @property
    def categories(self) -> List[str]:
        """Category keys in catalog order."""
        return list(dict.fromkeys(e.category for e in self.entries.values()))


def load_catalog(path: Path = DEFAULT_CATALOG) -> Catalog:
    """Reads the catalog file."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    catalog = Catalog(intents=list((raw.get("intents") or {}).keys()))
    for key, value in (raw.get("contacts") or {}).items():
        catalog.contacts[key] = Contact(key=key, **value)
    for category, items in (raw.get("faq") or {}).items():
        for faq_id, value in items.items():
            if isinstance(value, dict):
                question, personal = value["q"], bool(value.get("personal", False))
            else:
                question, personal = value, False
            catalog.entries[faq_id] = CatalogEntry(faq_id, category, question, personal)
    return catalog
