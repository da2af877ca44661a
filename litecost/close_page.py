"""The close package's `index.html`: one self-contained page a controller opens.

No network: the CSS is inline, the charts are inline SVG (`litecost.charts`), there is no
script. Every text that comes from data is HTML-escaped. The page shows the headline
figures, the charts — spend per day by provider, a waterfall from LiteLLM's logged cost to
the bills, chargeback by team and by tag, the largest discrepancies — and the tables behind
them (the CSV files beside it hold the same rows, exact).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape
from typing import Any

from litecost import charts
from litecost.formats import Column, _display
from litecost.money import money_text
from litecost.reconcile.result import STATUSES

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.sub{color:#555;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;min-width:9rem}
.card .v{font-size:1.3rem;font-weight:600}.card .k{color:#555;font-size:.85rem}
.card.bad .v{color:#b00020}.two{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
@media (max-width:60rem){.two{grid-template-columns:1fr}}
figure{margin:0}svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;border-top:1px solid #999}
footer{color:#555;font-size:.8rem;margin-top:3rem}
"""
_SHORT = [Column("requests", kind="int"), Column("logged_cost", "logged $", "money"),
          Column("repriced_cost", "re-priced $", "money"), Column("invoice_cost", "invoice $", "money"),
          Column("share_pct", "share", "pct")]
_STATUS_LABELS = {"matched": "within tolerance", "non_token_charge": "non-token charges"}


def _table(rows: list[dict[str, Any]], columns: list[Column], total_label: str | None = "(total)") -> str:
    head = "".join(f'<th class="{"n" if c.numeric else ""}">{escape(c.title)}</th>' for c in columns)
    body = []
    for row in rows:
        total = total_label is not None and row.get(columns[0].key) == total_label
        cells = "".join(f'<td class="{"n" if c.numeric else ""}">{escape(_display(row.get(c.key), c))}</td>'
                        for c in columns)
        body.append(f'<tr class="total">{cells}</tr>' if total else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _card(label: str, value: Decimal | None, bad: bool = False) -> str:
    shown = "—" if value is None else "$" + money_text(value, 2)
    return f'<div class="card{" bad" if bad else ""}"><div class="v">{escape(shown)}</div><div class="k">{escape(label)}</div></div>'


def _daily_chart(days: list[dict[str, Any]]) -> str:
    providers = sorted({r["provider"] for r in days})
    dates = sorted({r["day"] for r in days})
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in days:
        amounts[r["provider"]][r["day"]] += r["invoice_cost"] or Decimal(0)
    series = {p: [amounts[p][d] for d in dates] for p in providers}
    return charts.stacked_days("daily", dates, series, "Spend per UTC day by provider (invoice basis)")


def _waterfall(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    by_status: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_status[row["status"]] += row["delta_amount"] or Decimal(0)
    steps = [("re-pricing", summary["repriced_total"] - summary["logged_total"])]
    steps += [(_STATUS_LABELS.get(s, s.replace("_", " ")), by_status[s]) for s in STATUSES if by_status.get(s)]
    return charts.waterfall("waterfall", ("logged by LiteLLM", summary["logged_total"]), steps, ("bills", summary["invoice_total"]),
                            "From LiteLLM's logged cost to the bills, by cause")


def _bars(name: str, rows: list[dict[str, Any]], dimension: str, title: str, top: int = 15) -> str:
    shown = [r for r in rows if r.get(dimension) != "(total)"][:top]
    return charts.horizontal_bars(name, [str(r[dimension]) for r in shown], [r["invoice_cost"] for r in shown], title)


def close_page(*, title: str, subtitle: str, headline: dict[str, Any], summary: dict[str, Any],
               by_team: list[dict[str, Any]], by_tag: list[dict[str, Any]], tag_dimension: str,
               days: list[dict[str, Any]], reconciliation_rows: list[dict[str, Any]],
               discrepancies: list[dict[str, Any]], unpriced: list[dict[str, Any]], bills: list[dict[str, Any]],
               logs: list[dict[str, Any]], footer: str, log_digest: str = "blake3") -> str:
    """The page's HTML."""
    top = discrepancies[:10]
    cards = "".join([
        _card("bills", headline["bills"]), _card("logged by LiteLLM", headline["logged"]),
        _card("re-priced by litecost", headline["repriced"]), _card("gap: bills − re-priced", headline["gap"]),
        _card("explained", headline["explained_gap"]),
        _card("unexplained", headline["unexplained_gap"], bad=abs(headline["unexplained_gap"] or 0) >= 1),
    ])
    discrepancy_columns = [Column("provider"), Column("model"), Column("category"),
                           Column("invoice_amount", "billed $", "money"), Column("repriced_cost", "re-priced $", "money"),
                           Column("delta_amount", "delta $", "money"), Column("status"), Column("explanation")]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class=\"sub\">{escape(subtitle)}</p>",
        f'<section class="cards">{cards}</section>',
        f'<figure id="daily">{_daily_chart(days)}</figure>' if days else "",
        "<h2>Reconciliation</h2>",
        f'<figure id="waterfall">{_waterfall(summary, reconciliation_rows)}</figure>',
        "<h2>Chargeback (invoice basis)</h2>",
        '<div class="two">',
        f'<figure id="by-team">{_bars("by-team", by_team, "team", "By team")}</figure>',
        f'<figure id="by-tag">{_bars("by-tag", by_tag, tag_dimension, f"By {tag_dimension} (split evenly)")}</figure>',
        "</div>",
        "<h2>Largest discrepancies</h2>",
        ('<figure id="discrepancies">'
         + charts.horizontal_bars("discrepancies", [" · ".join(str(r[k]) for k in ("provider", "model", "category") if r.get(k)) for r in top],
                                  [r["delta_amount"] for r in top], "Bills − re-priced, largest first")
         + "</figure>") if top else "<p>None: every row matched.</p>",
        _table(top, discrepancy_columns, None) if top else "",
        "<h2>Chargeback by team</h2>",
        _table(by_team, [Column("team"), *_SHORT]),
        f"<h2>Chargeback by {escape(tag_dimension)}</h2>",
        _table(by_tag, [Column(tag_dimension), *_SHORT]),
        "<h2>Unpriced models</h2>",
        _table(unpriced, [Column("provider"), Column("model"), Column("model_group"), Column("calls", kind="int"),
                          Column("logged_cost", "logged $", "money")], None) if unpriced
        else "<p>Every model in the period has a price.</p>",
        "<h2>Inputs</h2>",
        _table(bills, [Column("id", kind="int"), Column("provider"), Column("file"), Column("total", "total $", "money"),
                       Column("sha256")], None),
        _table(logs, [Column("id", kind="int"), Column("file"), Column("calls", kind="int"), Column(log_digest)], None),
        f"<footer>{escape(footer)}</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
