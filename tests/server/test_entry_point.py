"""The server's entry point (``python -m server``) before Rasa starts."""

import subprocess
import sys

from common import paths

PROBE = """
import sys
import server.__main__
import rasa.core.agent
import importlib
tflite_util = importlib.import_module("tensorflow.lite.python.util")
print(sys.modules["jax"] is None, tflite_util._xla_computation is None, "tensorflow" in sys.modules)
"""


def test_tensorflow_loads_without_jax_in_a_server_process() -> None:
    # JAX comes with the tensorflow wheel and TensorFlow imports it if it can:
    # 64 MB and most of a second in every Rasa process, for TF Lite
    # conversions nothing here makes.
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "True"]
