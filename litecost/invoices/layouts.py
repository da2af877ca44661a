"""What an adapter is: a recognisable layout plus the SQL that stages its rows.

An adapter module declares one `Layout` per export layout it reads. Detection picks
the layout from the file's column keys (see `reading.column_key`); staging runs
the layout's `stage()` SQL over `inv_src` and must produce exactly the columns of
`STAGED_COLUMNS`, one row per invoice line, each carrying its `source_row`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litecost.invoices.sql import Check, keep_token_line, problem, token_columns
from litecost.sql import MONEY, QUANTITY

if TYPE_CHECKING:
    from litecost.invoices.charges import Charge
    from litecost.invoices.reading import Columns

# (name, SQL type) of each staged line, in order. `problem` names the first
# malformed cell of the source row; `label` is the text a layout classifies;
# `note` is counted and reported per file (e.g. which Azure quantity rule fired).
STAGED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_row", "BIGINT"),
    ("ref", "VARCHAR"),
    ("problem", "STRUCT(col VARCHAR, val VARCHAR, what VARCHAR)"),
    ("period_start", "TIMESTAMPTZ"),
    ("period_end", "TIMESTAMPTZ"),
    ("provider", "VARCHAR"),
    ("account", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("model_raw", "VARCHAR"),
    ("category", "VARCHAR"),
    ("service_tier", "VARCHAR"),
    ("context_tier", "VARCHAR"),
    ("region", "VARCHAR"),
    ("quantity", QUANTITY),
    ("unit", "VARCHAR"),
    ("amount", MONEY),
    ("currency", "VARCHAR"),
    ("description", "VARCHAR"),
    ("label", "VARCHAR"),
    ("note", "VARCHAR"),
)


def staged_select(values: dict[str, str], *, checks: list[Check] = (), label: str | None = None,
                  source: str = "inv_src", where: str | None = None) -> str:
    """SELECT producing the staged columns from `values` (SQL per column; missing → NULL).

    `checks` name each row's first malformed cell (`problem`); `label`, the SQL of the text a
    layout classifies, joins that text's classification as `l` (`l.kind`, `l.category`…).
    Every line carries the identity of the `inv_src` row it came from (`source_row`, `ref`),
    so `source` must name that row `inv_src`."""
    values = {"source_row": "inv_src.source_row", "ref": "inv_src.ref", "problem": problem(list(checks)), **values}
    unknown = set(values) - {name for name, _ in STAGED_COLUMNS}
    if unknown:  # pragma: no cover - a programming error in an adapter
        raise ValueError(f"unknown staged columns {sorted(unknown)}")
    items = [f"CAST({values.get(name, 'NULL')} AS {sqltype}) AS {name}" for name, sqltype in STAGED_COLUMNS]
    joined = f" LEFT JOIN inv_labels l ON l.label = {label}" if label else ""
    return "SELECT " + ", ".join(items) + f" FROM {source}{joined}" + (f" WHERE {where}" if where else "")


def wide_usage_select(values: dict[str, str], items: list[tuple[str, str]], checks: list[Check], start: str, end: str) -> str:
    """The staged SELECT for a usage layout with one column per token category: each
    source row becomes one token line per category (`token_columns`; all-zero optional
    categories dropped), without money. `values` may use `u.cat` and `u.qty` and add to
    or override what every such layout shares."""
    inner = (
        f"SELECT inv_src.*, {token_columns(items)} AS u, {problem(checks)} AS _problem,"
        f" {start} AS _start, {end} AS _end FROM inv_src"
    )
    shared = {
        "problem": "_problem",
        "period_start": "_start",
        "period_end": "_end",
        "category": "u.cat",
        "quantity": "u.qty",
        "amount": "0",
        "currency": "'USD'",
    }
    return staged_select({**shared, **values}, source=f"({inner}) inv_src", where=keep_token_line())


@dataclass(frozen=True)
class Shape:
    """What detection saw: format and the comparable keys of the columns/fields."""

    format: str  # csv | json | parquet
    keys: frozenset[str]
    page: bool = False
    bucket_keys: frozenset[str] = frozenset()
    result_object: str | None = None  # OpenAI's `object` of the first result
    page_object: str | None = None  # the page's own `object` ("page" for OpenAI)
    names: tuple[str, ...] = ()  # the names as written, for messages

    def has(self, *keys: str) -> bool:
        return all(k in self.keys for k in keys)

    def any(self, *keys: str) -> bool:
        return any(k in self.keys for k in keys)


@dataclass
class StageContext:
    path: Path
    columns: Columns
    options: dict[str, Any] = field(default_factory=dict)  # e.g. the generic mapping


@dataclass
class Stage:
    """An adapter's staging plan for one file."""

    sql: str  # SELECT with STAGED_COLUMNS (built with `staged_select`)
    label: str | None = None  # SQL over inv_src: the text `classify` reads (the `label` staged_select joins on)
    classify: Callable[[str], Charge] | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def classified(cls, values: dict[str, str], checks: list[Check], label: str,
                   classify: Callable[[str], Charge]) -> Stage:
        """One staged line per source row, its charge read from `label` by `classify`."""
        return cls(staged_select(values, checks=checks, label=label), label, classify)


@dataclass(frozen=True)
class Layout:
    name: str  # stored in invoice_files.layout
    family: str  # the --provider value that selects it; stored in invoice_files.provider
    description: str  # shown when the file is detected
    measures: str  # "cost" (amounts) or "usage" (token quantities only; amounts are 0)
    formats: tuple[str, ...]
    matches: Callable[[Shape], bool]
    stage: Callable[[StageContext], Stage]
    explicit_only: bool = False  # never auto-detected (the generic mapping)


@dataclass(frozen=True)
class Adapter:
    """One provider family's export layouts and its reading of the provider's charge labels.

    General modules ask the registry (`invoices.adapters`) for these, never an adapter by name:
    `classify` turns a label into a `Charge` (FOCUS rows reuse it for their provider),
    `model_text` finds the words of a label that name the model, `route` the deployment type
    or routing a label names where it changes the price (None: it names none); `service_provider`
    tells a cloud's model lines from its other services (FOCUS rows reuse it)."""

    family: str  # the --provider value
    providers: tuple[str, ...]  # the LiteLLM provider names its lines carry
    layouts: tuple[Layout, ...]
    classify: Callable[[str], Charge] | None = None
    model_text: Callable[[str], str | None] | None = None
    route: Callable[[str], str | None] | None = None
    service_provider: Callable[[str], str] | None = None  # SQL: the provider of a line of this cloud service name
