"""Serving: `make run`'s servers, the embedded and production profiles, the Rasa channel."""
