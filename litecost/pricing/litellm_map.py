"""LiteLLM's price map as a layer: the snapshot in effect, reading a map (prices, aliases,
regional uplift, off-peak blocks), and the names LiteLLM looks a call's price up under."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError
from litecost.pricing.entries import OffPeak, PricedValue, PriceEntry
from litecost.pricing.keys import (
    MAX_MAP_BYTES,
    MAX_PRICE_PER_TOKEN,
    parse_price_key,
    to_decimal,
)
from litecost.pricing.off_peak import OFF_PEAK_KEY, OFF_PEAK_RATE_KEYS, parse_schedule
from litecost.resources import bundled_pricing_dir, user_data_dir

SNAPSHOT_NAME = "litellm_model_prices.json"
PROVENANCE_NAME = "litellm_model_prices.provenance.json"
SNAPSHOT_DIR_ENV_VAR = "LITECOST_SNAPSHOT_DIR"  # where `pricing sync` writes and the book reads


def synced_snapshot_dir() -> Path:
    """Where `pricing sync` writes: LITECOST_SNAPSHOT_DIR, else the user data directory."""
    return Path(os.environ.get(SNAPSHOT_DIR_ENV_VAR) or user_data_dir())


def snapshot_paths() -> tuple[Path, Path]:
    """The price-map snapshot in effect and its provenance record: the one `pricing sync`
    wrote (see synced_snapshot_dir), else the one shipped with litecost."""
    directory = synced_snapshot_dir()
    try:
        synced = (directory / SNAPSHOT_NAME).is_file()
    except OSError:  # a data directory this user may not enter holds nothing for them
        synced = False
    if not synced:
        directory = bundled_pricing_dir()
    return directory / SNAPSHOT_NAME, directory / PROVENANCE_NAME

REGIONAL_UPLIFT_KEY = "regional_endpoint_uplift_multiplier"
MAX_UPLIFT = 10


def _uplift(entry: dict[str, Any], origin: str, model_key: str, layer: str) -> PricedValue | None:
    raw = entry.get(REGIONAL_UPLIFT_KEY)
    if raw is None:
        return None
    value = to_decimal(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
    if value is None or not 0 < value <= MAX_UPLIFT:
        raise BadInputError(
            f"{origin}: {model_key}.{REGIONAL_UPLIFT_KEY} is {json.dumps(raw)[:40]}, not a multiplier",
            hint=f"a multiplier is a JSON number above 0 and at most {MAX_UPLIFT}; fix the entry or leave the key out",
        )
    return PricedValue(value, layer, REGIONAL_UPLIFT_KEY)


def _map_price(raw: Any, where: str) -> Decimal:
    """A price-map number (USD per token). LiteLLM multiplies these by token counts: anything
    but a number from 0 to MAX_PRICE_PER_TOKEN is a broken map, not a price to skip quietly."""
    value = to_decimal(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
    if value is None or value < 0 or value > MAX_PRICE_PER_TOKEN:
        raise BadInputError(
            f"{where} is {json.dumps(raw)[:40]}, not a price",
            hint=f"a price is a JSON number from 0 to {MAX_PRICE_PER_TOKEN} (USD per token); fix the entry or leave the key out",
        )
    return value


def _off_peak(entry: dict[str, Any], origin: str, model_key: str, layer: str) -> OffPeak | None:
    block = entry.get(OFF_PEAK_KEY)
    if block is None:
        return None
    where = f"{origin}: {model_key}.{OFF_PEAK_KEY}"
    schedule = parse_schedule(block, where)
    prices = {}
    for key in OFF_PEAK_RATE_KEYS:
        raw = block.get(key)
        if raw is None:
            continue
        prices[key] = PricedValue(_map_price(raw, f"{where}.{key}"), layer, f"{OFF_PEAK_KEY}.{key}")
    return OffPeak(schedule, prices)


# -- loading layers ----------------------------------------------------------------


def load_snapshot_provenance() -> dict[str, Any]:
    try:
        return json.loads(snapshot_paths()[1].read_text())
    except (OSError, ValueError):
        return {}


def snapshot_layer_name() -> str:
    version = load_snapshot_provenance().get("litellm_version")
    return f"litellm snapshot {version}" if version else "litellm snapshot"


def load_litellm_map(path: Path, layer_rank: int, layer_name: str | None = None) -> list[PriceEntry]:
    """A LiteLLM `model_prices_and_context_window.json`-format file as exact-match entries."""
    from litecost.files import read_input_text

    text = read_input_text(Path(path), "price map", MAX_MAP_BYTES, missing_hint="check the --pricing path")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON in price map: {exc.msg}", hint="fix the file") from None
    except RecursionError:
        raise BadInputError(f"{path}: JSON nested too deep to be a price map", hint="check the file") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: a LiteLLM price map is a JSON object of model entries", hint="check the file")
    return litellm_map_entries(data, str(path), layer_rank, layer_name or Path(path).name)


def litellm_map_entries(data: dict[str, Any], origin: str, layer_rank: int, name: str) -> list[PriceEntry]:
    """The priced entries of a LiteLLM-format map, and its aliases (`_alias_entries`); a price
    that is not a number ≥ 0 is a one-line error naming `origin`, the model key and the price key."""
    entries = _alias_entries(data, layer_rank, name)
    aliased = {e.pattern for e in entries}  # priced as the row they name, not by their own keys
    for model_key, entry in data.items():
        if model_key == "sample_spec" or not isinstance(entry, dict) or model_key in aliased:
            continue
        prices = {}
        for key, raw in entry.items():
            if not parse_price_key(key) or raw is None:
                continue
            prices[key] = PricedValue(_map_price(raw, f"{origin}: {model_key}.{key}"), name, key)
        if prices:
            # The key already names the provider where it matters (azure/…, gemini/…);
            # LiteLLM looks prices up by key alone, and so does litecost.
            entries.append(PriceEntry(layer_rank, name, model_key, "exact", None, prices=prices,
                                      regional_uplift=_uplift(entry, origin, model_key, name),
                                      off_peak=_off_peak(entry, origin, model_key, name)))
    return entries


def _alias_entries(data: dict[str, Any], layer_rank: int, name: str) -> list[PriceEntry]:
    """LiteLLM's map aliases (`_expand_model_aliases`, 1.110): a row whose `alias_of` names
    another row is served as that row, and a row's `aliases` list adds names for it. An alias
    becomes an entry that prices its calls as the row it names (`price_as`), so an override of
    that row applies to the alias too. As in LiteLLM, an alias that names an alias, or a name
    that is already a model row or claimed twice, prices nothing (`pricing check` lists such
    calls as unpriced)."""
    pointers = {key: row["alias_of"] for key, row in data.items()
                if isinstance(row, dict) and isinstance(row.get("alias_of"), str)}
    owners: dict[str, str] = {}
    for key, row in data.items():
        aliases = row.get("aliases") if isinstance(row, dict) and key not in pointers else None
        for alias in aliases if isinstance(aliases, list) else ():
            if isinstance(alias, str) and not (alias in data and alias not in pointers) and alias not in owners:
                owners[alias] = key
    for alias, target in pointers.items():
        if target in pointers or alias in owners:
            continue
        owners[alias] = target
    return [PriceEntry(layer_rank, name, alias, "exact", None, price_as=target) for alias, target in owners.items()]


# LiteLLM's Bedrock routing: prefixes it strips from a model before the id AWS receives,
# region paths (`bedrock/us-east-1/<id>`), and cross-region inference prefixes (`us.<id>`).
_BEDROCK_ROUTES = ("bedrock/", "chat_completions/", "converse/", "invoke/", "openai/", "mantle/", "nova-2/", "nova/")
_BEDROCK_CROSS_REGION = ("global", "us", "eu", "apac", "jp", "au", "us-gov")
_BEDROCK_REGION_PATH = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d/")
_BEDROCK_THROUGHPUT = re.compile(r"(:\d+:)\d+k$")


def _bedrock_model_id(model: str) -> str:
    """The id AWS receives: route prefixes and a region path dropped."""
    for prefix in _BEDROCK_ROUTES:
        if model.startswith(prefix):
            model = model.split("/", 1)[1]
    return _BEDROCK_REGION_PATH.sub("", model)


def _bedrock_base_model(model_id: str) -> str:
    """A cross-region id's base model (`us.anthropic.x` -> `anthropic.x`), and an
    ARN's or a provisioned-throughput id's model name."""
    if "arn" in model_id.lower():
        model_id = model_id.split("/")[-1]
    model_id = _BEDROCK_THROUGHPUT.sub(r"\1", model_id).removesuffix(":")
    region, dot, rest = model_id.partition(".")
    return rest if dot and region in _BEDROCK_CROSS_REGION else model_id


def litellm_lookup_names(model: str | None, provider: str | None) -> list[str]:
    """The map keys LiteLLM 1.110 tries for a model called with a provider, in its order
    (`utils._model_cost_lookup_order`): `provider/model` first — so Azure's own entry for a
    bare `text-embedding-3-small` wins over OpenAI's — then the model as given, then the
    model without its provider prefix; for Bedrock, without route prefixes and region paths,
    then the base model of a cross-region id; last, the provider prefix doubled."""
    if not model:
        return []
    if provider and model.startswith(f"{provider}/"):
        combined, split = model, model.split("/", 1)[1]
    elif provider:
        combined, split = f"{provider}/{model}", model
    else:
        combined, split = model, model
    names = [combined, model, split]
    if provider in ("bedrock", "bedrock_converse"):
        model_id = _bedrock_model_id(split)
        base = _bedrock_base_model(model_id)
        names += [model_id, f"{provider}/{base}", base]
    if provider and model.startswith(f"{provider}/"):
        # Last, the provider prefix doubled: Perplexity's Agent API keys are
        # `perplexity/perplexity/<model>` and its calls log `perplexity/<model>`.
        names.append(f"{provider}/{model}")
    return names


def call_names(model: str | None, provider: str | None, model_map_key: str | None, model_group: str | None = None,
               deployment_id: str | None = None) -> list[str]:
    """The names a call's price may be listed under, most specific first: the deployment's own
    prices, LiteLLM's lookup of the key it recorded, then of the model, then the model group."""
    names: list[str] = [f"deployment:{deployment_id}"] if deployment_id else []
    for name in [*litellm_lookup_names(model_map_key, provider), *litellm_lookup_names(model, provider), model_group]:
        if name and name not in names:
            names.append(name)
    if model and "/" in model:  # a model routed through another provider's prefix
        tail = model.split("/", 1)[1]
        if tail not in names:
            names.append(tail)
    return names


