"""Where litecost's own files live: the data shipped inside the package, and the user's
data directory for what litecost writes on its own behalf (a synced price snapshot).

The repository keeps the shipped data at its top level (`pricing/`, `sample_data/`); the
wheel carries them as the packages `litecost._pricing` and `litecost._sample` (see
pyproject.toml), so one lookup serves a checkout, an editable install and an installed
wheel alike. Nothing is ever written into the
installed package.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

BUNDLED_PRICING_PACKAGE = "litecost._pricing"
SAMPLE_MONTH_PACKAGE = "litecost._sample"


def bundled_pricing_dir() -> Path:
    """The directory of the shipped price snapshot, its provenance and the example overrides."""
    return Path(str(resources.files(BUNDLED_PRICING_PACKAGE)))


def sample_month_dir() -> Path:
    """The sample month's logs, with its provider bills under invoices/."""
    return Path(str(resources.files(SAMPLE_MONTH_PACKAGE)))


def user_data_dir() -> Path:
    """The platform's per-user data directory for litecost (XDG on Linux)."""
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(home / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(base) / "litecost"
