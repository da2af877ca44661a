"""litecost: FinOps for teams that route LLM traffic through LiteLLM."""

__version__ = "0.1.0"
