"""Custom actions of the bot (rasa-sdk), grouped by topic."""
