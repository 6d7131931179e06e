"""``python -m kiosk [--config FILE]``: the kiosk in a process that loads nothing of the server.

``hallq kiosk`` checks its options, puts them in HALLQ_KIOSK_* variables and becomes this process.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from kiosk.config import load_settings, settings_problems
from kiosk.launch import run

log = logging.getLogger("kiosk")


def main(argv: list[str] | None = None) -> int:
    """Read the settings (file, then environment) and show the kiosk."""
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, help="a TOML file with a [kiosk] table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
    except ValidationError as error:
        for line in settings_problems(error):
            log.error("kiosk settings: %s", line)
        return 2
    except (OSError, ValueError) as error:
        log.error("kiosk settings: %s: %s", args.config, error)
        return 2
    run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
