"""Invoice adapters: provider billing and usage exports → canonical `invoice_lines`.

One module per provider family under `adapters/` (`openai`, `anthropic`, `azure`, `aws`,
`gcp`, `focus`, `generic`), each declaring its `ADAPTER` (layouts, and how it reads the
provider's charge labels) for the registry in `adapters/__init__.py`; `layouts` is what
an adapter is; `detect` recognises a file by its columns, `reading`
loads it into DuckDB, `staging` runs the layout's SQL and validates it, and
`importer.import_invoices` stores files and lines in one transaction (its docstring
states the supersede rule). `models` maps invoice and logged model names to one
family key; `queries` reads files and lines back for the CLI.

Canonical line (`invoice_lines`, schema in `store/migrations.py`):
* `provider`: LiteLLM's provider name (openai, anthropic, azure, bedrock, vertex_ai,
  gemini); rows of other cloud services keep `aws` / `gcp`.
* `period_start`/`period_end`: UTC, half-open, the provider's own bucket (day, hour,
  usage window).
* `kind`: `token` for token charges (with `category` from litecost's token
  vocabulary), otherwise web_search, tool, storage, provisioned, fee, tax, credit,
  discount, refund, rounding, adjustment or other (`charges.KINDS`). No row is dropped.
* `quantity`: tokens with 1K/1M units expanded (`unit='tokens'`); other kinds keep
  the export's quantity and unit.
* `amount`: DECIMAL in `currency` as exported (never converted). Usage layouts
  (`Layout.measures == 'usage'`: OpenAI Usage API / Activity CSV, Anthropic usage
  report / Console usage CSV) carry token quantities only: their lines have amount
  0 and their file has no `total_amount`. Reconcile must not add a usage file's
  quantities to a cost file's of the same provider and period.
* `service_tier`: standard, batch, priority, flex or provisioned; `context_tier` is
  `long` where a long-context rate was billed, else NULL.
* Cache writes whose TTL the provider does not state are `cache_write_5m`.
* `model_raw` is the provider's text naming the model (line-item model, meter name,
  usage type, SKU description, display name); `model` its family key.
"""
