"""``python -m server <rasa arguments>``: the rasa command line with WalkWise's fixes.

Before Rasa starts, every setting is checked (``common/settings.py``: a bad
value stops start-up, naming the variable), log records are kept free of
personal data (``common/log_privacy.py``), and ``--enable-api`` gets its JWT
and localhost settings or stops start-up (``server/http_api.py``)."""

import os
import sys

from common import log_privacy, settings
from server import http_api
from server.hardening import install

# Rasa's default listen backlog (100) resets connections in a flood of a few
# hundred clients; a longer queue makes them wait instead.
os.environ.setdefault("SANIC_BACKLOG", "1024")


def main() -> None:
    configured = settings.check()
    log_privacy.install()
    sys.argv = http_api.api_arguments(sys.argv, configured)
    http_api.require_expiry()
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
