"""``python -m server <rasa arguments>``: the rasa command line with WalkWise's fixes."""

import os
import sys

from server.hardening import install

# Rasa's default listen backlog (100) resets connections in a flood of a few
# hundred clients; a longer queue makes them wait instead.
os.environ.setdefault("SANIC_BACKLOG", "1024")


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
