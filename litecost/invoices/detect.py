"""Recognise a billing export by its columns/keys before anything is written.

Detection reads the CSV header, the Parquet schema or the first JSON document, turns
the names into comparable keys (`reading.column_key`) and asks each layout whether
it matches, most specific first. A file no layout claims is refused with one line
that lists the supported layouts; nothing is stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litecost import files
from litecost.files import decode_text_head, sha256_of
from litecost.errors import BadInputError, UsageError
from litecost.invoices.layouts import Layout, Shape
from litecost.invoices.reading import FileFormat, column_key, json_field_paths, json_rows_sql, run_statement

SNIFF_BYTES = 64 * 1024
PROVIDERS = ("auto", "openai", "anthropic", "azure", "bedrock", "gcp", "focus", "generic")
_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".parquet", ".txt")

SUPPORTED = (
    "OpenAI Cost/Activity CSV and Costs/Usage API JSON; Anthropic cost/usage report JSON and Console CSV; "
    "Azure Cost Management export (EA, MCA, older EA); AWS CUR 2.0 or legacy CUR; "
    "GCP billing export (flattened CSV or JSON); FOCUS 1.x (CSV or Parquet)"
)


@dataclass(frozen=True)
class InvoiceSource:
    path: Path
    layout: Layout
    fmt: FileFormat
    size_bytes: int
    sha256: str
    columns: tuple[str, ...] = ()
    options: tuple[tuple[str, Any], ...] = ()  # e.g. (("mapping", Mapping),)

    @property
    def description(self) -> str:
        return self.layout.description + (" (gzip)" if self.fmt.compressed else "")

    @property
    def option_dict(self) -> dict[str, Any]:
        return dict(self.options)


def expand_paths(patterns: list[str]) -> list[Path]:
    """Billing files among files, directories and globs (see `litecost.files.expand_paths`)."""
    return [path for path, _named in files.expand_paths(patterns, _SUFFIXES, "billing files")]


def _read_head(path: Path) -> tuple[bytes, bool]:
    return files.read_head(path, SNIFF_BYTES)


def _csv_header(text: str) -> tuple[list[str], str]:
    """The header names and the delimiter that splits the first line into the most columns."""
    first = text.split("\n", 1)[0].rstrip("\r")
    best: tuple[list[str], str] = ([], ",")
    for delimiter in (",", ";", "\t", "|"):
        try:
            names = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if len(names) > len(best[0]):
            best = (names, delimiter)
    return [n.strip().lstrip("\ufeff") for n in best[0]], best[1]


def _describe(names: list[str] | tuple[str, ...]) -> str:
    shown = list(names)[:8]
    return ", ".join(shown) + ("…" if len(names) > 8 else "")


def _json_shape(path: Path, compressed: bool) -> Shape:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        first = FileFormat("json", compressed)
        rows = json_rows_sql(path, first, first_document_only=True)
        for statement in rows[:2]:
            run_statement(con, statement, path)
        doc_type, page_object, data_type = con.execute(
            "SELECT json_type(v), json_extract_string(v, '$.object'), json_type(v, '$.data')"
            " FROM inv_values ORDER BY doc_no, elem_no NULLS FIRST LIMIT 1"
        ).fetchone() or (None, None, None)
        page = doc_type == "OBJECT" and data_type == "ARRAY"
        for statement in json_rows_sql(path, FileFormat("json", compressed, page=page), first_document_only=True)[2:]:
            run_statement(con, statement, path)
        fields = json_field_paths(con)
        result_object = None
        if page:
            result_object = con.execute(
                "SELECT json_extract_string(rec, '$.object') FROM inv_rows ORDER BY source_row LIMIT 1"
            ).fetchone()
            result_object = result_object[0] if result_object else None
    except duckdb.Error as exc:
        raise BadInputError(f"{path}: malformed JSON ({' '.join(str(exc).split())[:200]})", hint="fix or re-export the file") from None
    finally:
        con.close()
    rec_names = [label for label, source, _ in fields if source == "rec"]
    bucket = frozenset(column_key(label) for label, source, _ in fields if source == "bucket")
    keys = frozenset(column_key(n) for n in rec_names) | bucket
    return Shape("json", keys, page=page, bucket_keys=bucket, result_object=result_object,
                 page_object=page_object if page else None, names=tuple(rec_names))


def _parquet_columns(path: Path) -> list[str]:
    import duckdb

    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise BadInputError(f"{path}: unreadable Parquet file ({' '.join(str(exc).split())[:200]})", hint="re-export the file") from None
    finally:
        con.close()


def file_shape(path: Path) -> tuple[Shape, FileFormat]:
    head, compressed = _read_head(path)
    if not head.strip():
        raise BadInputError(f"{path}: the file is empty", hint="export again; an empty export still has a header line")
    if head.startswith(b"PAR1"):
        if compressed:
            raise BadInputError(f"{path}: gzip-compressed Parquet is not supported", hint="decompress it first")
        names = _parquet_columns(path)
        return Shape("parquet", frozenset(column_key(n) for n in names), names=tuple(names)), FileFormat("parquet")
    text = decode_text_head(head)
    if text is None:
        raise BadInputError(f"{path}: binary data, not a billing export", hint=f"supported: {SUPPORTED}")
    if text.lstrip().startswith(("{", "[")):
        shape = _json_shape(path, compressed)
        return shape, FileFormat("json", compressed, page=shape.page)
    names, delimiter = _csv_header(text)
    return (
        Shape("csv", frozenset(column_key(n) for n in names if column_key(n)), names=tuple(names)),
        FileFormat("csv", compressed, delimiter, header=tuple(names)),
    )


def _looks_like_litellm_log(shape: Shape) -> bool:
    return "requestid" in shape.keys and bool(shape.keys & {"spend", "starttime", "calltype", "responsecost"})


def detect(path: Path, provider: str = "auto", mapping: Any = None) -> InvoiceSource:
    """Recognise one file; raise BadInputError (exit 3) when no layout matches."""
    if provider not in PROVIDERS:
        raise UsageError(f"--provider {provider!r} is not one of {', '.join(PROVIDERS)}")
    if provider == "generic" and mapping is None:
        raise UsageError("--provider generic needs --mapping MAP.yaml", hint="see litecost/invoices/mapping.example.yaml")
    if mapping is not None and provider not in ("auto", "generic"):
        raise UsageError(f"--mapping reads the file with the generic adapter; it cannot be combined with --provider {provider}",
                         hint="drop --provider, or drop --mapping to use the built-in adapter")
    shape, fmt = file_shape(path)
    size = path.stat().st_size
    if mapping is not None:
        from litecost.invoices.adapters.generic import layout_for
        from litecost.invoices.mapping import check_columns

        layout = layout_for(mapping)
        check_columns(path, mapping, shape)
        return InvoiceSource(path, layout, fmt, size, sha256_of(path), shape.names, (("mapping", mapping),))
    from litecost.invoices.adapters import all_layouts

    for layout in all_layouts():
        if layout.explicit_only or fmt.kind not in layout.formats:
            continue
        if provider != "auto" and layout.family != provider:
            continue
        if layout.matches(shape):
            return InvoiceSource(path, layout, fmt, size, sha256_of(path), shape.names)
    raise _unrecognised(path, shape, provider)


def _unrecognised(path: Path, shape: Shape, provider: str) -> BadInputError:
    if _looks_like_litellm_log(shape):
        found = "this is a LiteLLM log, not a billing export"
        hint = "load logs with `litecost ingest`"
    else:
        what = {"csv": "CSV header", "parquet": "Parquet columns", "json": "JSON fields"}[shape.format]
        found = f"not a billing export litecost recognises ({what}: {_describe(shape.names) or 'none'})"
        scope = "" if provider == "auto" else f" for --provider {provider}"
        hint = f"supported{scope}: {SUPPORTED}; for another layout describe its columns with --mapping MAP.yaml"
    return BadInputError(f"{path}: {found}", hint=hint)


def detect_files(patterns: list[str], provider: str = "auto", mapping: Any = None) -> list[InvoiceSource]:
    """Expand and recognise every input before anything is written."""
    return [detect(path, provider, mapping) for path in expand_paths(patterns)]
