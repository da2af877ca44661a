"""Secret redaction, one set of patterns for Python text and for SQL.

API keys, bearer tokens and `sk-...` style secrets must never reach the database,
stdout, stderr or an error message. The same patterns run in DuckDB (for excerpts
and metadata stored by an ingest) and in Python (for messages we print).
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

# (pattern, replacement) pairs; RE2 syntax so DuckDB's regexp_replace can run them too.
SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    # Authorization headers and bearer tokens.
    (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}", r"\1" + REDACTED),
    # OpenAI/LiteLLM-style keys: sk-..., sk-proj-..., sk-ant-...
    (r"\bsk-[A-Za-z0-9_-]{6,}", REDACTED),
    # Assignments such as "api_key": "abc", x-api-key=abc, api-key: abc.
    (
        r"(?i)((?:x-)?api[_-]?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{6,}",
        r"\1" + REDACTED,
    ),
)

_COMPILED = tuple(
    (re.compile(p.replace("(?i)", ""), re.IGNORECASE if p.startswith("(?i)") else 0), r)
    for p, r in SECRET_PATTERNS
)


def redact(text: str) -> str:
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Every secret pattern contains one of these: a cheap test spares most values the rewrites.
_SECRET_HINT = r"(?i)sk-|bearer|api[_-]?key"


def redact_sql(expr: str) -> str:
    """A SQL expression that redacts secrets in the VARCHAR `expr`."""
    redacted = expr
    for pattern, replacement in SECRET_PATTERNS:
        redacted = f"regexp_replace({redacted}, {_sql_literal(pattern)}, {_sql_literal(replacement)}, 'g')"
    return f"CASE WHEN regexp_matches({expr}, {_sql_literal(_SECRET_HINT)}) THEN {redacted} ELSE {expr} END"
