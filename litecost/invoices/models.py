"""One comparable model key for invoice lines and logged calls.

Bills and logs name the same model differently: `gpt-4o-mini-2024-07-18` (OpenAI
bill) vs `gpt-4o-mini` (LiteLLM); Azure meters `gpt 4o mini 0718 cached Inp glbl
Tokens`; Bedrock usage types `USE1-Claude4Sonnet-input-tokens` vs the logged
`global.anthropic.claude-sonnet-4-5-20250929-v1:0`; the Anthropic Console's
`Claude Sonnet 4`; GCP SKUs `Gemini 2.0 Flash Text Input - Predictions`.
`normalize_invoice_model` and `normalize_logged_model` map both sides to a *family
key*: lower case, no provider route or Bedrock region/vendor prefix, no snapshot
date or version suffix (`-2024-07-18`, `-20250514`, `-0718`, `-001`, `-v1:0`,
`@20241022`). Claude names become Anthropic's API order: `claude-<tier>-<version>`
from Claude 4 on, `claude-<version>-<tier>` before it (`claude-3-5-haiku`,
`claude-sonnet-4-5`); a `.0`/`-0` minor version is dropped.

A logged call's name is often an alias (an Azure deployment named `chat-eus2`, a Bedrock
application inference profile, a Vertex endpoint, an OpenRouter route), but LiteLLM also
recorded what the model is. `billing_model_key` tries that evidence in order —
`LOG_MODEL_EVIDENCE` — and takes the first whose key the bill names: the price-map key
LiteLLM priced the call with (`metadata.model_map_information.model_map_key`, from
`model_info.base_model` when set), the proxy's model group, the model the provider's
response named, and last the logged name. Aliases apply to the bill's names and so come
last: a call reaches an aliased bill line only when no LiteLLM evidence matched first.

The key is deliberately coarse (snapshots of one model share it): matching calls to
bills by family × token category × day is what reconciliation needs. Where a bill
names a model litecost cannot map (an Azure deployment, a fine-tune, a new meter),
a user alias file maps it: YAML `{invoice model name or glob pattern: logged model}`,
matched case-insensitively against the raw invoice name first, then its family key.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from litecost.errors import BadInputError

_GEO_PREFIX = re.compile(r"^(?:us|eu|apac|ap|global|jp|au|ca|uk|us-gov)\.")
_VENDOR_PREFIX = re.compile(
    r"^(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|twelvelabs|stability|luma|google|"
    r"moonshot|minimax)\."
)
_BEDROCK_VERSION = re.compile(r"(?:-v\d+:\d+|-\d+:\d+|:\d+)$")
_SUFFIXES = (
    re.compile(r"[-_]\d{4}-\d{2}-\d{2}$"),  # -2024-07-18
    re.compile(r"[-_](?:19|20)\d{6}$"),  # -20250514
    re.compile(r"-(?:preview|exp)-\d{2}-\d{2}$"),  # -preview-05-20
    re.compile(r"-(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$"),  # Azure / OpenAI MMDD: -0718, -0613
    re.compile(r"-0\d\d$"),  # Gemini -001
    re.compile(r"-latest$"),
)
_CLAUDE_TIERS = ("opus", "sonnet", "haiku", "instant")


def _claude(key: str) -> str:
    text = re.sub(r"\bv(\d+)\b", r"ver\1", key)  # Bedrock "claude-v2" is Claude 2
    text = re.sub(r"\d+k\b", " ", text)  # context sizes such as 200k
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", "-", text)
    tier = next((t for t in _CLAUDE_TIERS if re.search(rf"(?<![a-z]){t}(?![a-z])", text)), None)
    numbers = [n for n in re.findall(r"(?<![\d])\d+(?![\d])", re.sub(r"ver\d+", " ", text)) if len(n) <= 2]
    if not numbers:
        numbers = re.findall(r"ver(\d+)", text)[:1]
    if len(numbers) > 1 and numbers[1] == "0":
        numbers = numbers[:1]
    version = "-".join(numbers[:2])
    if tier and version:
        return f"claude-{tier}-{version}" if int(numbers[0]) >= 4 else f"claude-{version}-{tier}"
    if tier:
        return f"claude-{tier}"
    return f"claude-{version}" if version else "claude"


def family_key(name: str | None) -> str | None:
    """The comparable family key of any model name (see the module docstring)."""
    if name is None or not str(name).strip():
        return None
    key = str(name).strip().split("/")[-1].split("@")[0].strip().lower()
    fine_tune = key.startswith("ft:")
    if fine_tune:
        key = key[3:].split(":")[0]
    key = re.sub(r"\(.*?\)", " ", key)
    key = re.sub(r"[\s_]+", "-", key.strip())
    for _ in range(2):  # us.anthropic.claude-...
        key = _VENDOR_PREFIX.sub("", _GEO_PREFIX.sub("", key))
    key = _BEDROCK_VERSION.sub("", key)
    changed = True
    while changed:
        before = key
        for pattern in _SUFFIXES:
            key = pattern.sub("", key)
        changed = key != before
    key = re.sub(r"-{2,}", "-", key).strip("-.")
    if "claude" in key:
        key = _claude(key)
    elif key.startswith("gpt-35"):  # Azure's name for gpt-3.5
        key = "gpt-3.5" + key[len("gpt-35"):]
    key = re.sub(r"^amazon-(?=nova|titan)", "", key)  # display name "Amazon Nova Pro"
    key = re.sub(r"^(nova-\d+)\.0(?=-|$)", r"\1", key)
    key = re.sub(r"^llama-?(\d+)[.-](\d+)(?=-|$)", r"llama-\1.\2", key)
    return ("ft:" if fine_tune else "") + key if key else None


@dataclass
class ModelAliases:
    """User aliases: invoice model name or glob pattern → the model as LiteLLM logs it."""

    exact: dict[str, str] = field(default_factory=dict)
    patterns: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, mapping: dict[str, str]) -> ModelAliases:
        aliases = cls()
        for key, value in mapping.items():
            if any(ch in key for ch in "*?["):
                aliases.patterns.append((key.casefold(), value))
            else:
                aliases.exact[key.casefold()] = value
        return aliases

    @classmethod
    def load(cls, path: Path) -> ModelAliases:
        from litecost import safe_yaml

        data = safe_yaml.load(path, "alias file", missing_hint="check the --aliases path")
        if data is None:
            return cls()
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise BadInputError(
                f"{path}: expected a mapping of invoice model name (or glob pattern) to logged model name",
                hint='e.g. "gpt 4o 0806 *": azure/prod-gpt4o',
            )
        return cls.from_mapping(data)

    def lookup(self, *names: str | None) -> str | None:
        for name in names:
            if not name:
                continue
            folded = name.casefold()
            if folded in self.exact:
                return self.exact[folded]
            for pattern, value in self.patterns:
                if fnmatch.fnmatchcase(folded, pattern):
                    return value
        return None


def _invoice_model_text(provider: str | None, model_raw: str) -> str | None:
    """The part of a provider's charge label that names the model."""
    from litecost.invoices.adapters import adapter_for

    adapter = adapter_for(provider)
    return adapter.model_text(model_raw) if adapter is not None and adapter.model_text is not None else model_raw


def billed_route(provider: str | None, model_raw: str | None) -> str | None:
    """The deployment type or routing a bill's charge label names, where it changes the price:
    Azure `global` / `datazone` / `regional` meters, Bedrock `cross-region-global` usage types
    (None: the label names none, e.g. Bedrock in-region)."""
    from litecost.invoices.adapters import adapter_for

    adapter = adapter_for(provider)
    return adapter.route(model_raw) if model_raw and adapter is not None and adapter.route is not None else None


def aliased_invoice_model(provider: str | None, model_raw: str | None, aliases: ModelAliases | None) -> str | None:
    """The family key a user alias gives a bill's model name; None when no alias names it."""
    if aliases is None or model_raw is None or not model_raw.strip():
        return None
    text = _invoice_model_text(provider, model_raw)
    alias = aliases.lookup(model_raw, text, family_key(text))
    return normalize_logged_model(provider, alias) if alias is not None else None


def normalize_invoice_model(provider: str | None, model_raw: str | None, aliases: ModelAliases | None = None) -> str | None:
    """The family key of a model as a bill names it (meter, usage type, SKU, display name),
    stored as `invoice_lines.model` at import."""
    if model_raw is None or not model_raw.strip():
        return None
    return aliased_invoice_model(provider, model_raw, aliases) or family_key(_invoice_model_text(provider, model_raw))


def normalize_logged_model(provider: str | None, model: str | None) -> str | None:
    """The family key of a model as LiteLLM logs it (`calls.model` / `model_resolved`)."""
    return family_key(model)


# LiteLLM's evidence of the model a call is billed under, strongest first: evidence name →
# `calls` column.
LOG_MODEL_EVIDENCE = (
    ("model_map_key", "model_map_key"),
    ("model_group", "model_group"),
    ("response_model", "model_resolved"),
    ("model", "model"),
)
NO_MODEL = "(no model)"


@lru_cache(maxsize=None)
def logged_model_key(provider: str | None, name: str | None) -> str:
    """The key a logged model name is matched to a bill by (`NO_MODEL` when it has none)."""
    return normalize_logged_model(provider, name) or NO_MODEL


def billing_model_key(provider: str, call: Mapping[str, str | None], billed: Container[str]) -> tuple[str, str]:
    """(model key, evidence) of a group of logged calls: the key of the first evidence in
    `LOG_MODEL_EVIDENCE` order that the bill names (`billed`: keys of the bill's models at
    this provider); when none does, the logged name's key, with evidence 'model'."""
    for evidence, column in LOG_MODEL_EVIDENCE:
        name = call.get(column)
        if name and name.strip():
            candidate = logged_model_key(provider, name)
            if candidate in billed:
                return candidate, evidence
    return logged_model_key(provider, call.get("model")), "model"
