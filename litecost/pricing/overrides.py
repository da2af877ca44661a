"""YAML price overrides: read strictly, with file:line in every error.

The format is documented key by key in `pricing/overrides.example.yaml`. Each model
rule becomes a `PriceEntry` whose prices are LiteLLM price-map keys, so it merges
over the lower layers key by key.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.files import read_input_text
from litecost.pricing.entries import Adjustment, PriceEntry, PricedValue
from litecost.pricing.keys import MAX_PRICE_PER_TOKEN, PRICED_CATEGORIES, SERVICE_TIERS, UNITS, parse_instant, price_key, to_decimal
from litecost.resources import bundled_pricing_dir

TOP_KEYS = {"version", "unit", "models", "adjustments"}
MODEL_KEYS = {
    "model", "glob", "regex", "provider", "effective_from", "effective_to", "unit", "prices",
    "tiers", "service_tiers", "price_as", "note",
}
TIER_KEYS = {"above_tokens", "prices", "unit"}
SERVICE_TIER_KEYS = {"prices", "multiplier", "unit"}
ADJUSTMENT_KEYS = {
    "provider", "model", "glob", "regex", "discount_percent", "uplift_percent", "effective_from",
    "effective_to", "note",
}


class _Doc:
    """A parsed YAML node with the file it came from, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Any, message: str, hint: str | None = None) -> BadInputError:
        if hint is None:
            hint = f"see {bundled_pricing_dir() / 'overrides.example.yaml'}"
        mark = getattr(node, "start_mark", None)
        where = f"{self.path}:{mark.line + 1}:{mark.column + 1}" if mark else str(self.path)
        return BadInputError(f"{where}: {message}", hint=hint)

    def mapping(self, node: Any, allowed: set[str], what: str) -> dict[str, Any]:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in allowed:
                raise self.fail(key_node, f"unknown key {key!r} in {what}", hint=f"allowed: {', '.join(sorted(allowed))}")
            if key in out:
                raise self.fail(key_node, f"duplicate key {key!r} in {what}")
            out[key] = value_node
        return out

    def sequence(self, node: Any, what: str) -> list[Any]:
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def scalar(self, node: Any, what: str) -> Any:
        import yaml

        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value")
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        try:
            return yaml.safe_load(yaml.serialize(node))
        except (ValueError, OverflowError):  # a date such as 2026-13-01 or 0000-01-01
            raise self.fail(node, f"{what}: {node.value!r} is not a valid value") from None

    def number(self, node: Any, what: str, *, minimum: Decimal = Decimal(0)) -> Decimal:
        value = to_decimal(self.scalar(node, what))
        if value is None or value < minimum:
            raise self.fail(node, f"{what} must be a number ≥ {minimum}")
        return value

    def text(self, node: Any, what: str) -> str:
        value = self.scalar(node, what)
        if not isinstance(value, str) or not value:
            raise self.fail(node, f"{what} must be text")
        return value

    def instant(self, node: Any, what: str):  # noqa: ANN201
        try:
            return parse_instant(self.scalar(node, what), what=what)
        except UsageError as exc:
            raise self.fail(node, exc.message, hint="use YYYY-MM-DD or an ISO 8601 time") from None

    def unit(self, node: Any) -> Decimal:
        name = self.text(node, "unit")
        if name not in UNITS:
            raise self.fail(node, f"unknown unit {name!r}", hint=f"use one of {', '.join(UNITS)}")
        return UNITS[name]


def _matcher(doc: _Doc, fields: dict[str, Any], node: Any, what: str, required: bool = True) -> tuple[str | None, str]:
    given = [k for k in ("model", "glob", "regex") if k in fields]
    if len(given) > 1:
        raise doc.fail(node, f"{what} has {' and '.join(given)}; give only one of model, glob, regex")
    if not given:
        if required:
            raise doc.fail(node, f"{what} needs one of model (exact name), glob or regex")
        return None, "glob"
    kind = given[0]
    pattern = doc.text(fields[kind], kind)
    if kind == "regex":
        import re

        try:
            re.compile(pattern)
        except re.error as exc:
            raise doc.fail(fields[kind], f"invalid regex {pattern!r}: {exc}") from None
    return pattern, {"model": "exact", "glob": "glob", "regex": "regex"}[kind]


def _prices(doc: _Doc, node: Any, unit: Decimal, layer: str, threshold: int, svc: str) -> dict[str, PricedValue]:
    import yaml

    fields = doc.mapping(node, set(PRICED_CATEGORIES), "prices")
    out = {}
    for category, value_node in fields.items():
        value = doc.number(value_node, f"price of {category}") * unit
        if value > MAX_PRICE_PER_TOKEN:
            raise doc.fail(
                value_node, f"price of {category} is {value:.6g} USD per token, above the {MAX_PRICE_PER_TOKEN} litecost accepts",
                hint="check the unit (usd_per_1m_tokens is per million tokens)",
            )
        line = value_node.start_mark.line + 1 if isinstance(value_node, yaml.Node) else None
        out[price_key(category, threshold, svc)] = PricedValue(value, layer, f"{doc.path.name}:{line}")
    return out


def _same_prices_at_once(a: PriceEntry, b: PriceEntry) -> bool:
    """Two rules of one file that would both price the same call with the same price key:
    which one wins would depend on their order, so the file is ambiguous."""
    if (a.pattern, a.match_kind, a.provider) != (b.pattern, b.match_kind, b.provider):
        return False
    if not (a.prices.keys() & b.prices.keys() or (a.batch_multiplier and b.batch_multiplier) or (a.price_as and b.price_as)):
        return False
    starts_before_b_ends = b.valid_to is None or a.valid_from is None or a.valid_from < b.valid_to
    starts_before_a_ends = a.valid_to is None or b.valid_from is None or b.valid_from < a.valid_to
    return starts_before_b_ends and starts_before_a_ends


def load_overrides(path: Path, layer_rank: int) -> tuple[list[PriceEntry], list[Adjustment]]:
    from litecost import safe_yaml

    doc = _Doc(path)
    text = read_input_text(path, "price file", safe_yaml.MAX_BYTES, missing_hint="check the --pricing path")
    root = safe_yaml.compose(text, path)
    if root is None:
        return [], []
    top = doc.mapping(root, TOP_KEYS, "the file")
    layer = path.name
    default_unit = doc.unit(top["unit"]) if "unit" in top else None
    entries: list[PriceEntry] = []
    for model_node in doc.sequence(top["models"], "models") if "models" in top else []:
        fields = doc.mapping(model_node, MODEL_KEYS, "a model rule")
        pattern, kind = _matcher(doc, fields, model_node, "a model rule")
        unit = doc.unit(fields["unit"]) if "unit" in fields else default_unit
        if unit is None and fields.keys() & {"prices", "tiers", "service_tiers"}:
            raise doc.fail(model_node, "no unit for these prices", hint="add unit: usd_per_1m_tokens (or usd_per_1k_tokens, usd_per_token)")
        entry = PriceEntry(
            layer_rank, layer, pattern, kind,
            provider=doc.text(fields["provider"], "provider") if "provider" in fields else None,
            valid_from=doc.instant(fields["effective_from"], "effective_from") if "effective_from" in fields else None,
            valid_to=doc.instant(fields["effective_to"], "effective_to") if "effective_to" in fields else None,
            source_line=model_node.start_mark.line + 1,
        )
        if entry.valid_from and entry.valid_to and entry.valid_to <= entry.valid_from:
            raise doc.fail(fields["effective_to"], "effective_to must be after effective_from")
        if "prices" in fields:
            entry.prices.update(_prices(doc, fields["prices"], unit, layer, 0, "standard"))
        for tier_node in doc.sequence(fields["tiers"], "tiers") if "tiers" in fields else []:
            tier = doc.mapping(tier_node, TIER_KEYS, "a tier")
            if "above_tokens" not in tier or "prices" not in tier:
                raise doc.fail(tier_node, "a tier needs above_tokens and prices")
            threshold = int(doc.number(tier["above_tokens"], "above_tokens", minimum=Decimal(1)))
            tier_unit = doc.unit(tier["unit"]) if "unit" in tier else unit
            entry.prices.update(_prices(doc, tier["prices"], tier_unit, layer, threshold, "standard"))
        if "service_tiers" in fields:
            tiers = doc.mapping(fields["service_tiers"], set(SERVICE_TIERS) - {"standard"}, "service_tiers")
            for svc, svc_node in tiers.items():
                spec = doc.mapping(svc_node, SERVICE_TIER_KEYS, f"service tier {svc}")
                svc_unit = doc.unit(spec["unit"]) if "unit" in spec else unit
                if "prices" in spec:
                    entry.prices.update(_prices(doc, spec["prices"], svc_unit, layer, 0, svc))
                if "multiplier" in spec:
                    multiplier = doc.number(spec["multiplier"], f"{svc} multiplier")
                    if svc != "batch":
                        raise doc.fail(spec["multiplier"], f"multiplier is only supported for batch; give {svc} prices instead")
                    entry.batch_multiplier = PricedValue(multiplier, layer, f"{path.name}:{spec['multiplier'].start_mark.line + 1}")
        if "price_as" in fields:
            entry.price_as = doc.text(fields["price_as"], "price_as")
        if not entry.prices and entry.batch_multiplier is None and entry.price_as is None:
            raise doc.fail(model_node, "a model rule needs prices, tiers, service_tiers or price_as")
        for earlier in entries:
            if _same_prices_at_once(earlier, entry):
                raise doc.fail(
                    model_node,
                    f"this rule and the one at line {earlier.source_line} price {entry.pattern!r}"
                    f"{' at ' + entry.provider if entry.provider else ''} over overlapping dates",
                    hint="make their effective_from / effective_to ranges meet without overlapping, or merge them",
                )
        entries.append(entry)

    adjustments: list[Adjustment] = []
    for adj_node in doc.sequence(top["adjustments"], "adjustments") if "adjustments" in top else []:
        fields = doc.mapping(adj_node, ADJUSTMENT_KEYS, "an adjustment")
        pattern, kind = _matcher(doc, fields, adj_node, "an adjustment", required=False)
        provider = doc.text(fields["provider"], "provider") if "provider" in fields else None
        if pattern is None and provider is None:
            raise doc.fail(adj_node, "an adjustment needs a provider, model, glob or regex to apply to")
        given = [k for k in ("discount_percent", "uplift_percent") if k in fields]
        if len(given) != 1:
            raise doc.fail(adj_node, "an adjustment needs exactly one of discount_percent, uplift_percent")
        percent = doc.number(fields[given[0]], given[0])
        if given[0] == "discount_percent" and percent > 100:
            raise doc.fail(fields[given[0]], "discount_percent must be at most 100")
        multiplier = (Decimal(100) - percent) / 100 if given[0] == "discount_percent" else (Decimal(100) + percent) / 100
        label = f"{'-' if given[0] == 'discount_percent' else '+'}{percent}%"
        note = doc.text(fields["note"], "note") if "note" in fields else ""
        adjustments.append(
            Adjustment(
                multiplier, layer, f"{label} {note}".strip() + f" ({path.name}:{adj_node.start_mark.line + 1})",
                provider=provider, pattern=pattern, match_kind=kind,
                valid_from=doc.instant(fields["effective_from"], "effective_from") if "effective_from" in fields else None,
                valid_to=doc.instant(fields["effective_to"], "effective_to") if "effective_to" in fields else None,
            )
        )
    return entries, adjustments
