"""A reconciliation as `litecost reconcile` and `Litecost.reconcile` run it: arguments checked
into a `ReconcileSpec`, bill files imported (idempotently), the stored invoices reconciled.

Messages name the CLI's options (`--tolerance`, `--rate`): the API documents its arguments as
meaning what those options mean."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litecost.errors import UsageError
from litecost.pricing.book import PriceBook
from litecost.reconcile.match import reconcile_files
from litecost.reconcile.result import Reconciliation, ReconcileSpec

if TYPE_CHECKING:
    from litecost.invoices.detect import InvoiceSource
    from litecost.invoices.models import ModelAliases
    from litecost.store import Store

# Bounds of the numbers reconcile takes: far beyond any real one, within what DuckDB's
# DECIMAL(38, 18) arithmetic holds. A rate is USD per unit of a currency: 0 would zero the
# bill, one beyond a million is a typo.
LARGEST = Decimal("1e15")
LARGEST_RATE = Decimal(1_000_000)
GRAINS = ("period", "day")


def bounded_decimal(value: Decimal | str | int | None, what: str, *, positive: bool = False,
                    largest: Decimal = LARGEST) -> Decimal | None:
    """A finite number ≥ 0 (> 0 when `positive`) and at most `largest`; None stays None."""
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UsageError(f"{what} {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or (positive and number == 0) or number > largest:
        low = "above 0" if positive else "≥ 0"
        raise UsageError(f"{what} {value!r} must be a number {low} and at most {largest:,f}")
    return number


def usd_rates(rates: Mapping[str, Decimal | str] | None) -> tuple[tuple[str, Decimal], ...]:
    """(currency, USD per unit) pairs from {"EUR": "1.08"}, each code three letters."""
    pairs = []
    for currency, value in (rates or {}).items():
        code = str(currency).strip()
        if not re.fullmatch(r"[A-Za-z]{3}", code):
            raise UsageError(f"--rate {currency}={value} does not name a three-letter currency code", hint="e.g. --rate EUR=1.08")
        pairs.append((code.upper(), bounded_decimal(value, f"--rate {code.upper()}", positive=True, largest=LARGEST_RATE)))
    return tuple(pairs)


def reconcile_spec(*, period: str | None = None, tz: str = "UTC", grain: str = "period",
                   tolerance_pct: Decimal | str = "1", rates: Mapping[str, Decimal | str] | None = None,
                   now: datetime | None = None) -> ReconcileSpec:
    """The spec of a reconciliation (its invoices are added once bill files are imported)."""
    from litecost.periods import parse_period, zone_info

    zone_info(tz)
    if grain not in GRAINS:
        raise UsageError(f"--grain {grain!r} is not period or day")
    tolerance = bounded_decimal(tolerance_pct, "--tolerance")
    pairs = usd_rates(rates)
    window = parse_period(period, tz, now=now or datetime.now(timezone.utc)) if period else None
    return ReconcileSpec((), window, tz, grain, tolerance, usd_rates=pairs)


@dataclass(frozen=True)
class BillInputs:
    """The invoices of a reconciliation, checked before the store opens (a file no layout
    reads, a bad mapping or alias file stores nothing): stored ids and detected bill files."""

    ids: tuple[int, ...]
    sources: tuple[InvoiceSource, ...]
    aliases: ModelAliases | None


def bill_inputs(invoices: Sequence[int | str | Path], *, provider: str = "auto", mapping: Any = None,
                aliases: ModelAliases | str | Path | None = None) -> BillInputs:
    """Stored invoice file ids (int) and bill files (paths, directories, globs), detected with
    `provider` and a `mapping` (a loaded one or its YAML file), and the user's `aliases`."""
    from litecost.invoices.detect import detect_files
    from litecost.invoices.mapping import load_mapping
    from litecost.invoices.models import ModelAliases

    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(Path(mapping))
    if isinstance(aliases, (str, Path)):
        aliases = ModelAliases.load(Path(aliases))
    files = [str(i) for i in invoices if not isinstance(i, int)]
    sources = detect_files(files, provider, mapping) if files else []
    return BillInputs(tuple(i for i in invoices if isinstance(i, int)), tuple(sources), aliases)


def reconcile_invoices(store: Store, inputs: BillInputs, spec: ReconcileSpec, book: PriceBook, *,
                       on_file: Callable[[int, InvoiceSource], None] | None = None) -> Reconciliation:
    """Import the bill files of `inputs` (idempotently), then reconcile them and the stored
    ids under `spec`. The import's result is the reconciliation's `imports` (None when every
    invoice was an id)."""
    from litecost.invoices.importer import import_invoices

    ids = list(inputs.ids)
    imports = None
    if inputs.sources:
        imports = import_invoices(store, list(inputs.sources), aliases=inputs.aliases, on_file=on_file)
        ids += [f.invoice_file_id for f in imports.files]
    result = reconcile_files(store, replace(spec, invoice_file_ids=tuple(dict.fromkeys(ids))), book, inputs.aliases)
    result.imports = imports
    return result
