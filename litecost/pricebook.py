"""The price book: layers of prices the user controls, and re-pricing calls in SQL.

Layers, later ones win:

1. the LiteLLM price-map snapshot: shipped in the package (the repository's
   `pricing/litellm_model_prices.json`), or the newer one `litecost pricing sync` wrote;
2. LiteLLM-format price maps the user names (`--pricing FILE.json`);
3. YAML override files (`--pricing FILE.yaml`, see `pricing/overrides.example.yaml`):
   prices per category with units, effective dates, long-context tiers, service
   tiers, and discounts/uplifts;
   (`litecost pricing import-config` turns a LiteLLM proxy config into such a file).

Every price is kept in LiteLLM's own key space (`input_cost_per_token`,
`cache_read_input_token_cost_above_200k_tokens`, `output_cost_per_token_batches`…):
a YAML override is translated into those keys and merged over whatever lower layers
say for the same model, so an override that names only `input` keeps the rest.
Resolution then follows LiteLLM's rules (reference §5.2): a missing cache price
falls back to the input rate, reasoning to the output rate, audio/image to
input/output; a long-context tier applies to the whole call when the cache-inclusive
prompt exceeds it; batch uses `_batches` keys or half the standard rate; priority and
flex use their keys or the standard rate. A LiteLLM cache hit costs nothing.

The price book itself is configuration (a few thousand entries), resolved in
Python; the calls are priced in DuckDB by joining them to the resolved rates.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.off_peak import (
    OFF_PEAK_KEY,
    OFF_PEAK_RATE_KEYS,
    Schedule,
    install_windows,
    open_schedules_params_sql,
    open_schedules_sql,
    parse_schedule,
)
from litecost.resources import bundled_pricing_dir, user_data_dir
from litecost.sql import MONEY
from litecost.tokens import CATEGORIES

SNAPSHOT_NAME = "litellm_model_prices.json"
PROVENANCE_NAME = "litellm_model_prices.provenance.json"
PRICING_ENV_VAR = "LITECOST_PRICING"
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

SERVICE_TIERS = ("standard", "batch", "priority", "flex")
_TIER_SUFFIX = {"standard": "", "batch": "_batches", "priority": "_priority", "flex": "_flex"}

# Token-priced categories and their LiteLLM price keys. `web_search` is a count and is
# not priced per token; it is reported, not re-priced.
CATEGORY_KEYS: dict[str, str] = {
    "input": "input_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write_5m": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
    "output": "output_cost_per_token",
    "reasoning": "output_cost_per_reasoning_token",
    "audio_input": "input_cost_per_audio_token",
    "audio_output": "output_cost_per_audio_token",
    "image_input": "input_cost_per_image_token",
}
PRICED_CATEGORIES = tuple(CATEGORY_KEYS)
# When a category has no price of its own, LiteLLM bills it at this category's rate.
CATEGORY_FALLBACK: dict[str, str] = {
    "cache_read": "input",
    "cache_write_5m": "input",
    "cache_write_1h": "cache_write_5m",
    "reasoning": "output",
    "audio_input": "input",
    "audio_output": "output",
    "image_input": "input",
}
BATCH_DEFAULT_MULTIPLIER = Decimal("0.5")

_KEY_RE = re.compile(
    r"^(?P<base>" + "|".join(sorted(map(re.escape, CATEGORY_KEYS.values()), key=len, reverse=True)) + r")"
    r"(?:_above_(?P<n>\d+)(?P<k>k?)_tokens)?"
    r"(?:_(?P<svc>batches|priority|flex))?$"
)
_BASE_TO_CATEGORY = {v: k for k, v in CATEGORY_KEYS.items()}
_SVC_FROM_SUFFIX = {None: "standard", "batches": "batch", "priority": "priority", "flex": "flex"}

UNITS = {
    "usd_per_token": Decimal(1),
    "usd_per_1k_tokens": Decimal(1) / Decimal(1_000),
    "usd_per_1m_tokens": Decimal(1) / Decimal(1_000_000),
}


def parse_price_key(key: str) -> tuple[str, int, str] | None:
    """`input_cost_per_token_above_200k_tokens_batches` → ('input', 200000, 'batch')."""
    match = _KEY_RE.match(key)
    if not match:
        return None
    threshold = 0
    if match["n"]:
        threshold = int(match["n"]) * (1000 if match["k"] else 1)
    return _BASE_TO_CATEGORY[match["base"]], threshold, _SVC_FROM_SUFFIX[match["svc"]]


def price_key(category: str, threshold: int = 0, service_tier: str = "standard") -> str:
    key = CATEGORY_KEYS[category]
    if threshold:
        key += f"_above_{threshold // 1000}k_tokens" if threshold % 1000 == 0 else f"_above_{threshold}_tokens"
    return key + _TIER_SUFFIX[service_tier]


# No real price comes near this (the dearest LiteLLM lists is well under 0.001 USD a
# token): above it a price is a unit mix-up or a broken map, and its products with token
# counts would overflow DECIMAL(38, 18).
MAX_PRICE_PER_TOKEN = Decimal(1)
# LiteLLM's whole map is about 1.5 MB; a file far larger is not a price map.
MAX_MAP_BYTES = 64 * 1024 * 1024


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str, Decimal)):
        try:
            # repr() of a float is its shortest round-trip form: 1.5e-07 stays exact.
            result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


@dataclass(frozen=True)
class PricedValue:
    """One number in the price book and where it came from."""

    value: Decimal
    layer: str  # e.g. "litellm snapshot 1.110.2", "overrides.yaml"
    where: str  # the key, or the file:line of the override


@dataclass
class PriceEntry:
    """One layer's prices for the models its pattern matches."""

    layer_rank: int
    layer_name: str
    pattern: str
    match_kind: str = "exact"  # exact | glob | regex
    provider: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    prices: dict[str, PricedValue] = field(default_factory=dict)  # LiteLLM key → value
    batch_multiplier: PricedValue | None = None
    source_line: int | None = None
    price_as: str | None = None  # price matching calls as this price-book name (LiteLLM base_model)
    regional_uplift: PricedValue | None = None  # LiteLLM's regional_endpoint_uplift_multiplier
    off_peak: OffPeak | None = None  # LiteLLM's off_peak_pricing

    def matches(self, name: str, provider: str | None) -> bool:
        if self.provider and provider and _provider_family(self.provider) != _provider_family(provider):
            return False
        if self.match_kind == "exact":
            return name == self.pattern
        if self.match_kind == "glob":
            return fnmatch.fnmatchcase(name, self.pattern)
        return re.fullmatch(self.pattern, name) is not None

    def valid_at(self, instant: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= instant) and (
            self.valid_to is None or instant < self.valid_to
        )


@dataclass
class Adjustment:
    """A discount or uplift on the re-priced total of matching calls."""

    multiplier: Decimal
    layer_name: str
    note: str
    provider: str | None = None
    pattern: str | None = None
    match_kind: str = "glob"
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def applies(self, name: str, provider: str | None) -> bool:
        if self.provider and _provider_family(self.provider) != _provider_family(provider or ""):
            return False
        if self.pattern is None:
            return True
        if self.match_kind == "exact":
            return name == self.pattern
        if self.match_kind == "glob":
            return fnmatch.fnmatchcase(name, self.pattern)
        return re.fullmatch(self.pattern, name) is not None


def _provider_family(provider: str) -> str:
    """LiteLLM's provider spellings that bill through the same provider."""
    if provider.startswith("vertex_ai"):
        return "vertex_ai"
    if provider.startswith("bedrock"):
        return "bedrock"
    return provider


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


@dataclass(frozen=True)
class OffPeak:
    """An entry's `off_peak_pricing`: the rates (LiteLLM keys) that replace its own while the
    schedule is open."""

    schedule: Schedule
    prices: dict[str, PricedValue] = field(compare=False)


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


def _off_peak_prices(prices: dict[str, PricedValue], off_peak: OffPeak) -> dict[str, PricedValue]:
    """LiteLLM's apply_off_peak_pricing as price keys: each off-peak rate replaces its
    category's standard price at every long-context tier; a category the block leaves out
    keeps its price, and one with no price of its own falls back (`resolve_rates`) to the
    off-peak rate it falls back to — a missing cache price to the off-peak input rate."""
    replaced = dict(prices)
    for base, value in off_peak.prices.items():
        category = _BASE_TO_CATEGORY[base]
        replaced[base] = value
        for key in prices:
            parsed = parse_price_key(key)
            if parsed and parsed[0] == category and parsed[2] == "standard":
                replaced[key] = value
    return replaced


@dataclass
class ResolvedPrice:
    """Rates for one model over one time segment: (service tier, threshold, category) → rate."""

    model_key: str
    rates: dict[tuple[str, int, str], PricedValue]
    thresholds: tuple[int, ...]
    multiplier: Decimal
    adjustments: list[str]
    valid_from: datetime | None
    valid_to: datetime | None
    # LiteLLM's `regional_endpoint_uplift_multiplier`: applies to calls served from a
    # non-global Vertex AI location (see `_identity_sql`).
    regional_uplift: PricedValue | None = None
    # LiteLLM's `off_peak_pricing`: these rates replace `rates` while the schedule is open.
    off_peak: Schedule | None = None
    off_peak_rates: dict[tuple[str, int, str], PricedValue] | None = None

    def rate(self, category: str, threshold: int = 0, service_tier: str = "standard") -> PricedValue | None:
        return self.rates.get((service_tier, threshold, category))


def resolve_rates(prices: dict[str, PricedValue], batch_multiplier: PricedValue | None = None) -> tuple[dict, tuple[int, ...]]:
    """LiteLLM keys → fully resolved rates for every service tier, threshold and category."""
    raw: dict[tuple[str, int, str], PricedValue] = {}
    for key, value in prices.items():
        parsed = parse_price_key(key)
        if parsed:
            category, threshold, svc = parsed
            raw[(svc, threshold, category)] = value
    thresholds = tuple(sorted({0} | {t for (_, t, _) in raw}))
    batch = batch_multiplier or PricedValue(BATCH_DEFAULT_MULTIPLIER, "litellm rule", "batch = 50% of standard")

    def own_standard(threshold: int, category: str) -> PricedValue | None:
        hit = raw.get(("standard", threshold, category))
        if hit is None and threshold:
            hit = raw.get(("standard", 0, category))  # no tier price: the category's base price
        return hit

    def half(value: PricedValue) -> PricedValue:
        return PricedValue(value.value * batch.value, value.layer, f"{value.where} × {batch.value} ({batch.where})")

    def tier_key(svc: str, threshold: int, category: str) -> PricedValue | None:
        """A price the map gives for exactly this service tier (at this threshold or its base)."""
        hit = raw.get((svc, threshold, category))
        if hit is None and threshold and raw.get(("standard", threshold, category)) is None:
            hit = raw.get((svc, 0, category))
        return hit

    def annotate(hit: PricedValue | None, category: str, threshold: int, svc: str) -> PricedValue | None:
        if hit is None:
            return None
        origin = hit.where.split(" (")[0]
        return PricedValue(hit.value, hit.layer, f"{origin} (no {price_key(category, threshold, svc)})")

    def standard(threshold: int, category: str) -> PricedValue | None:
        if (hit := own_standard(threshold, category)) is not None:
            return hit
        fallback = CATEGORY_FALLBACK.get(category)
        return annotate(standard(threshold, fallback), category, threshold, "standard") if fallback else None

    def batch_rate(threshold: int, category: str) -> PricedValue | None:
        """LiteLLM's batch_cost_calculator, category by category."""
        if (hit := tier_key("batch", threshold, category)) is not None:
            return hit
        input_has_batch_price = tier_key("batch", threshold, "input") is not None
        if category in ("input", "output"):
            std = standard(threshold, category)
            return half(std) if std is not None else None
        if category in ("reasoning", "audio_output"):
            # Batch bills every completion token at the batch output rate.
            return annotate(batch_rate(threshold, "output"), category, threshold, "batch")
        if category in ("audio_input", "image_input"):
            return annotate(batch_rate(threshold, "input"), category, threshold, "batch")
        if category == "cache_write_1h":
            return annotate(batch_rate(threshold, "cache_write_5m"), category, threshold, "batch")
        if input_has_batch_price:
            # With a batch input price, cache reads keep their standard price and cache
            # writes without a batch price are billed as batch input.
            if category == "cache_read" and (std := own_standard(threshold, "cache_read")) is not None:
                return std
            return annotate(batch_rate(threshold, "input"), category, threshold, "batch")
        std = standard(threshold, category)
        return half(std) if std is not None else None

    def rate(svc: str, threshold: int, category: str) -> PricedValue | None:
        if svc == "standard":
            return standard(threshold, category)
        if svc == "batch":
            return batch_rate(threshold, category)
        # priority / flex: the tier's own price, else the standard price, key by key.
        if (hit := tier_key(svc, threshold, category)) is not None:
            return hit
        if (std := own_standard(threshold, category)) is not None:
            return std
        fallback = CATEGORY_FALLBACK.get(category)
        return annotate(rate(svc, threshold, fallback), category, threshold, svc) if fallback else None

    resolved = {
        (svc, threshold, category): value
        for threshold in thresholds
        for svc in SERVICE_TIERS
        for category in PRICED_CATEGORIES
        if (value := rate(svc, threshold, category)) is not None
    }
    return resolved, thresholds


# -- loading layers ----------------------------------------------------------------


def load_snapshot_provenance() -> dict[str, Any]:
    try:
        return json.loads(snapshot_paths()[1].read_text())
    except (OSError, ValueError):
        return {}


def _snapshot_layer_name() -> str:
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


DEPLOYMENT_LAYER = "deployment prices logged by LiteLLM"


@dataclass
class PriceBook:
    entries: list[PriceEntry] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, files: Iterable[str | os.PathLike[str]] = (), *, include_snapshot: bool = True) -> PriceBook:
        """The snapshot, then each file in order (JSON price maps or YAML overrides)."""
        book = cls()
        if include_snapshot:
            snapshot = snapshot_paths()[0]
            if not snapshot.exists():
                raise UsageError(f"the LiteLLM price snapshot {snapshot} is missing", hint="run `litecost pricing sync` (or --from-file PATH)")
            book.add(load_litellm_map(snapshot, 1, _snapshot_layer_name()), name=_snapshot_layer_name())
        for rank, path in enumerate(files, start=2):
            path = Path(path)
            if path.suffix.lower() in (".yaml", ".yml"):
                from litecost.pricing_overrides import load_overrides

                entries, adjustments = load_overrides(path, rank)
                book.add(entries, adjustments, name=path.name)
            else:
                book.add(load_litellm_map(path, rank), name=path.name)
        return book

    def add(self, entries: list[PriceEntry], adjustments: list[Adjustment] = (), *, name: str) -> None:
        self.entries.extend(entries)
        self.adjustments.extend(adjustments)
        self.layers.append(name)
        self._exact: dict[str, list[PriceEntry]] | None = None

    def with_logged_deployment_prices(self, con, calls_table: str = "calls") -> PriceBook:  # noqa: ANN001
        """This book plus the prices of deployments the LiteLLM proxy config priced itself.

        A deployment with its own prices (`input_cost_per_token` … in its `litellm_params`) is
        registered in LiteLLM's map under its deployment id, so the call's
        `model_map_information.model_map_value.key` is that id; LiteLLM prices the call with it.
        Those prices become a layer at the snapshot's rank, named `deployment:<id>`, which
        `call_names` tries first; a price file entry for the model or group still overrides
        them. A deployment whose logged prices changed gets each set from its first call on.
        """
        rows = con.execute(
            "SELECT deployment_id, prices, first_seen FROM ("
            f" SELECT deployment_id, model_map_value::VARCHAR AS prices, min(start_time) AS first_seen"
            f" FROM {calls_table} WHERE deployment_id <> '' AND model_map_value IS NOT NULL GROUP BY ALL)"
            " WHERE json_extract_string(prices, '$.key') = deployment_id ORDER BY deployment_id, first_seen"
        ).fetchall()
        if not rows:
            return self
        entries: list[PriceEntry] = []
        for index, (deployment, prices, first_seen) in enumerate(rows):
            logged = {k: v for k, v in json.loads(prices).items() if parse_price_key(k) and v is not None}
            name = f"deployment:{deployment}"
            for entry in litellm_map_entries({name: logged}, "LiteLLM's log", 1, DEPLOYMENT_LAYER):
                later = rows[index + 1] if index + 1 < len(rows) else None
                if index and rows[index - 1][0] == deployment:
                    entry.valid_from = first_seen
                if later and later[0] == deployment:
                    entry.valid_to = later[2]
                entries.append(entry)
        book = PriceBook(list(self.entries), list(self.adjustments), list(self.layers))
        if entries:
            book.add(entries, name=DEPLOYMENT_LAYER)
        return book

    def boundaries(self) -> tuple[list[datetime], list[int]]:
        """Every instant at which some price or adjustment starts or ends, and every
        long-context threshold in the book. Two calls of one model that fall between the
        same instants and the same thresholds are priced alike (see `GroupPricing`)."""
        instants = {
            moment
            for item in (*self.entries, *self.adjustments)
            for moment in (item.valid_from, item.valid_to)
            if moment is not None
        }
        thresholds = {
            parsed[1]
            for entry in self.entries
            for key in entry.prices
            if "_above_" in key and (parsed := parse_price_key(key)) and parsed[1] > 0
        }
        return sorted(instants), sorted(thresholds)

    def off_peak_schedules(self) -> list[Schedule]:
        """Every distinct off-peak schedule in the book, in a stable order: a call's price
        identity says which of them were open when it was billed (`open_schedules_sql`)."""
        return sorted({e.off_peak.schedule for e in self.entries if e.off_peak}, key=repr)

    def off_peak_models(self, con, calls_table: str = "calls") -> list[str]:  # noqa: ANN001
        """The logged models of calls in `calls_table` that an entry with off-peak prices prices."""
        rows = con.execute(
            f"SELECT DISTINCT provider, model, model_map_key, model_group, deployment_id FROM {calls_table}"
        ).fetchall()
        return sorted({
            model for provider, model, model_map_key, model_group, deployment_id in rows
            if model is not None and any(
                segment.off_peak is not None
                for segment in self.resolve_segments(call_names(model, provider, model_map_key, model_group, deployment_id), provider)
            )
        })

    def _exact_index(self) -> dict[str, list[PriceEntry]]:
        if getattr(self, "_exact", None) is None:
            index: dict[str, list[PriceEntry]] = {}
            for entry in self.entries:
                if entry.match_kind == "exact":
                    index.setdefault(entry.pattern, []).append(entry)
            self._exact = index
        return self._exact

    def candidates(self, names: list[str], provider: str | None) -> list[tuple[str, PriceEntry]]:
        """Every entry matching any of the call's names, with the name it matched."""
        found = []
        patterned = [e for e in self.entries if e.match_kind != "exact"]
        for name in names:
            for entry in self._exact_index().get(name, []):
                if entry.matches(name, provider):
                    found.append((name, entry))
            for entry in patterned:
                if entry.matches(name, provider):
                    found.append((name, entry))
        return found

    def resolve_segments(self, names: list[str], provider: str | None) -> list[ResolvedPrice]:
        """Prices for a call identity (its candidate names), split into time segments.

        Within a segment the same entries are in force. The model's own name is the
        first candidate that any layer prices; entries matching it merge lowest layer
        first, so a later layer overrides key by key.
        """
        matched = self.candidates(names, provider)
        # The highest layer's alias wins; within a layer, the alias of the earliest name.
        position: dict[str, int] = {}
        for index, candidate in enumerate(names):
            position.setdefault(candidate, index)
        aliases = [e.price_as for n, e in sorted(matched, key=lambda m: (m[1].layer_rank, -position[m[0]])) if e.price_as]
        if aliases:
            names = [aliases[-1], *names]
            matched = self.candidates(names, provider)
        if not matched:
            return []
        # The best name: the earliest candidate that some entry prices.
        for name in names:
            on_name = [e for n, e in matched if n == name]
            if on_name:
                break
        # Entries for other candidate names only count when they come from a higher
        # layer (e.g. an override on the model group) — never to mix two base models.
        best_rank = max(e.layer_rank for e in on_name)
        extra = [e for n, e in matched if n != name and e.layer_rank > best_rank]
        chosen = sorted({id(e): e for e in on_name + extra}.values(), key=lambda e: (e.layer_rank, e.source_line or 0))
        adjustments = [a for a in self.adjustments if any(a.applies(n, provider) for n in names)]
        bounds = sorted(
            {b for e in chosen for b in (e.valid_from, e.valid_to) if b is not None}
            | {b for a in adjustments for b in (a.valid_from, a.valid_to) if b is not None}
        )
        edges: list[datetime | None] = [None, *bounds, None]
        segments = []
        for start, end in zip(edges, edges[1:]):
            probe = start or (end.replace(year=end.year - 1) if end else datetime(2000, 1, 1, tzinfo=timezone.utc))
            in_force = [e for e in chosen if e.valid_at(probe)]
            if not in_force:
                continue
            prices: dict[str, PricedValue] = {}
            batch_multiplier = None
            regional_uplift = off_peak = None
            for entry in in_force:
                regional_uplift = entry.regional_uplift or regional_uplift
                off_peak = entry.off_peak or off_peak
                if entry.batch_multiplier is not None:
                    # A batch multiplier replaces every batch price of the layers below.
                    prices = {k: v for k, v in prices.items() if (parse_price_key(k) or ("", 0, ""))[2] != "batch"}
                    batch_multiplier = entry.batch_multiplier
                prices.update(entry.prices)
            rates, thresholds = resolve_rates(prices, batch_multiplier)
            if not rates:
                continue
            multiplier = Decimal(1)
            notes = []
            for adjustment in adjustments:
                if (adjustment.valid_from is None or adjustment.valid_from <= probe) and (
                    adjustment.valid_to is None or probe < adjustment.valid_to
                ):
                    multiplier *= adjustment.multiplier
                    notes.append(adjustment.note)
            off_peak_rates = resolve_rates(_off_peak_prices(prices, off_peak), batch_multiplier)[0] if off_peak else None
            segments.append(ResolvedPrice(name, rates, thresholds, multiplier, notes, start, end, regional_uplift,
                                          off_peak.schedule if off_peak else None, off_peak_rates))
        return segments


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


def parse_instant(value: Any, *, what: str) -> datetime:
    """A date or datetime from a price file → an aware UTC datetime (dates are UTC midnight)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{what} {value!r} is not a date", hint="use YYYY-MM-DD or an ISO 8601 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise UsageError(f"{what} {value!r} is not a date", hint="use YYYY-MM-DD or an ISO 8601 time")


def pricing_files_from_env() -> list[str]:
    value = os.environ.get(PRICING_ENV_VAR, "")
    return [p for p in value.split(os.pathsep) if p]


# -- re-pricing calls in SQL ----------------------------------------------------------

# Per category: tokens of a call (alias c) times the rate of its price row (alias s).
BASE_COSTS = {
    "input": "{c}.input_tokens * {s}.rate_input",
    "cache_read": "{c}.cache_read_tokens * {s}.rate_cache_read",
    "cache_write_5m": "{c}.cache_write_5m_tokens * {s}.rate_cache_write_5m",
    "cache_write_1h": "{c}.cache_write_1h_tokens * {s}.rate_cache_write_1h",
    "output": "({c}.output_tokens - {c}.reasoning_tokens) * {s}.rate_output + {c}.reasoning_tokens * {s}.rate_reasoning",
    "audio_input": "{c}.audio_input_tokens * {s}.rate_audio_input",
    "audio_output": "{c}.audio_output_tokens * {s}.rate_audio_output",
    "image_input": "{c}.image_input_tokens * {s}.rate_image_input",
}


def base_cost(name: str, tokens: str = "c", segment: str = "s") -> str:
    return BASE_COSTS[name].format(c=tokens, s=segment)


def _adjusted(expr: str) -> str:
    """A call's cost: 0 for cache hits; most price rows have no adjustment, so the
    128-bit rescaling multiply is skipped for them."""
    return (
        f"CASE WHEN cache_hit THEN CAST(0 AS {MONEY}) WHEN priced THEN CASE WHEN price_multiplier = 1 THEN {expr}"
        f" ELSE CAST(({expr}) * price_multiplier AS {MONEY}) END END"
    )

MULTIPLIER = "DECIMAL(20, 10)"
_RATE_COLUMNS = tuple(f"rate_{c}" for c in PRICED_CATEGORIES)
COST_COLUMNS = ("cost_input", "cost_cache_read", "cost_cache_write_5m", "cost_cache_write_1h", "cost_output",
                "cost_audio_input", "cost_audio_output", "cost_image_input")


PRICE_IDENTITY = ("provider", "model", "model_map_key", "model_group", "deployment_id", "regional", "off_peak")


def _identity_sql(col: str, calls: str, off_peak_windows: str = "off_peak_windows") -> str:
    """SQL: one element of a call's price identity. `regional` is LiteLLM's rule for Vertex AI:
    a call served from a location other than `global` costs the entry's regional uplift more.
    `off_peak` says which of the book's off-peak schedules (temp table `off_peak_windows`, from
    `install_windows`) were open when LiteLLM billed the call; `GroupPricing` has the same rule
    with parameters instead of the table."""
    if col == "off_peak":
        return open_schedules_sql(calls, off_peak_windows)
    if col == "regional":
        return (f"CASE WHEN {calls}.vertex_location IS NOT NULL AND lower({calls}.vertex_location) <> 'global'"
                f" THEN {calls}.vertex_location ELSE '' END")
    return f"{calls}.{col}"


def _service_tier_sql(calls: str) -> str:
    """The service tier a call is priced at: batch, priority and flex have prices of their own."""
    return (
        f"CASE WHEN {calls}.service_tier IN ('batch', 'priority', 'flex') THEN {calls}.service_tier ELSE 'standard' END"
    )


def install_price_segments(con, book: PriceBook, identities: list[tuple], table: str = "price_segments") -> None:  # noqa: ANN001
    """Temp `table`: one row per (identity, validity segment, service tier, long-context
    tier) with its rates, for the given `PRICE_IDENTITY` tuples (provider, model, price key, group,
    deployment, Vertex location when regional, open off-peak schedules); `price_row` numbers the rows."""
    segments = []
    schedules = {schedule: index for index, schedule in enumerate(book.off_peak_schedules())}
    for identity_id, identity in enumerate(identities):
        provider, model, model_map_key, model_group, deployment_id, regional, off_peak = identity
        names = call_names(model, provider, model_map_key, model_group, deployment_id)
        for segment in book.resolve_segments(names, provider):
            multiplier, adjustments = segment.multiplier, list(segment.adjustments)
            if regional and segment.regional_uplift is not None:
                multiplier *= segment.regional_uplift.value
                adjustments.append(f"Vertex AI regional endpoint ({regional}) x{segment.regional_uplift.value}")
            rates = segment.rates
            if off_peak and segment.off_peak is not None and int(off_peak) >> schedules[segment.off_peak] & 1:
                rates = segment.off_peak_rates
                adjustments.append("off-peak rates (off_peak_pricing window open when LiteLLM billed the call)")
            for svc in SERVICE_TIERS:
                for index, threshold in enumerate(segment.thresholds):
                    upper = segment.thresholds[index + 1] if index + 1 < len(segment.thresholds) else None
                    row = {
                        "identity_id": identity_id, "provider": provider, "model": model,
                        "model_map_key": model_map_key, "model_group": model_group, "deployment_id": deployment_id,
                        "regional": regional, "off_peak": off_peak,
                        "valid_from": segment.valid_from.isoformat() if segment.valid_from else None,
                        "valid_to": segment.valid_to.isoformat() if segment.valid_to else None,
                        "service_tier": svc,
                        "tier_low": threshold if threshold else -1,
                        "tier_high": upper,
                        "price_model": segment.model_key,
                        "multiplier": str(multiplier),
                        "adjustments": "; ".join(adjustments) or None,
                    }
                    for category in PRICED_CATEGORIES:
                        rate = rates.get((svc, threshold, category))
                        row[f"rate_{category}"] = str(rate.value) if rate else None
                    segments.append(row)
    con.execute(f"DROP TABLE IF EXISTS {table}")
    schema = {
        "identity_id": "BIGINT", "provider": "VARCHAR", "model": "VARCHAR", "model_map_key": "VARCHAR",
        "model_group": "VARCHAR", "deployment_id": "VARCHAR", "regional": "VARCHAR", "off_peak": "VARCHAR", "valid_from": "VARCHAR", "valid_to": "VARCHAR", "service_tier": "VARCHAR",
        "tier_low": "BIGINT", "tier_high": "BIGINT", "price_model": "VARCHAR", "multiplier": "VARCHAR",
        "adjustments": "VARCHAR", **{c: "VARCHAR" for c in _RATE_COLUMNS},
    }
    # One JSON parameter instead of one INSERT per row: fast and needs no extra library.
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS price_row, identity_id, provider, model,"
        " model_map_key, model_group, deployment_id, regional, off_peak,"
        " valid_from::TIMESTAMPTZ AS valid_from, valid_to::TIMESTAMPTZ AS valid_to, service_tier, tier_low, tier_high,"
        f" price_model, multiplier::{MULTIPLIER} AS multiplier, adjustments,"
        + ", ".join(f"coalesce({c}::{MONEY}, 0) AS {c}" for c in _RATE_COLUMNS)
        + " FROM (SELECT unnest(from_json($rows, $schema), recursive := true))",
        {"rows": json.dumps(segments), "schema": json.dumps([schema])},
    )


def _segment_match_sql(segment: str, identity: dict[str, str], service_tier: str, instant: str, prompt_tokens: str) -> str:
    """SQL: `segment` is the price row for a call (or group) with these properties."""
    same = " AND ".join(f"coalesce({segment}.{col}, '') = coalesce({identity[col]}, '')" for col in PRICE_IDENTITY)
    return (
        f"{same} AND {segment}.service_tier = {service_tier}"
        f" AND ({segment}.valid_from IS NULL OR {instant} >= {segment}.valid_from)"
        f" AND ({segment}.valid_to IS NULL OR {instant} < {segment}.valid_to)"
        f" AND {prompt_tokens} > {segment}.tier_low AND ({segment}.tier_high IS NULL OR {prompt_tokens} <= {segment}.tier_high)"
    )


class GroupPricing:
    """Re-price calls after summing them: exact, since cost is linear in tokens, and far
    cheaper than finding a price for each of millions of calls.

    1. `keys(c)` and `probes(c)` go into the caller's GROUP BY over calls `c`. The keys
       keep apart calls that could have different prices — identity, service tier, and
       which of the book's validity periods and long-context tiers they fall in — without
       knowing the prices yet; the probes are one call time and prompt size per group.
    2. `install(con, grouped)` resolves prices for the identities in table `grouped`
       into temp table `table` (its own, so per-call views keep `price_segments`).
    3. `join(g, s)` is the ON condition that gives each group `g` its price row `s`;
       `costed_sql(g, s)` prices the group's sums.
    """

    table = "group_price_segments"

    def __init__(self, con, book: PriceBook) -> None:  # noqa: ANN001
        """Pricing with `book` plus the deployment prices logged in `con`'s calls (the same book
        `install_priced_calls` uses per call)."""
        self.book = book.with_logged_deployment_prices(con)
        self.instants, self.thresholds = self.book.boundaries()
        self.schedules = self.book.off_peak_schedules()
        # Which schedules are open is only worth computing (and splitting groups by) for
        # calls an off-peak entry can price: found once over the store's distinct identities.
        self.off_peak_models = self.book.off_peak_models(con) if self.schedules else []

    @property
    def params(self) -> dict[str, Any]:
        """The values `keys()` refers to: the book's dates and tier thresholds come from
        price files, so they reach SQL as parameters, never as text."""
        return {
            **{f"price_instant_{i}": moment for i, moment in enumerate(self.instants)},
            **{f"price_threshold_{i}": threshold for i, threshold in enumerate(self.thresholds)},
            **self._off_peak_sql("c")[1],
        }

    def _off_peak_sql(self, calls: str) -> tuple[str, dict[str, Any]]:
        if not self.off_peak_models:
            return "''", {}
        mask, params = open_schedules_params_sql(calls, self.schedules, "price_off_peak_")
        return (f"CASE WHEN list_contains($price_off_peak_models, {calls}.model) THEN {mask} ELSE '' END",
                {**params, "price_off_peak_models": self.off_peak_models})

    def keys(self, calls: str = "c") -> list[str]:
        """SELECT items of the group keys; run the query with `params`."""
        period = " + ".join(
            f"({calls}.start_time >= $price_instant_{i})::INT" for i in range(len(self.instants))
        )
        tier = " + ".join(f"({calls}.prompt_tokens > $price_threshold_{i})::INT" for i in range(len(self.thresholds)))
        off_peak = self._off_peak_sql(calls)[0]
        return [
            *(f"{off_peak if col == 'off_peak' else _identity_sql(col, calls)} AS price_{col}"
              for col in PRICE_IDENTITY),
            f"{_service_tier_sql(calls)} AS price_service_tier",
            f"{calls}.usage_logged AS price_usage_logged",
            f"{period or '0'} AS price_period",
            f"{tier or '0'} AS price_tier",
        ]

    def probes(self, calls: str = "c") -> list[str]:
        return [f"min({calls}.start_time) AS price_probe_time", f"min({calls}.prompt_tokens) AS price_probe_tokens"]

    def install(self, con, grouped: str) -> None:  # noqa: ANN001
        identities = con.execute(
            f"SELECT DISTINCT {', '.join(f'price_{col}' for col in PRICE_IDENTITY)} FROM {grouped}"
        ).fetchall()
        install_price_segments(con, self.book, identities, self.table)

    def join(self, grouped: str = "g", segment: str = "s") -> str:
        """Calls that logged no token counts get no price row: unpriced, never $0."""
        return f"{grouped}.price_usage_logged AND " + _segment_match_sql(
            segment,
            {col: f"{grouped}.price_{col}" for col in PRICE_IDENTITY},
            f"{grouped}.price_service_tier",
            f"{grouped}.price_probe_time",
            f"{grouped}.price_probe_tokens",
        )


def install_priced_calls(con, book: PriceBook, calls_table: str = "calls") -> None:  # noqa: ANN001
    """Create temp views `call_prices` (every call with its `price_row`) and
    `priced_calls`: every call with its re-priced cost per category. For per-call views
    (pricing diff and check); aggregates use `GroupPricing`.

    Columns added to `calls`: `priced` (a price was found), `price_model` (the price-book
    name used), `tier_threshold`, `cost_<category>`, `repriced_cost` (NULL when unpriced;
    0 for LiteLLM cache hits, which never reached the provider), `price_adjustments`.
    """
    book = book.with_logged_deployment_prices(con, calls_table)
    install_windows(con, book.off_peak_schedules(), "off_peak_windows")
    identity = {col: _identity_sql(col, "c") for col in PRICE_IDENTITY}
    identities = con.execute(f"SELECT DISTINCT {', '.join(identity.values())} FROM {calls_table} c").fetchall()
    install_price_segments(con, book, identities)
    # Which price applies to each call: a hash join on the call's identity, then the
    # validity window, service tier and long-context tier.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW call_prices AS
        SELECT c.*, s.price_row
        FROM {calls_table} c
        LEFT JOIN price_segments s
          ON c.usage_logged AND {_segment_match_sql("s", identity, _service_tier_sql("c"), "c.start_time", "c.prompt_tokens")}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW priced_calls AS
        WITH joined AS (
            SELECT c.* EXCLUDE (price_row),
                   s.price_row IS NOT NULL AS priced,
                   s.price_model,
                   greatest(s.tier_low, 0) AS tier_threshold,
                   s.adjustments AS price_adjustments,
                   s.rate_input AS price_rate_input,
                   s.rate_output AS price_rate_output,
                   s.rate_cache_read AS price_rate_cache_read,
                   s.multiplier AS price_multiplier,
                   {", ".join(f"{base_cost(name)} AS base_{name}" for name in BASE_COSTS)}
            FROM call_prices c LEFT JOIN price_segments s USING (price_row)
        )
        SELECT * EXCLUDE ({", ".join(f"base_{name}" for name in BASE_COSTS)}, price_multiplier),
               {", ".join(f"{_adjusted(f'base_{name}')} AS cost_{name}" for name in BASE_COSTS)},
               {_adjusted(" + ".join(f"base_{name}" for name in BASE_COSTS))} AS repriced_cost
        FROM joined
        """
    )


def costed_sql(tokens: str = "g", segment: str = "s") -> str:
    """SQL: the re-priced cost of already-summed tokens (alias `tokens`) at one price row
    (alias `segment`); NULL when unpriced, 0 for LiteLLM cache hits. Pricing after summing
    is exact (costs are linear in tokens) and far cheaper than pricing each call."""
    expr = " + ".join(base_cost(name, tokens, segment) for name in BASE_COSTS)
    return (
        f"CASE WHEN {tokens}.cache_hit THEN CAST(0 AS {MONEY}) WHEN {segment}.price_row IS NOT NULL THEN"
        f" CASE WHEN {segment}.multiplier = 1 THEN {expr} ELSE CAST(({expr}) * {segment}.multiplier AS {MONEY}) END END"
    )


__all__ = [
    "CATEGORIES",
    "GroupPricing",
    "PriceBook",
    "PriceEntry",
    "PricedValue",
    "ResolvedPrice",
    "call_names",
    "parse_price_key",
    "price_key",
    "resolve_rates",
]
