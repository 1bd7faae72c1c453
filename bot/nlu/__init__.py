"""Japanese NLU components registered for Rasa's config.yml."""
