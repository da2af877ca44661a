"""The store's schema, one frozen migration at a time.

A migration is history: once released, its SQL never changes, so every statement here is
literal text — no names or types from today's code (a new token category is a new
migration, never an edit of migration 1). `tests/test_store.py` checks the schema a fresh
database ends with against `tests/data/schema.txt`.
"""

from __future__ import annotations

# Migration 1's calls table, as released (`calls` then had a primary key).
_CALLS_V1 = """
CREATE TABLE calls (
    request_id           VARCHAR PRIMARY KEY,
    start_time           TIMESTAMPTZ NOT NULL,
    end_time             TIMESTAMPTZ,
    status               VARCHAR NOT NULL,
    call_type            VARCHAR,
    provider             VARCHAR,
    model                VARCHAR,
    model_resolved       VARCHAR,
    model_group          VARCHAR,
    deployment_id        VARCHAR,
    api_key_hash         VARCHAR,
    key_alias            VARCHAR,
    team_id              VARCHAR,
    team_alias           VARCHAR,
    org_id               VARCHAR,
    user_id              VARCHAR,
    end_user             VARCHAR,
    tags                 VARCHAR[] NOT NULL,
    user_agent_tags      VARCHAR[] NOT NULL,
    cache_hit            BOOLEAN NOT NULL,
    service_tier         VARCHAR NOT NULL,
    prompt_tokens        BIGINT NOT NULL,
    completion_tokens    BIGINT NOT NULL,
    total_tokens         BIGINT NOT NULL,
    input_tokens         BIGINT NOT NULL,
    cache_read_tokens    BIGINT NOT NULL,
    cache_write_5m_tokens BIGINT NOT NULL,
    cache_write_1h_tokens BIGINT NOT NULL,
    output_tokens        BIGINT NOT NULL,
    reasoning_tokens     BIGINT NOT NULL,
    audio_input_tokens   BIGINT NOT NULL,
    audio_output_tokens  BIGINT NOT NULL,
    image_input_tokens   BIGINT NOT NULL,
    web_search_requests  BIGINT NOT NULL,
    logged_cost          DECIMAL(38, 18) NOT NULL,
    logged_cost_original DECIMAL(38, 18),
    cost_breakdown_total DECIMAL(38, 18),
    model_map_key        VARCHAR,
    model_map_value      JSON,
    spend_logs_metadata  JSON,
    litellm_call_id      VARCHAR,
    session_id           VARCHAR,
    source_kind          VARCHAR NOT NULL,
    ingest_id            BIGINT NOT NULL,
    source_line          BIGINT NOT NULL
)
"""

# Migration 5 rebuilds calls as they stood after migration 4, without the key's index.
_CALLS_V5 = """
CREATE TABLE calls_rebuilt (
    request_id           VARCHAR NOT NULL,
    start_time           TIMESTAMPTZ NOT NULL,
    end_time             TIMESTAMPTZ,
    status               VARCHAR NOT NULL,
    call_type            VARCHAR,
    provider             VARCHAR,
    model                VARCHAR,
    model_resolved       VARCHAR,
    model_group          VARCHAR,
    deployment_id        VARCHAR,
    api_key_hash         VARCHAR,
    key_alias            VARCHAR,
    team_id              VARCHAR,
    team_alias           VARCHAR,
    org_id               VARCHAR,
    user_id              VARCHAR,
    end_user             VARCHAR,
    tags                 VARCHAR[] NOT NULL,
    user_agent_tags      VARCHAR[] NOT NULL,
    cache_hit            BOOLEAN NOT NULL,
    service_tier         VARCHAR NOT NULL,
    prompt_tokens        BIGINT NOT NULL,
    completion_tokens    BIGINT NOT NULL,
    total_tokens         BIGINT NOT NULL,
    input_tokens         BIGINT NOT NULL,
    cache_read_tokens    BIGINT NOT NULL,
    cache_write_5m_tokens BIGINT NOT NULL,
    cache_write_1h_tokens BIGINT NOT NULL,
    output_tokens        BIGINT NOT NULL,
    reasoning_tokens     BIGINT NOT NULL,
    audio_input_tokens   BIGINT NOT NULL,
    audio_output_tokens  BIGINT NOT NULL,
    image_input_tokens   BIGINT NOT NULL,
    web_search_requests  BIGINT NOT NULL,
    logged_cost          DECIMAL(38, 18) NOT NULL,
    logged_cost_original DECIMAL(38, 18),
    cost_breakdown_total DECIMAL(38, 18),
    model_map_key        VARCHAR,
    model_map_value      JSON,
    spend_logs_metadata  JSON,
    litellm_call_id      VARCHAR,
    session_id           VARCHAR,
    source_kind          VARCHAR NOT NULL,
    ingest_id            BIGINT NOT NULL,
    source_line          BIGINT NOT NULL
)
"""

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "calls, ingests, rejects, duplicate conflicts",
        [
            "CREATE SEQUENCE ingest_id_seq START 1",
            """
            CREATE TABLE ingests (
                ingest_id        BIGINT PRIMARY KEY,
                path             VARCHAR NOT NULL,
                kind             VARCHAR NOT NULL,
                format           VARCHAR NOT NULL,
                sha256           VARCHAR NOT NULL,
                size_bytes       BIGINT NOT NULL,
                rows_read        BIGINT NOT NULL,
                inserted         BIGINT NOT NULL,
                duplicates       BIGINT NOT NULL,
                rejected         BIGINT NOT NULL,
                conflicts        BIGINT NOT NULL,
                source_tz        VARCHAR NOT NULL,
                started_at       TIMESTAMPTZ NOT NULL,
                finished_at      TIMESTAMPTZ NOT NULL,
                litecost_version VARCHAR NOT NULL
            )
            """,
            """
            CREATE TABLE rejects (
                ingest_id BIGINT NOT NULL,
                path      VARCHAR NOT NULL,
                line      BIGINT,
                reason    VARCHAR NOT NULL,
                excerpt   VARCHAR
            )
            """,
            """
            CREATE TABLE duplicate_conflicts (
                ingest_id   BIGINT NOT NULL,
                path        VARCHAR NOT NULL,
                line        BIGINT NOT NULL,
                request_id  VARCHAR NOT NULL,
                differences VARCHAR NOT NULL
            )
            """,
            _CALLS_V1,
        ],
    ),
]

MIGRATIONS.append(
    (
        2,
        "invoice files and invoice lines",
        [
            "CREATE SEQUENCE invoice_file_id_seq START 1",
            """
            CREATE TABLE invoice_files (
                invoice_file_id  BIGINT PRIMARY KEY,
                path             VARCHAR NOT NULL,
                sha256           VARCHAR NOT NULL,
                provider         VARCHAR NOT NULL,
                layout           VARCHAR NOT NULL,
                period_start     TIMESTAMPTZ,
                period_end       TIMESTAMPTZ,
                accounts         VARCHAR[],
                rows_read        BIGINT NOT NULL,
                lines            BIGINT NOT NULL,
                total_amount     DECIMAL(38, 18),
                currency         VARCHAR,
                imported_at      TIMESTAMPTZ NOT NULL,
                superseded_by    BIGINT,
                litecost_version VARCHAR NOT NULL
            )
            """,
            """
            CREATE TABLE invoice_lines (
                invoice_file_id BIGINT NOT NULL,
                source_row      BIGINT NOT NULL,
                period_start    TIMESTAMPTZ NOT NULL,
                period_end      TIMESTAMPTZ NOT NULL,
                provider        VARCHAR NOT NULL,
                account         VARCHAR,
                kind            VARCHAR NOT NULL,
                model_raw       VARCHAR,
                model           VARCHAR,
                category        VARCHAR,
                service_tier    VARCHAR NOT NULL,
                context_tier    VARCHAR,
                region          VARCHAR,
                quantity        DECIMAL(38, 6),
                unit            VARCHAR,
                amount          DECIMAL(38, 18) NOT NULL,
                currency        VARCHAR NOT NULL,
                description     VARCHAR
            )
            """,
        ],
    )
)

MIGRATIONS.append(
    (
        3,
        "opt-in call payloads (--keep-payloads)",
        [
            """
            CREATE TABLE call_payloads (
                request_id VARCHAR PRIMARY KEY,
                ingest_id  BIGINT NOT NULL,
                messages   VARCHAR,
                response   VARCHAR
            )
            """,
        ],
    )
)

MIGRATIONS.append(
    (
        4,
        "drop a reader's scratch table that older versions left in the file",
        # Readers keep the lines DuckDB could not read in a temp table; before this
        # version some created it in the database itself (empty, but listed by db info).
        ["DROP TABLE IF EXISTS main.lc_read_rejects"],
    )
)

MIGRATIONS.append(
    (
        5,
        "calls without a primary-key index",
        # Ingest keeps request ids unique itself (one transaction, under the store's write
        # lock, stores only ids not yet present). The index doubled the cost of storing a
        # million calls and grew in memory with the store; rebuilding the table drops it.
        [
            _CALLS_V5,
            "INSERT INTO calls_rebuilt BY NAME SELECT * FROM calls",
            "DROP TABLE calls",
            "ALTER TABLE calls_rebuilt RENAME TO calls",
        ],
    )
)

MIGRATIONS.append(
    (
        6,
        "whether a call logged its token counts",
        # Calls stored before logged usage or were minimal records counted as zero tokens;
        # true keeps them as they were priced.
        [
            "ALTER TABLE calls ADD COLUMN usage_logged BOOLEAN DEFAULT true",
            "UPDATE calls SET usage_logged = true WHERE usage_logged IS NULL",
            "ALTER TABLE calls ALTER COLUMN usage_logged SET NOT NULL",
        ],
    )
)

MIGRATIONS.append(
    (
        7,
        "the Vertex AI location a call was served from",
        # LiteLLM records it in cost_breakdown.vertex_location and prices a non-global
        # location with the entry's regional uplift. Calls stored before have none.
        ["ALTER TABLE calls ADD COLUMN vertex_location VARCHAR"],
    )
)

MIGRATIONS.append(
    (
        8,
        "why LiteLLM could not price a call",
        # A callback payload's response_cost_failure_debug_info.error_str (its first line): LiteLLM
        # logged $0 because its own cost calculation failed, e.g. a model it routed to a provider
        # its map does not list. `pricing diff` gives it as the reason. Calls stored before have none.
        ["ALTER TABLE calls ADD COLUMN litellm_cost_failure VARCHAR"],
    )
)

MIGRATIONS.append(
    (
        9,
        "the placeholder id a call was logged under",
        # LiteLLM logs "None" (also "null", "", None_cache_hit…) when the provider returned no id
        # (LiteLLM #39749); the call is stored under its own identity and this keeps the
        # placeholder, so reconcile can name the bug where SpendLogs dropped such calls.
        ["ALTER TABLE calls ADD COLUMN placeholder_id VARCHAR"],
    )
)

MIGRATIONS.append(
    (
        10,
        "what an ingested file looked like, so an unchanged one is skipped",
        # Size, modification time and the sha256 of the file's first and last 64 KiB: a file
        # matching an earlier ingest on all of them is skipped without being read. Rows from
        # before have none and are never matched this way.
        [
            "ALTER TABLE ingests ADD COLUMN mtime_ns BIGINT",
            "ALTER TABLE ingests ADD COLUMN head_sha256 VARCHAR",
            "ALTER TABLE ingests ADD COLUMN tail_sha256 VARCHAR",
        ],
    )
)

MIGRATIONS.append(
    (
        11,
        "where an ingest of JSON lines began and where the next read of an appended file begins",
        # A JSON lines file that only grew since its last ingest is read from `next_byte` (just
        # past the last whole line read), its lines numbered on from `next_line`; `first_byte`
        # is where an ingest began (0: the whole file). Rows from before have none.
        [
            "ALTER TABLE ingests ADD COLUMN first_byte BIGINT",
            "ALTER TABLE ingests ADD COLUMN next_byte BIGINT",
            "ALTER TABLE ingests ADD COLUMN next_line BIGINT",
        ],
    )
)

MIGRATIONS.append(
    (
        12,
        "what each read of a live source (the proxy's PostgreSQL) covered",
        # One row per ingest of a live source: the window of "startTime" it read and the newest
        # "startTime" among its rows; the next read of the same source and table starts from
        # the greatest `newest_start`, less an overlap. `source` never holds a password.
        [
            """
            CREATE TABLE source_pulls (
                ingest_id    BIGINT NOT NULL,
                source       VARCHAR NOT NULL,
                table_name   VARCHAR NOT NULL,
                window_start TIMESTAMPTZ,
                window_end   TIMESTAMPTZ,
                newest_start TIMESTAMPTZ
            )
            """,
        ],
    )
)

MIGRATIONS.append(
    (
        13,
        "a log's identity in the ledger is its BLAKE3",
        # An ingest records the BLAKE3 of the bytes it read (`blake3`), not their SHA-256: the
        # digest is taken while DuckDB reads the same file on the same cores, and SHA-256 cost
        # 2-3.6x the CPU. Ingests from before keep their `sha256` and have no `blake3`; new ones
        # the reverse. Bills (`invoice_files.sha256`) keep SHA-256.
        [
            "ALTER TABLE ingests ADD COLUMN blake3 VARCHAR",
            "ALTER TABLE ingests ALTER COLUMN sha256 DROP NOT NULL",
        ],
    )
)

SCHEMA_VERSION = MIGRATIONS[-1][0]
