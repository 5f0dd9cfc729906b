"""``make load``: a bounded load test on loopback, against an embedded stack of its own.

    .venv/bin/python -m tests.load [--seconds 120] [--clients 8]

Starts MongoDB and S3 (embedded, in a temporary directory), serves the API as its own process
(``espace-sante serve``), runs the workload (``tests/load/workload.py``), then counts what was
stored. Exits 1 if any request failed on the server's side or any acknowledged write is not
stored exactly once; the server's logs are kept in ``.data/load/`` for a look afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from api.embedded.stack import EmbeddedStack
from api.logs import configure_logging
from api.settings import Settings
from tests.load.runner import load_run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    configure_logging("WARNING", "console")
    logs = Path(".data/load")
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="espace-sante-load-") as data:
        stack = EmbeddedStack(Settings(background_workers=False), data_dir=Path(data))
        settings = stack.start()
        try:
            print(f"loading for {args.seconds:.0f} s with {args.clients} clients…", flush=True)
            outcome = load_run(
                settings, seconds=args.seconds, clients=args.clients, log=logs / "api.log"
            )
        finally:
            stack.stop()
    print(outcome.summary())
    for failure in outcome.failures:
        print(f"  {failure}")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
