"""A column mapping: the small YAML file that describes an export no built-in adapter reads.

`litecost invoices import FILE --mapping MAP.yaml`; the keys are documented in
`litecost/invoices/mapping.example.yaml`. A mapping is checked when it is loaded (unknown
keys, wrong types, values outside litecost's vocabulary) and against the file's header at
detection, so a typo is a one-line error before anything is written. The generic adapter
(`adapters/generic.py`) stages a file by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from litecost.errors import BadInputError
from litecost.invoices.charges import INVOICE_CATEGORIES, KINDS, SERVICE_TIERS
from litecost.invoices.layouts import Shape
from litecost.invoices.reading import column_key

TOP_KEYS = {"provider", "layout", "description", "columns", "defaults", "values", "period", "date_format",
            "quantity_multiplier", "amount_multiplier"}
COLUMN_KEYS = {"period_start", "period_end", "amount", "currency", "quantity", "model", "category", "kind",
               "account", "service_tier", "context_tier", "region", "description", "provider"}
DEFAULT_KEYS = {"currency", "kind", "category", "service_tier", "context_tier", "account", "model", "region", "unit"}
VALUE_KEYS = {"kind", "category", "service_tier", "context_tier", "provider"}
PERIODS = {"hour", "day", "month"}


@dataclass(frozen=True)
class Mapping:
    path: Path
    provider: str | None
    layout: str
    description: str
    columns: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    period: str = "day"
    date_format: str | None = None
    quantity_multiplier: Decimal = Decimal(1)
    amount_multiplier: Decimal = Decimal(1)

    def __hash__(self) -> int:  # frozen dataclass with dict fields: hash by file
        return hash((self.path, self.layout))


def _fail(path: Path, message: str) -> BadInputError:
    return BadInputError(f"{path}: {message}", hint="see litecost/invoices/mapping.example.yaml")


def _strings(path: Path, where: str, value: Any, allowed: set[str] | None = None) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, f"`{where}` must be a mapping")
    out: dict[str, str] = {}
    for key, item in value.items():
        if allowed is not None and key not in allowed:
            raise _fail(path, f"unknown key `{where}.{key}` (expected one of {', '.join(sorted(allowed))})")
        if item is None:
            continue
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise _fail(path, f"`{where}.{key}` must be a text value")
        out[str(key)] = str(item)
    return out


def _decimal(path: Path, key: str, value: Any) -> Decimal:
    if value is None:
        return Decimal(1)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise _fail(path, f"`{key}` must be a number, not {value!r}") from None
    if not result.is_finite() or result <= 0:
        raise _fail(path, f"`{key}` must be a positive number, not {value!r}")
    return result


def load_mapping(path: Path) -> Mapping:
    from litecost import safe_yaml

    data = safe_yaml.load(path, "mapping file", missing_hint="check the --mapping path")
    if not isinstance(data, dict):
        raise _fail(path, "expected a YAML mapping with at least `provider` and `columns`")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise _fail(path, f"unknown key `{min(unknown)}` (expected one of {', '.join(sorted(TOP_KEYS))})")
    columns = _strings(path, "columns", data.get("columns"), COLUMN_KEYS)
    for required in ("period_start", "amount"):
        if required not in columns:
            raise _fail(path, f"`columns.{required}` is required")
    provider = data.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise _fail(path, "`provider` must be a LiteLLM provider name such as openai, azure, bedrock")
    if provider is None and "provider" not in columns:
        raise _fail(path, "`provider` (or `columns.provider`) is required")
    defaults = _strings(path, "defaults", data.get("defaults"), DEFAULT_KEYS)
    values_raw = data.get("values") or {}
    if not isinstance(values_raw, dict):
        raise _fail(path, "`values` must be a mapping")
    values = {}
    for key, table in values_raw.items():
        if key not in VALUE_KEYS:
            raise _fail(path, f"unknown key `values.{key}` (expected one of {', '.join(sorted(VALUE_KEYS))})")
        values[key] = _strings(path, f"values.{key}", table)
    for key, allowed in (("kind", set(KINDS)), ("category", set(INVOICE_CATEGORIES)), ("service_tier", set(SERVICE_TIERS))):
        for where, value in [(f"defaults.{key}", defaults.get(key)), *((f"values.{key}.{k}", v) for k, v in values.get(key, {}).items())]:
            if value is not None and value not in allowed:
                raise _fail(path, f"`{where}` is {value!r}, not one of {', '.join(sorted(allowed))}")
    period = str(data.get("period") or "day")
    if period not in PERIODS:
        raise _fail(path, f"`period` is {period!r}, not one of hour, day, month")
    layout = str(data.get("layout") or "generic")
    date_format = data.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        raise _fail(path, "`date_format` must be a strptime format such as %d/%m/%Y")
    return Mapping(
        path=path,
        provider=provider.strip() if isinstance(provider, str) else None,
        layout=layout,
        description=str(data.get("description") or f"billing export described by {path.name}"),
        columns=columns,
        defaults=defaults,
        values=values,
        period=period,
        date_format=date_format,
        quantity_multiplier=_decimal(path, "quantity_multiplier", data.get("quantity_multiplier")),
        amount_multiplier=_decimal(path, "amount_multiplier", data.get("amount_multiplier")),
    )


def check_columns(path: Path, mapping: Mapping, shape: Shape) -> None:
    """Every column the mapping names must be in the file (any casing)."""
    for role, name in mapping.columns.items():
        if column_key(name) not in shape.keys:
            found = ", ".join(list(shape.names)[:8]) + ("…" if len(shape.names) > 8 else "")
            raise BadInputError(
                f"{path}: column {name!r} (columns.{role} in {mapping.path.name}) is not in the file (found: {found})",
                hint="fix the mapping or pass the right file",
            )
