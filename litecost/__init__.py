"""litecost: FinOps for teams that route LLM traffic through LiteLLM.

`litecost.open(db)` is the Python API (see `litecost.api` and the README)."""

__version__ = "0.1.0"


def __getattr__(name: str):  # noqa: ANN202 - the API loads on first use, not with the CLI
    if name in ("open", "Litecost"):
        import importlib

        # Loaded by name: modules that read __version__ must not depend on the whole API.
        return getattr(importlib.import_module("litecost.api"), name)
    raise AttributeError(f"module 'litecost' has no attribute {name!r}")
