"""Pricing: the layered price book and re-pricing calls with it.

`keys` (LiteLLM's price-key grammar) → `entries` (layer contents, rate resolution) →
`litellm_map`, `off_peak`, `overrides` (reading the layers) → `book` (the layered book)
→ `repricing` (pricing calls in SQL); beside them `diff`, `sync` and `import_config`
serve the `litecost pricing` commands.
"""
