"""A fix for a slow spot of Rasa 3.6, installed by the processes that run Rasa's dialogue.

RemoteAction checks every action server response with `jsonschema.validate()`, which checks the
*schema itself* against the JSON-Schema meta-schema on every call. A profile of `make bench`
showed that re-check taking more than half of the Rasa server's CPU per turn. The patched method
validates the same response against the same schema, with a validator built (and its schema
checked) once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from jsonschema import ValidationError, exceptions

    error = exceptions.best_match(_validator().iter_errors(result))
    if error is None:
        return True
    if isinstance(error, ValidationError):
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
    raise error


def install() -> None:
    """Patches RemoteAction once per process (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
