# Shared helpers for the scripts/ verbs. Source it; do not run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WALKWISE_VENV:-$ROOT/.venv}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export WALKWISE_ROOT="$ROOT"
# Rasa and TensorFlow are chatty; keep what matters visible.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
