"""Shipped data, not code: LiteLLM's price-map snapshot, its provenance and the example
overrides. The wheel installs this directory as `litecost._pricing` (see litecost/resources.py)."""
