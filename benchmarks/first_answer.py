"""Time from the run command on a fresh clone to the first answer, and the
resident memory of the two servers.

    .venv/bin/python -m benchmarks.first_answer [--clone DIR]

Clones this repository into a new folder (or uses --clone), runs
``scripts/run`` there (install, ingest, train, start), asks one question over
REST until it is answered, then prints the elapsed time and the resident
memory (VmRSS) of the Rasa server and the action server, and stops them.
Ports 5005 and 5055 must be free.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from common import paths

ROOT = paths.ROOT
QUESTION = "Does walking help my lower back pain?"
EXPECTED = "walking can be beneficial"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_pids(clone: Path) -> dict[str, int]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd != str(clone):
            continue
        if "-m server run" in cmdline:
            found["rasa server"] = int(entry.name)
        elif "-m rasa_sdk" in cmdline:
            found["action server"] = int(entry.name)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clone", type=Path)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    clone = args.clone or Path(tempfile.mkdtemp(prefix="walkwise-fresh-")) / "walkwise"
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    log = (clone.parent / "run.log").open("w")
    start = time.monotonic()
    run = subprocess.Popen(
        ["scripts/run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    answered = None
    try:
        while time.monotonic() - start < args.timeout and run.poll() is None:
            try:
                reply = requests.post(
                    "http://127.0.0.1:5005/webhooks/rest/webhook",
                    json={"sender": "benchmark", "message": QUESTION},
                    timeout=30,
                )
                if reply.ok and EXPECTED in " ".join(m.get("text") or "" for m in reply.json()):
                    answered = time.monotonic() - start
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        if answered is None:
            print(f"no answer; see {clone.parent / 'run.log'}", file=sys.stderr)
            return 1
        time.sleep(2)
        print(f"fresh clone: {clone}")
        print(f"run command to first answer: {answered:.0f} s")
        for name, pid in sorted(server_pids(clone).items()):
            print(f"resident memory, {name}: {rss_mb(pid):.0f} MiB")
        return 0
    finally:
        os.killpg(run.pid, signal.SIGINT)
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
