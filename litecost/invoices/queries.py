"""Read stored invoice files and lines back (for `litecost invoices list/show`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litecost.errors import UsageError
from litecost.store import rows_of
from litecost.invoices.charges import INVOICE_CATEGORIES
from litecost.sql import string_list

if TYPE_CHECKING:
    from litecost.invoices.models import ModelAliases
    from litecost.store import Store

_CATEGORY_ORDER = string_list(INVOICE_CATEGORIES)

GROUPINGS = {
    "kind": ("kind",),
    "model": ("provider", "model"),
    "category": ("kind", "category"),
    "day": ("day",),
    "provider": ("provider",),
}


def list_invoice_files(store: Store, *, include_superseded: bool = False) -> list[dict[str, Any]]:
    where = "" if include_superseded else "WHERE f.superseded_by IS NULL"
    return rows_of(store.con.execute(
        "SELECT f.invoice_file_id, f.provider, f.layout, f.period_start, f.period_end, f.accounts, f.rows_read,"
        " f.lines, f.total_amount, f.currency, f.superseded_by, f.imported_at, f.path, f.sha256,"
        " (SELECT list(DISTINCT l.provider ORDER BY l.provider) FROM invoice_lines l"
        "  WHERE l.invoice_file_id = f.invoice_file_id) AS line_providers"
        f" FROM invoice_files f {where} ORDER BY f.invoice_file_id"
    ))


def invoice_file(store: Store, file_id: int) -> dict[str, Any]:
    rows = rows_of(store.con.execute(
        "SELECT invoice_file_id, provider, layout, period_start, period_end, accounts, rows_read, lines, total_amount,"
        " currency, superseded_by, imported_at, path, sha256 FROM invoice_files WHERE invoice_file_id = ?",
        [file_id],
    ))
    if not rows:
        raise UsageError(f"no invoice file with id {file_id}", hint="see `litecost invoices list --all`")
    return rows[0]


def require_invoice_files(store: Store, ids: list[int]) -> None:
    """Refuse an empty list, or an id no imported invoice file has."""
    if not ids:
        raise UsageError("no invoices to reconcile")
    known = {r[0] for r in store.con.execute(
        "SELECT invoice_file_id FROM invoice_files WHERE list_contains($ids, invoice_file_id)", {"ids": ids}).fetchall()}
    missing = [i for i in ids if i not in known]
    if missing:
        raise UsageError(f"no imported invoice file with id {missing[0]}", hint="see `litecost invoices list`")


def invoice_lines(store: Store, file_id: int, by: str | None = None) -> list[dict[str, Any]]:
    """The file's lines in source order, or aggregated by kind/model/category/day/provider."""
    invoice_file(store, file_id)
    if by is None:
        return rows_of(store.con.execute(
            "SELECT source_row, period_start, period_end, provider, account, kind, model_raw, model, category,"
            " service_tier, context_tier, region, quantity, unit, amount, currency, description"
            " FROM invoice_lines WHERE invoice_file_id = ?"
            # A row's own charge first, its credits after; usage categories in vocabulary order.
            f" ORDER BY source_row, kind IN ('credit', 'discount'), list_position({_CATEGORY_ORDER}, category), kind",
            [file_id],
        ))
    if by not in GROUPINGS:
        raise UsageError(f"--by {by!r} is not one of {', '.join(GROUPINGS)}")
    keys = GROUPINGS[by]
    select = ", ".join("date_trunc('day', period_start) AS day" if k == "day" else k for k in keys)
    group = ", ".join(keys)
    return rows_of(store.con.execute(
        f"SELECT {select}, currency, count(*) AS lines,"
        " sum(quantity) FILTER (WHERE unit = 'tokens') AS tokens, sum(amount) AS amount"
        f" FROM invoice_lines WHERE invoice_file_id = ? GROUP BY {group}, currency"
        f" ORDER BY {group}, currency",
        [file_id],
    ))


def invoice_models(store: Store, *, include_superseded: bool = False) -> list[dict[str, Any]]:
    """Each billed model name with its family key and the logged models that match it (with
    the LiteLLM evidence that decided, see `billing_model_key`): what to alias when a bill
    names a model no evidence matches."""
    from collections import defaultdict

    from litecost.invoices.models import LOG_MODEL_EVIDENCE, billing_model_key
    from litecost.providers import billing_provider

    current = "" if include_superseded else " AND f.superseded_by IS NULL"
    rows = rows_of(store.con.execute(
        "SELECT l.provider, l.model_raw, l.model, list_sort(list(DISTINCT l.category)"
        " FILTER (WHERE l.category IS NOT NULL)) AS categories, count(*) AS lines,"
        " sum(l.quantity) FILTER (WHERE l.unit = 'tokens') AS tokens, sum(l.amount) AS amount,"
        " min(l.currency) AS currency, min(l.period_start) AS first_start, max(l.period_end) AS last_end"
        " FROM invoice_lines l JOIN invoice_files f USING (invoice_file_id)"
        f" WHERE l.model_raw IS NOT NULL{current}"
        " GROUP BY l.provider, l.model_raw, l.model ORDER BY l.provider, l.model, l.model_raw"
    ))
    billed: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["model"]:
            billed[billing_provider(row["provider"])].add(row["model"])
    logged: dict[tuple[str, str], list[str]] = defaultdict(list)
    if rows:
        start = min(row["first_start"] for row in rows)
        end = max(row["last_end"] for row in rows)
        for call in rows_of(store.con.execute(
            "SELECT provider, model, model_map_key, model_group, model_resolved, count(*) AS calls FROM calls"
            " WHERE start_time >= $start AND start_time < $end AND NOT cache_hit"
            " GROUP BY ALL ORDER BY calls DESC, model",
            {"start": start, "end": end},
        )):
            family = billing_provider(call["provider"])
            model, evidence = billing_model_key(call["provider"], call, billed[family])
            if model in billed[family]:
                value = call[dict(LOG_MODEL_EVIDENCE)[evidence]]
                shown = f" {value}" if value != call["model"] else ""
                calls = f"{call['calls']:,} call" + ("s" if call["calls"] != 1 else "")
                logged[(family, model)].append(f"{call['model']} ({evidence}{shown}, {calls})")
    for row in rows:
        del row["first_start"], row["last_end"]
        row["logged_as"] = logged.get((billing_provider(row["provider"]), row["model"]), [])
    return rows


def apply_model_aliases(store: Store, aliases: ModelAliases | None) -> int:
    """Recompute `invoice_lines.model` from `model_raw` with these aliases (one transaction).

    Aliases given to `import` apply to that import only; a file already imported is not
    read again, so new aliases are applied to the stored lines here. Returns the number
    of lines whose model changed."""
    from litecost.invoices.models import normalize_invoice_model
    from litecost.invoices.staging import insert_rows

    with store.transaction() as con:
        pairs = con.execute(
            "SELECT DISTINCT provider, model_raw FROM invoice_lines WHERE model_raw IS NOT NULL"
        ).fetchall()
        con.execute("CREATE OR REPLACE TEMP TABLE inv_models (provider VARCHAR, model_raw VARCHAR, model VARCHAR)")
        insert_rows(con, "inv_models", [(p, raw, normalize_invoice_model(p, raw, aliases)) for p, raw in pairs], 3)
        changed = con.execute(
            "UPDATE invoice_lines SET model = m.model FROM inv_models m"
            " WHERE invoice_lines.provider = m.provider AND invoice_lines.model_raw = m.model_raw"
            " AND invoice_lines.model IS DISTINCT FROM m.model"
        ).fetchone()[0]
    return changed
