"""``python -m kiosk [--config FILE]``: the kiosk in a process that loads nothing of the server.

``hallq kiosk`` checks its options, puts them in HALLQ_KIOSK_* variables and becomes this process.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.config import load_settings
from kiosk.launch import run


def main(argv: list[str] | None = None) -> int:
    """Read the settings (file, then environment) and show the kiosk."""
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, help="a TOML file with a [kiosk] table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(load_settings(args.config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
