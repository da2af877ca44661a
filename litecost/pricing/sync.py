"""Refresh the bundled LiteLLM price-map snapshot, explicitly, with provenance.

Never runs implicitly: prices change, and a closed month must not be re-priced by
today's map behind the user's back. The snapshot and its provenance are replaced
atomically, and only after the new map has been validated.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.files import write_atomically
from litecost.pricing.litellm_map import PROVENANCE_NAME, SNAPSHOT_DIR_ENV_VAR, SNAPSHOT_NAME, litellm_map_entries, snapshot_paths, synced_snapshot_dir

DEFAULT_URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
MIN_PRICED_ENTRIES = 50  # a real map has thousands; fewer means we fetched something else


def fetch(url: str, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0) -> bytes:
    import httpx

    last_error = ""
    for attempt in range(retries):
        try:
            response = httpx.get(url, timeout=timeout, follow_redirects=True)
            if response.status_code == 200:
                return response.content
            last_error = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break  # retrying a 404 will not help
        except httpx.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        if attempt + 1 < retries:
            time.sleep(backoff * (2**attempt))
    raise BadInputError(
        f"could not download the price map from {url} ({last_error})",
        hint="check the network, or use `litecost pricing sync --from-file PATH` with a downloaded copy",
    )


def validate_map(content: bytes, origin: str) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{origin}: not a JSON price map ({exc})", hint="point at LiteLLM's model_prices_and_context_window.json") from None
    except RecursionError:
        raise BadInputError(f"{origin}: JSON nested too deep to be a price map", hint="point at LiteLLM's model_prices_and_context_window.json") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{origin}: a LiteLLM price map is a JSON object of model entries")
    priced = len(litellm_map_entries(data, origin, 1, origin))  # also refuses a price that is not a number ≥ 0
    if priced < MIN_PRICED_ENTRIES:
        raise BadInputError(
            f"{origin}: only {priced} priced model entries; this does not look like LiteLLM's price map",
            hint="check the URL or file",
        )
    return data


def sync(*, url: str | None = None, from_file: str | None = None, now: datetime) -> dict[str, Any]:
    in_effect = snapshot_paths()[0]
    target = synced_snapshot_dir()
    snapshot, provenance = target / SNAPSHOT_NAME, target / PROVENANCE_NAME
    if url and from_file:
        raise UsageError("give either --url or --from-file, not both")
    if from_file:
        from litecost.files import read_input_text
        from litecost.pricing.keys import MAX_MAP_BYTES

        # Bounded: `--from-file /dev/zero` or a wrong multi-GB file must not fill memory.
        content = read_input_text(Path(from_file), "price map", MAX_MAP_BYTES).encode("utf-8")
        source = f"file {Path(from_file).resolve()}"
    else:
        url = url or DEFAULT_URL
        content = fetch(url)
        source = url
    data = validate_map(content, from_file or url)
    previous = hashlib.sha256(in_effect.read_bytes()).hexdigest() if in_effect.exists() else None
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the snapshot directory {target}: {exc.strerror}",
            hint=f"set {SNAPSHOT_DIR_ENV_VAR} to a writable directory",
        ) from None
    record = {
        "source": source,
        "path_in_package": None,
        "litellm_version": None,
        "sha256": hashlib.sha256(content).hexdigest(),
        "retrieved_on": now.date().isoformat(),
        "retrieved_at": now.isoformat(),
        "entries": sum(1 for k in data if k != "sample_spec"),
        "previous_sha256": previous,
    }
    write_atomically(snapshot, content)
    write_atomically(provenance, (json.dumps(record, indent=2) + "\n").encode())
    return record
