"""`python -m bot.serving.actions_app --actions actions --port N`: rasa-sdk's action server, behind a token.

The same app as `python -m rasa_sdk --actions actions` (rasa-sdk's own routes and actions), on
127.0.0.1 only, and every request without the shared secret ACTIONS_TOKEN (`?token=`, which
Rasa sends from its endpoints file; bot/serving/profile.py) is refused with 401 before any
route runs. Without ACTIONS_TOKEN in the environment it does not start.
"""

from __future__ import annotations

import hmac
import logging
import os

TOKEN_ENV = "ACTIONS_TOKEN"


def create_app(token: str, package: str = "actions"):
    from rasa_sdk import endpoint
    from sanic import response

    app = endpoint.create_app(package, cors_origins=None)
    expected = token.encode()

    @app.middleware("request")
    async def needs_the_token(request):
        given = (request.args.get("token") or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    return app


def main() -> None:
    """rasa-sdk's command line and logging (`python -m rasa_sdk`), then the app above."""
    from rasa_sdk import utils
    from rasa_sdk.__main__ import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args()
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"{TOKEN_ENV} is not set: the action server answers no one without it")
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    app = create_app(token, args.actions)
    app.run("127.0.0.1", args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
