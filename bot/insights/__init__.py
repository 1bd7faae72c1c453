"""What the conversation log says the FAQ lacks: unanswered questions grouped by meaning."""

# An answer given with confidence under this is a low-confidence turn: listed by the insights
# report (bot/evaluation/insights.py) and grouped with the fallbacks (groups.py).
LOW_CONFIDENCE = 0.5
