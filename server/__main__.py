"""``python -m server <rasa arguments>``: the rasa command line with WalkWise's fixes.

Before Rasa starts, every setting is checked (``common/settings.py``: a bad
value stops start-up, naming the variable), log records are kept free of
personal data (``common/log_privacy.py``), and ``--enable-api`` gets its JWT
and localhost settings or stops start-up (``server/http_api.py``)."""

import os
import sys

# A turn's arithmetic is small (one sentence against a few thousand vectors):
# a BLAS thread pool costs far more than it saves there, a matrix-vector
# product took 0.7 ms with OpenBLAS's threads against 1.4 us without them on
# 2 cores. Set before numpy is first imported; an explicit value wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

# TensorFlow imports JAX whenever it is installed (tensorflow/lite/python/
# util.py, in a try/except ImportError), only to convert JAX functions to
# TF Lite, which nothing here does. JAX comes with the tensorflow wheel, so it
# stays installed; each server process treats it as absent: 64 MB less
# resident memory and about 0.7 s less start-up (benchmarks/turn_speed.py).
sys.modules.setdefault("jax", None)  # type: ignore[arg-type]

from common import log_privacy, settings  # noqa: E402
from server import http_api  # noqa: E402
from server.hardening import install  # noqa: E402

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
