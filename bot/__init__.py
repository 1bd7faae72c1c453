"""Japanese customer-support FAQ bot on Rasa: NLU components, FAQ compiler, CLI."""
