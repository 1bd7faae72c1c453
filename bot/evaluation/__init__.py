"""Evaluation: `make eval`, `make bench`, `make insights` and the retrieval comparison."""
