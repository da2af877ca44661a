"""Model names: every name in the billing fixtures and the logs maps to one family key."""

from __future__ import annotations

import pytest

from invoices_support import BILLING
from litecost.invoices.importer import import_invoices
from litecost.invoices.models import ModelAliases, family_key, normalize_invoice_model, normalize_logged_model
from litecost.store import Store

# (provider, name as a bill writes it, family key)
INVOICE_NAMES = [
    # OpenAI line items (Costs API / dashboard / FOCUS), OpenRouter permaslugs
    ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("openai", "gpt-4o-2024-08-06", "gpt-4o"),
    ("openai", "gpt-5-2025-08-07", "gpt-5"),
    ("openai", "gpt-4.1-2025-04-14", "gpt-4.1"),
    ("openai", "gpt-audio-mini-2025-12-15", "gpt-audio-mini"),
    ("openai", "o3-2025-04-16", "o3"),
    ("openai", "o3-mini-2025-01-31", "o3-mini"),
    ("openrouter", "openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("openrouter", "anthropic/claude-4-sonnet-20250522", "claude-sonnet-4"),
    # Anthropic API ids and Console display names
    ("anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4"),
    ("anthropic", "claude-3-5-haiku-20241022", "claude-3-5-haiku"),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("anthropic", "claude-opus-4-1-20250805", "claude-opus-4-1"),
    ("anthropic", "Claude Sonnet 4", "claude-sonnet-4"),
    ("anthropic", "Claude Haiku 3.5", "claude-3-5-haiku"),
    ("anthropic", "Claude Sonnet 4.5", "claude-sonnet-4-5"),
    ("anthropic", "Claude Haiku 4.5", "claude-haiku-4-5"),
    ("anthropic", "Claude 3.7 Sonnet", "claude-3-7-sonnet"),
    # Azure meter names (EA, MCA, FOCUS, reference §3.3) with 0718-style snapshot codes
    ("azure", "gpt-4o-mini-0718-Inp-glbl Tokens", "gpt-4o-mini"),
    ("azure", "gpt 4o mini 0718 cached Inp glbl Tokens", "gpt-4o-mini"),
    ("azure", "gpt-4o-mini-0718-Outp-glbl Tokens", "gpt-4o-mini"),
    ("azure", "gpt 4o 1120 Inp glbl Tokens", "gpt-4o"),
    ("azure", "gpt 4o 1120 Outp glbl Tokens", "gpt-4o"),
    ("azure", "gpt 4o 1120 cached Inp glbl Tokens", "gpt-4o"),
    ("azure", "gpt 4o mini 0718 Inp Data Zone Tokens", "gpt-4o-mini"),
    ("azure", "gpt-4o-0806-Inp-glbl Tokens", "gpt-4o"),
    ("azure", "gpt 4o 0806 cached Inp glbl Tokens", "gpt-4o"),
    ("azure", "gpt-4o-0806-Inp-regnl Tokens", "gpt-4o"),
    ("azure", "gpt-4o-0806-Batch-Inp-glbl Tokens", "gpt-4o"),
    ("azure", "gpt 4o 1120 Inp glbl", "gpt-4o"),
    ("azure", "gpt 4o mini0718 BatchOutp DataZone Tokens", "gpt-4o-mini"),
    ("azure", "GPT 5 Mini Inpt Glbl 1M Tokens", "gpt-5-mini"),
    ("azure", "GPT 5 Nano Batch Inpt cchd Dzone 1M Tokens", "gpt-5-nano"),
    ("azure", "5.4 longco batch cd inp Dz 1M Tokens", "gpt-5.4"),
    ("azure", "6-sol ShortCo Inp PP Gl", "gpt-6-sol"),
    ("azure", "text-embedding-3-large-glbl Tokens", "text-embedding-3-large"),
    ("azure", "Claude Sonnet 4.5 Global Usage", "claude-sonnet-4-5"),
    ("azure", "gpt-35-turbo-0125", "gpt-3.5-turbo"),
    ("azure", "Provisioned Managed Global Unit", None),
    # Bedrock usage types (CUR, reference §4.2, sample month) and product names
    ("bedrock", "USE1-Claude4Sonnet-input-tokens", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-cache-write-input-token-count-1-hour", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-input-tokens-cross-region-global", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-output-tokens", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-output-tokens-batch", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-cache-read-input-token-count", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4Sonnet-cache-write-input-token-count", "claude-sonnet-4"),
    ("bedrock", "USE1-Claude4.5Sonnet-output-tokens-cross-region-global", "claude-sonnet-4-5"),
    ("bedrock", "USE1-Claude4.6Sonnet-input-tokens", "claude-sonnet-4-6"),
    ("bedrock", "USE1-NovaPro-input-tokens", "nova-pro"),
    ("bedrock", "USE1-Nova2.0Lite-input-tokens-flex", "nova-2-lite"),
    ("bedrock", "USE1-gpt-oss-120b-output-tokens-priority", "gpt-oss-120b"),
    ("bedrock", "USE1-Claude2.0-input-tokens", "claude-2"),
    ("bedrock", "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard", "claude-opus-4-8"),
    ("bedrock", "Claude4Sonnet", "claude-sonnet-4"),
    ("bedrock", "Claude 3 Haiku (Amazon Bedrock Edition)", "claude-3-haiku"),
    ("bedrock", "Claude Sonnet 4 (Amazon Bedrock Edition)", "claude-sonnet-4"),
    ("bedrock", "Amazon Nova Pro", "nova-pro"),
    # GCP SKU descriptions (Vertex AI, Gemini API)
    ("vertex_ai", "Gemini 2.0 Flash Text Input - Predictions", "gemini-2.0-flash"),
    ("vertex_ai", "Gemini 2.0 Flash Text Output - Predictions", "gemini-2.0-flash"),
    ("vertex_ai", "Gemini 2.5 Flash GA Text Input - Predictions", "gemini-2.5-flash"),
    ("vertex_ai", "Gemini 2.5 Flash GA Thinking Text Output - Predictions", "gemini-2.5-flash"),
    ("vertex_ai", "Gemini 2.5 Flash GA Input Text Caching", "gemini-2.5-flash"),
    ("vertex_ai", "Gemini 2.5 Flash GA Caching Storage", "gemini-2.5-flash"),
    ("vertex_ai", "Gemini 2.0 Flash Text Input (Long) - Predictions", "gemini-2.0-flash"),
    ("vertex_ai", "Gemini 3 Flash Text Input - Predictions", "gemini-3-flash"),
    ("vertex_ai", "Gemini 3.7 Flash Global Text Input - Predictions", "gemini-3.7-flash"),
    ("vertex_ai", "Gemini 2.0 Flash Lite Text Input - Predictions", "gemini-2.0-flash-lite"),
    ("vertex_ai", "Gemini 2.5 Pro Thinking Text Output - Predictions", "gemini-2.5-pro"),
    ("vertex_ai", "Gemini 2.5 Flash Audio Input - Predictions", "gemini-2.5-flash"),
    ("gemini", "Generate content input token count gemini 2.5 flash short input text", "gemini-2.5-flash"),
    ("gemini", "Generate content output token count gemini 2.5 flash batch output text", "gemini-2.5-flash"),
    ("gemini", "Generate content output token count Gemini 2.5 Pro short output text", "gemini-2.5-pro"),
    ("gemini", "Generate content cached input token count gemini 2.5 flash input image", "gemini-2.5-flash"),
    ("gemini", "Generate content input token count Gemini 2.5 Pro long input text", "gemini-2.5-pro"),
]

# (provider, model as LiteLLM logs it, family key)
LOGGED_NAMES = [
    ("openai", "gpt-4o-mini", "gpt-4o-mini"),
    ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("openai", "o3-mini", "o3-mini"),
    ("azure", "gpt-4o", "gpt-4o"),
    ("azure", "azure/gpt-4o", "gpt-4o"),
    ("azure", "azure/gpt-35-turbo", "gpt-3.5-turbo"),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4"),
    ("anthropic", "claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
    ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
    ("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4"),
    ("bedrock", "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku"),
    ("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"),
    ("bedrock", "anthropic.claude-v2", "claude-2"),
    ("bedrock", "amazon.nova-pro-v1:0", "nova-pro"),
    ("bedrock", "amazon.nova-2-lite-v1:0", "nova-2-lite"),
    ("bedrock", "openai.gpt-oss-120b-1:0", "gpt-oss-120b"),
    ("gemini", "gemini-2.5-pro", "gemini-2.5-pro"),
    ("gemini", "gemini/gemini-2.5-pro", "gemini-2.5-pro"),
    ("vertex_ai", "gemini-2.0-flash-001", "gemini-2.0-flash"),
    ("vertex_ai", "gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
    ("vertex_ai", "vertex_ai/claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
    ("vertex_ai", "models/gemini-1.5-pro-002", "gemini-1.5-pro"),
    ("openai", "ft:gpt-4o-mini-2024-07-18:acme::abc123", "ft:gpt-4o-mini"),
]


@pytest.mark.parametrize("provider, name, key", INVOICE_NAMES)
def test_invoice_names(provider, name, key):
    assert normalize_invoice_model(provider, name) == key


@pytest.mark.parametrize("provider, name, key", LOGGED_NAMES)
def test_logged_names(provider, name, key):
    assert normalize_logged_model(provider, name) == key


@pytest.mark.parametrize("provider, name, key", [n for n in INVOICE_NAMES if n[2]] + LOGGED_NAMES)
def test_a_family_key_maps_to_itself(provider, name, key):
    # Reconcile may pass an already normalised name back in.
    assert normalize_invoice_model(provider, key) == key
    assert normalize_logged_model(provider, key) == key


def test_empty_names():
    assert normalize_invoice_model("openai", None) is None
    assert normalize_invoice_model("openai", "  ") is None
    assert normalize_logged_model("openai", "") is None
    assert family_key(None) is None


def test_every_model_name_in_the_fixtures_is_covered(tmp_path):
    """Each stored (provider, model_raw) of every fixture is in the table above, with the same key."""
    expected = {(p, n): k for p, n, k in INVOICE_NAMES}
    names = sorted(p for p in BILLING.iterdir() if p.suffix in (".csv", ".json", ".jsonl") and "openrouter" not in p.name)
    with Store.open(tmp_path / "models.duckdb") as store:
        import_invoices(store, names)
        stored = store.con.execute(
            "SELECT DISTINCT provider, model_raw, model FROM invoice_lines WHERE model_raw IS NOT NULL"
        ).fetchall()
    for provider, raw, model in stored:
        assert (provider, raw) in expected, f"{provider}: {raw!r} missing from INVOICE_NAMES"
        assert expected[(provider, raw)] == model


def test_invoice_and_log_sides_meet():
    # The sample month's deployments: each bill name meets its logged model.
    pairs = [
        (("openai", "gpt-4o-mini-2024-07-18"), ("openai", "gpt-4o-mini")),
        (("azure", "gpt 4o 1120 cached Inp glbl Tokens"), ("azure", "gpt-4o")),
        (("bedrock", "USE1-Claude4.5Sonnet-input-tokens-cross-region-global"),
         ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")),
        (("anthropic", "Claude Sonnet 4.5"), ("anthropic", "claude-sonnet-4-5-20250929")),
        (("gemini", "Generate content input token count Gemini 2.5 Pro short input text"), ("gemini", "gemini-2.5-pro")),
        (("vertex_ai", "Gemini 2.5 Pro Text Input - Predictions"), ("vertex_ai", "gemini-2.5-pro")),
    ]
    for invoice, logged in pairs:
        assert normalize_invoice_model(*invoice) == normalize_logged_model(*logged)


def test_aliases_exact_glob_and_family(tmp_path):
    aliases = ModelAliases.from_mapping({
        "gpt 4o 1120 *": "azure/eu-gpt4o",  # glob on the raw meter
        "Claude4Sonnet": "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0",  # exact, case-insensitive
        "gpt-5-mini": "azure/gpt5-mini-prod",  # matched on the family key
    })
    assert normalize_invoice_model("azure", "gpt 4o 1120 Outp glbl Tokens", aliases) == "eu-gpt4o"
    assert normalize_invoice_model("bedrock", "claude4sonnet", aliases) == "claude-sonnet-4"
    assert normalize_invoice_model("azure", "GPT 5 Mini Inpt Glbl 1M Tokens", aliases) == "gpt5-mini-prod"
    assert normalize_invoice_model("azure", "gpt-4o-mini-0718-Inp-glbl Tokens", aliases) == "gpt-4o-mini"


def test_alias_file_loading(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("# empty\n", encoding="utf-8")
    assert ModelAliases.load(path).lookup("x") is None
    path.write_text('"gpt 4o *": azure/eu\n', encoding="utf-8")
    assert ModelAliases.load(path).lookup("GPT 4o 1120 Inp") == "azure/eu"
