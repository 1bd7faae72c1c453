"""The FAQ corpus: loading, checking and compiling it into Rasa training data."""
