"""`pricing import-config`: custom prices from a LiteLLM proxy config.yaml → an override layer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError
from litecost.pricing.keys import parse_price_key, to_decimal

# Custom-pricing keys LiteLLM accepts that are not per token: reported, not imported.
_NOT_PER_TOKEN = ("_per_second", "_per_image", "_per_character", "_per_query", "_per_page", "_per_request", "_per_pixel")


def import_config(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The override document and a list of warnings (keys that could not be imported)."""
    from litecost import safe_yaml

    config = safe_yaml.load(path, "LiteLLM config")
    if not isinstance(config, dict) or not isinstance(config.get("model_list"), list):
        raise BadInputError(f"{path}: no model_list; is this a LiteLLM proxy config.yaml?")
    models: list[dict[str, Any]] = []
    warnings: list[str] = []
    for index, deployment in enumerate(config["model_list"], start=1):
        if not isinstance(deployment, dict):
            continue
        name = deployment.get("model_name")
        params = deployment.get("litellm_params") or {}
        info = deployment.get("model_info") or {}
        if not name:
            warnings.append(f"model_list[{index}] has no model_name; skipped")
            continue
        rule: dict[str, Any] = {"model": name}
        prices: dict[str, Any] = {}
        tiers: dict[int, dict[str, Any]] = {}
        service: dict[str, dict[str, Any]] = {}
        for source in (params, info):
            for key, raw in source.items():
                parsed = parse_price_key(key)
                if parsed is None:
                    if any(marker in key for marker in _NOT_PER_TOKEN) and "cost" in key:
                        warnings.append(f"{name}: {key} is not a per-token price; not imported")
                    continue
                value = to_decimal(raw)
                if value is None:
                    warnings.append(f"{name}: {key} = {raw!r} is not a number; not imported")
                    continue
                category, threshold, svc = parsed
                if svc != "standard":
                    service.setdefault(svc, {})[category] = value
                elif threshold:
                    tiers.setdefault(threshold, {})[category] = value
                else:
                    prices[category] = value
        base_model = info.get("base_model") or params.get("base_model")
        if base_model:
            rule["price_as"] = base_model
        if prices:
            rule["prices"] = prices
        if tiers:
            rule["tiers"] = [{"above_tokens": t, "prices": p} for t, p in sorted(tiers.items())]
        if service:
            rule["service_tiers"] = {svc: {"prices": p} for svc, p in service.items()}
        if len(rule) > 1:
            deployment_model = params.get("model")
            rule["note"] = f"from {path.name} model_list[{index}]" + (f" ({deployment_model})" if deployment_model else "")
            models.append(rule)
    return {"version": 1, "unit": "usd_per_token", "models": models}, warnings


def to_yaml(document: dict[str, Any], header: str) -> str:
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return float(value) if value == Decimal(repr(float(value))) else str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    body = yaml.safe_dump(plain(document), sort_keys=False, allow_unicode=True)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body
