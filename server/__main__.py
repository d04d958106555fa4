"""``python -m server <rasa arguments>``: the rasa command line with WalkWise's fixes."""

import sys

from server.hardening import install


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
