"""The FAQ entries' button titles and canonical questions (see bot/faq/titles.py)."""

from bot.faq.titles import faq_titles

__all__ = ["faq_titles"]
