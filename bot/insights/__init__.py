"""What the conversation log says the FAQ lacks: unanswered questions grouped by meaning."""
