"""Reconcile provider invoices with logged calls: align, match, classify every gap.

Both sides are reduced in SQL to (provider, model, category[, day]) aggregates over
the same half-open UTC window: invoice lines (non-superseded files) and logged calls
(priced, LiteLLM cache hits excluded: they never reached the provider). Matching and
classification then run over those few hundred aggregates in Python.

Classes, in the order they are tried for a row:

* `non_token_charge` — an invoice line that is not tokens (tax, web search, credits, fees…);
* `unmatched_invoice_line` — billed model with no logged calls at that provider;
* `unmatched_log_model` — logged model with no invoice line;
* `matched` — quantities and amounts agree within tolerance;
* `price_mismatch` — quantities agree, amounts do not (the implied unit price is shown);
* `time_shift` — the row agrees once log times move by the offset found in the model's daily
  series (stronger evidence than input-side totals, which moved calls can balance by chance);
* `category_shift` — the model's input-side categories add up, the split does not;
* `missing_logs` / `extra_logs` — the provider billed more / fewer tokens than were logged.

Each row's `evidence` names what decided its class (`model_names`, `amounts`,
`quantities_and_amounts`, `unit_price`, `daily_offset`, `input_side_total`, `token_count`,
`non_token_line`).

`delta_amount` is invoice amount − re-priced log cost; `delta_pct` divides it by the
invoice amount. The explained gap is the sum of deltas in rows of a class that names
a cause other than missing or extra logs; everything else is unexplained.
"""

from litecost.reconcile.match import reconcile, reconcile_files
from litecost.reconcile.run import BillInputs, bill_inputs, reconcile_invoices, reconcile_spec
from litecost.reconcile.result import (
    EXPLAINED, FAILING_CLASSES, INVOICE_FIELDS, ROW_FIELDS, STATUSES, Reconciliation, ReconcileSpec, discrepancy,
)

__all__ = [
    "BillInputs", "bill_inputs", "EXPLAINED", "FAILING_CLASSES", "INVOICE_FIELDS", "ROW_FIELDS", "STATUSES", "ReconcileSpec", "Reconciliation",
    "discrepancy", "reconcile", "reconcile_files", "reconcile_invoices", "reconcile_spec",
]
