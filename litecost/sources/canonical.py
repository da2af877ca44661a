"""Validate `pre_calls` rows and convert them into canonical `calls` rows, in SQL.

The result, temp table `staged_calls`, has every `calls` column plus
`reject_reason` (NULL for a good record), `excerpt` and `placeholder_id` (LiteLLM's
placeholder id a call was logged under, if any). A record is rejected, with a
reason that names the field and its value, when it cannot become a correct call:
no request id, an unreadable time, a token count that is not a whole non-negative
number, a cost that is not a USD amount, malformed metadata or tags.
"""

from __future__ import annotations

from litecost import tokens
from litecost.providers import stored_provider_sql
from litecost.redact import hash_secret_sql, redact_sql, secret_hint_sql
from litecost.sources.readers import content_id_sql
from litecost.sql import MONEY, instant

# Tokens beyond this in one call are a corrupt record, not traffic.
MAX_TOKENS_PER_CALL = 10**11

# Text columns stored as read: any that holds a secret is stored redacted (labels) or as
# the secret's hash (identities, so the same value still matches itself).
_LABELS = (
    "status", "call_type", "provider", "model", "model_resolved", "model_group", "deployment_id", "key_alias",
    "team_id", "team_alias", "org_id", "user_id", "end_user", "service_tier", "model_map_key", "session_id",
    "vertex_location", "litellm_cost_failure",
)
_IDENTITIES = ("request_id", "litellm_call_id", "api_key")



def _quoted(expr: str) -> str:
    return f"('\"' || {expr} || '\"')"


# The values read as numbers, each trimmed and cast once per row (`_with_numbers`, under
# these names) for every check and value that needs it, which each trimmed and cast their
# own copy before: ~25 trims and ~20 casts a row.
_COUNTS = ("prompt_raw", "completion_raw", "total_raw")
_AMOUNTS = ("cost_raw", "cost_original_raw", "cost_breakdown_total_raw")


def _trimmed(raw: str) -> str:
    return f"{raw}_trimmed"


def _number(raw: str) -> str:
    return f"{raw}_number"


def _with_numbers(source: str) -> str:
    """SQL: `source` with the trimmed text and the number (DOUBLE for a count, MONEY for an
    amount; NULL when it is none) of each value read as a number."""
    trimmed = ", ".join(f"trim({raw}) AS {_trimmed(raw)}" for raw in (*_COUNTS, *_AMOUNTS))
    numbers = ", ".join([*(f"TRY_CAST({_trimmed(raw)} AS DOUBLE) AS {_number(raw)}" for raw in _COUNTS),
                         *(f"TRY_CAST({_trimmed(raw)} AS {MONEY}) AS {_number(raw)}" for raw in _AMOUNTS)])
    return f"SELECT *, {numbers} FROM (SELECT *, {trimmed} FROM ({source}))"


def _reject_unless(name: str, raw: str, valid: str, what: str) -> str:
    """SQL: a reject reason when a present value (`raw`) is not `valid` (SQL; NULL counts as not)."""
    return (f"CASE WHEN NOT {_absent(raw)} AND NOT coalesce({valid}, false)"
            f" THEN '{name} ' || {_quoted(f'left({raw}, 40)')} || ' is not {what}' END")


def _count_check(name: str, raw: str) -> str:
    """SQL: a reject reason when a top-level token count is not a whole non-negative number."""
    d = _number(raw)
    valid = f"{d} >= 0 AND {d} = floor({d}) AND {d} <= {MAX_TOKENS_PER_CALL} AND NOT isnan({d})"
    return _reject_unless(name, raw, valid, "a whole, non-negative token count")


def _absent(raw: str) -> str:
    return f"({_trimmed(raw)} IS NULL OR {_trimmed(raw)} IN ('', 'null'))"


def _count_value(raw: str) -> str:
    return f"coalesce(TRY_CAST({_number(raw)} AS BIGINT), 0)"


def _money_check(name: str, raw: str) -> str:
    return _reject_unless(name, raw, f"{_number(raw)} >= 0", "a non-negative USD amount")


def _json_key(expr: str) -> str:
    return f"""json_extract({expr}, '$."' || replace(k, '"', '\\"') || '"')"""


def _sorted_object(expr: str, *, scalars_only: bool = False) -> str:
    """A JSON object with its keys sorted, so Postgres jsonb (which reorders keys and
    reformats numbers) and Python json exports store byte-identical values.

    With `scalars_only`, only number and string members are kept, numbers in one
    canonical form: enough for a price entry, and stable across exporters.
    """
    value = _json_key(expr)
    keys = f"list_sort(json_keys({expr}))"
    if scalars_only:
        keys = (
            f"list_filter({keys}, lambda k: json_type({value}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'VARCHAR'))"
        )
        value = f"CASE WHEN json_type({value}) = 'VARCHAR' THEN {value} ELSE to_json(CAST({value} AS DOUBLE)) END"
    return (
        f"CASE WHEN {expr} IS NOT NULL THEN to_json(map_from_entries(list_transform({keys},"
        f" lambda k: {{'key': k, 'value': {value}}}))) END"
    )


def _tag_list(expr: str) -> str:
    """SQL: the request tags as a list; NULL when they are not a JSON list of strings."""
    return (
        f"CASE WHEN {expr} IS NULL THEN []::VARCHAR[]"
        f" WHEN json_valid({expr}) AND json_type({expr}::JSON) = 'ARRAY' THEN TRY_CAST({expr}::JSON AS VARCHAR[]) END"
    )


# LiteLLM logs the id the provider returned, as text: a provider that returned `id: null`
# gives the string "None" (or "null", or nothing; a cache hit of it `None_cache_hit<time>`),
# the same on every such call (LiteLLM #39749). Such an id names no call: the call's own
# litellm_call_id does, else its trace (SpendLogs session_id), else its content.
_PLACEHOLDER_ID = (
    "(lower(request_id) IN ('none', 'null') OR starts_with(request_id, 'None_cache_hit')"
    " OR (request_id IS NULL AND coalesce(litellm_call_id, session_id) IS NOT NULL))"
)
_CONTENT_FIELDS = ("start_raw", "end_raw", "call_type", "provider", "model", "api_key", "prompt_raw",
                   "completion_raw", "total_raw", "cost_raw")


def _identified(source: str) -> str:
    """SQL: `source` with a placeholder request id replaced by the call's own identity, and
    `placeholder_id` the placeholder it replaced (NULL for a real id)."""
    content_id = content_id_sql(f"concat_ws(chr(0), {', '.join(_CONTENT_FIELDS)})")
    return (
        "SELECT * REPLACE (CASE WHEN placeholder_id IS NOT NULL"
        f" THEN coalesce(litellm_call_id, session_id, {content_id}) ELSE request_id END AS request_id)"
        f" FROM (SELECT *, CASE WHEN {_PLACEHOLDER_ID} THEN coalesce(request_id, '') END AS placeholder_id FROM {source})"
    )


def staged_calls_select(kind: str, source: str, ingest_id_param: str = "$ingest_id") -> str:
    """The query that turns `source` rows (see `records.load_pre_calls`) into staged calls.

    Two values repeat across a file's calls and are costly to normalise, so staging
    keeps them as read and `distinct_values_sql` normalises each distinct one once, to
    be joined when the calls are stored: the price entry (`model_map_value`, made
    canonical) and the request tags (`tags_json`, made into `tags` and `user_agent_tags`).
    """
    # Naive times are read in the zone the user says the logs were written in.
    start = instant("start_raw", naive_zone="$source_tz")
    end = instant("end_raw", naive_zone="$source_tz")
    checks = [
        "parse_error",
        "field_error",
        "CASE WHEN request_id IS NULL THEN 'missing request id' END",
        "CASE WHEN start_raw IS NULL OR trim(start_raw) = '' THEN 'missing start time'"
        f" WHEN start_ts IS NULL THEN 'start time ' || {_quoted('left(start_raw, 40)')} || ' is not a timestamp'"
        " WHEN start_ts < TIMESTAMPTZ '2000-01-01' OR start_ts >= TIMESTAMPTZ '2100-01-01'"
        f" THEN 'start time ' || {_quoted('left(start_raw, 40)')} || ' is out of range' END",
        "CASE WHEN end_raw IS NOT NULL AND trim(end_raw) <> '' AND end_ts IS NULL"
        f" THEN 'end time ' || {_quoted('left(end_raw, 40)')} || ' is not a timestamp' END",
        _count_check("prompt_tokens", "prompt_raw"),
        _count_check("completion_tokens", "completion_raw"),
        _count_check("total_tokens", "total_raw"),
        _money_check("cost", "cost_raw"),
        "CASE WHEN tags_json IS NOT NULL AND tags_list IS NULL"
        f" THEN 'request tags ' || {_quoted('left(tags_json, 60)')} || ' are not a JSON list of strings' END",
    ]
    category_items = tokens.category_select("prompt_tokens", "completion_tokens")
    return f"""
    WITH typed AS (
        SELECT * REPLACE ({', '.join(tokens.usage_leaf_numbers())}),
            {start} AS start_ts,
            {end} AS end_ts,
            {_tag_list("tags_json")} AS tags_list,
            {_count_value('prompt_raw')} AS prompt_tokens,
            {_count_value('completion_raw')} AS completion_tokens,
            {_count_value('total_raw')} AS total_tokens_raw
        FROM ({_with_numbers(_identified(source))})
    ), usage AS (
        SELECT *, {', '.join(tokens.raw_usage_fields())} FROM typed
    ), checked AS (
        SELECT *, coalesce({', '.join(checks)}) AS reject_reason FROM usage
    ), secrets_out AS (
        -- One cheap test per row; the rewrites run only on the rare row that needs them.
        SELECT * REPLACE (
            {', '.join(f'{redact_sql(c, hint="secret_hint")} AS {c}' for c in _LABELS)},
            {', '.join(f'{hash_secret_sql(c, hint="secret_hint")} AS {c}' for c in _IDENTITIES)}
        ) FROM (SELECT *, coalesce({secret_hint_sql('secret_text')}, false) AS secret_hint
                FROM (SELECT *, concat_ws(chr(31), {', '.join([*_LABELS, *_IDENTITIES])}) AS secret_text FROM checked))
    )
    SELECT
        src_line,
        reject_reason,
        CASE WHEN reject_reason IS NOT NULL THEN excerpt END AS excerpt,
        request_id,
        placeholder_id,
        start_ts AS start_time,
        end_ts AS end_time,
        CASE lower(coalesce(status, 'success')) WHEN 'failure' THEN 'failure' WHEN 'success' THEN 'success'
             ELSE lower(status) END AS status,
        call_type,
        {stored_provider_sql('provider', 'model')} AS provider,
        model,
        model_resolved,
        model_group,
        deployment_id,
        -- A raw virtual key is never stored: keep LiteLLM's own hash of it instead.
        CASE WHEN starts_with(api_key, 'sk-') THEN sha256(api_key) ELSE api_key END AS api_key_hash,
        key_alias,
        team_id, team_alias, org_id, user_id, end_user,
        tags_json,
        lower(coalesce(cache_hit, 'false')) IN ('true', '1', 't', 'yes') AS cache_hit,
        CASE WHEN call_type IN ('aretrieve_batch', 'retrieve_batch') THEN 'batch'
             WHEN lower(service_tier) IN ('priority', 'flex', 'batch') THEN lower(service_tier)
             WHEN service_tier IS NULL OR lower(service_tier) IN ('default', 'auto', 'standard', 'on_demand') THEN 'standard'
             ELSE lower(service_tier) END AS service_tier,
        -- A record without any token count (a minimal custom dict) cannot be re-priced:
        -- such a call is unpriced, never $0.
        NOT ({_absent('prompt_raw')} AND {_absent('completion_raw')} AND {_absent('total_raw')}) AS usage_logged,
        prompt_tokens,
        completion_tokens,
        CASE WHEN {_absent('total_raw')} THEN prompt_tokens + completion_tokens
             ELSE total_tokens_raw END AS total_tokens,
        {', '.join(category_items)},
        coalesce({_number('cost_raw')}, 0) AS logged_cost,
        {_number('cost_original_raw')} AS logged_cost_original,
        {_number('cost_breakdown_total_raw')} AS cost_breakdown_total,
        vertex_location,
        litellm_cost_failure,
        model_map_key,
        model_map_value,
        CASE WHEN spend_logs_metadata IS NOT NULL
             THEN {redact_sql(_sorted_object('spend_logs_metadata') + '::VARCHAR')}::JSON END AS spend_logs_metadata,
        litellm_call_id,
        session_id,
        CASE WHEN payload_messages IS NOT NULL THEN {redact_sql('payload_messages')} END AS payload_messages,
        CASE WHEN payload_response IS NOT NULL THEN {redact_sql('payload_response')} END AS payload_response,
        '{kind}' AS source_kind,
        {ingest_id_param}::BIGINT AS ingest_id,
        src_line AS source_line
    FROM secrets_out
    """


def _canonical_price_entry(original: str) -> str:
    """SQL: the price entry `original` (VARCHAR) as stored: keys sorted, scalars only, redacted."""
    return f"{redact_sql(_sorted_object(f'{original}::JSON', scalars_only=True) + '::VARCHAR')}::JSON"


def _tag_sets_of(tags_list: str) -> tuple[str, str]:
    """SQL: `tags` and `user_agent_tags` from the request tags as read (`tags_list`):
    trimmed, redacted, sorted and without repeats, LiteLLM's User-Agent tags apart."""
    user_agent = "starts_with(t, 'User-Agent:')"
    trimmed = f"list_transform({tags_list}, lambda t: {redact_sql('trim(t)')})"
    return (f"list_sort(list_distinct(list_filter({trimmed}, lambda t: t <> '' AND NOT {user_agent})))",
            f"list_sort(list_distinct(list_filter({trimmed}, lambda t: {user_agent})))")


def _tag_set_items(tags_list: str) -> str:
    tags, user_agent_tags = _tag_sets_of(tags_list)
    return f"{tags} AS tags, {user_agent_tags} AS user_agent_tags"


def distinct_values_sql(staged: str) -> list[str]:
    """Statements that normalise each distinct price entry and tag list of `staged`
    (valid calls) once, into temp tables `canonical_maps(original, canonical)` and
    `tag_sets(tags_key, tags, user_agent_tags)`; `stored_calls_select` joins them."""
    return [
        f"""
        CREATE OR REPLACE TEMP TABLE canonical_maps AS
        SELECT original, {_canonical_price_entry('original')} AS canonical
        FROM (SELECT DISTINCT model_map_value::VARCHAR AS original FROM {staged}
              WHERE model_map_value IS NOT NULL AND reject_reason IS NULL)
        """,
        f"""
        CREATE OR REPLACE TEMP TABLE tag_sets AS
        SELECT tags_key, {_tag_set_items('tags_list')}
        FROM (SELECT tags_key, {_tag_list("tags_key")} AS tags_list
              FROM (SELECT DISTINCT {_tags_key("tags_json")} AS tags_key FROM {staged} WHERE reject_reason IS NULL))
        """,
    ]


def direct_calls_select(staged: str) -> str:
    """The `calls` rows of the staged calls query `staged` (see `staged_calls_select`), to be
    written to `calls` straight away: only the valid records, with `source_line` 0
    (`direct_line_numbers_sql` numbers them). One write of the rows instead of two (staging, then
    storing): at a million payload-bearing lines the staged copy is ~1.3 GB of memory.

    The price entry and the tags are normalised once per distinct value where they are among
    the values of the file's first lines (`$prices_read`/`$prices`, `$tag_texts`/`$tag_sets`/
    `$user_agent_sets`: see `distinct_values_sql`), on the row otherwise (0.5 CPU-s per 200k
    rows for the tags, 4 for the price entry). A lookup, not a join: the rows must keep their
    order, as their line numbers come from it. The same SQL either way, so the same values."""
    tags_key = _tags_key("tags_json")
    tags, user_agent_tags = _tag_sets_of(_tag_list("tags_json"))
    return f"""
    SELECT * EXCLUDE (src_line, reject_reason, excerpt, tags_json, payload_messages, payload_response, price_at, tags_at)
        REPLACE (0::BIGINT AS source_line,
                 CASE WHEN price_at > 0 THEN list_extract($prices::JSON[], price_at)
                      WHEN model_map_value IS NOT NULL THEN {_canonical_price_entry('model_map_value::VARCHAR')} END
                 AS model_map_value),
        CASE WHEN tags_at > 0 THEN list_extract($tag_sets::VARCHAR[][], tags_at) ELSE {tags} END AS tags,
        CASE WHEN tags_at > 0 THEN list_extract($user_agent_sets::VARCHAR[][], tags_at) ELSE {user_agent_tags} END
            AS user_agent_tags
    FROM (SELECT *, coalesce(list_position($prices_read::VARCHAR[], model_map_value::VARCHAR), 0) AS price_at,
                 coalesce(list_position($tag_texts::VARCHAR[], {tags_key}), 0) AS tags_at
          FROM ({staged}) WHERE reject_reason IS NULL)
    """


# How many distinct price entries and tag lists of a file's first lines are looked up (each
# row's lookup tries them one by one): more are normalised on their rows.
MAX_LOOKUP_VALUES = 128


def sampled_values_sql(staged_head: str) -> list[str]:
    """Statements that normalise the distinct price entries and tag lists of `staged_head`
    (a file's first lines, staged) and whose last one returns them as the lookup lists of
    `direct_calls_select`: prices_read, prices, tag_texts, tag_sets, user_agent_sets."""
    values = f"(FROM {{}} LIMIT {MAX_LOOKUP_VALUES})"
    return [*distinct_values_sql(staged_head),
            # Each list of one aggregate, so that they are in the same order.
            f"SELECT * FROM (SELECT list(original), list(canonical::VARCHAR) FROM {values.format('canonical_maps')}),"
            f" (SELECT list(tags_key), list(tags), list(user_agent_tags) FROM {values.format('tag_sets')})"]


def direct_line_numbers_sql() -> str:
    """The statement that numbers the calls `direct_calls_select` wrote for ingest
    $ingest_id: their `source_line`, from their places (`$first_rowid` is the first's rowid;
    they were written in file order, after `$line_offset` lines)."""
    return "UPDATE calls SET source_line = rowid - $first_rowid + 1 + $line_offset WHERE calls.ingest_id = $ingest_id"


def restaged_calls_select() -> str:
    """The calls of ingest $ingest_id as `direct_calls_select` wrote them (and numbered them:
    their lines follow $line_offset lines), back as staged calls (`staged_calls_select`'s
    columns), to be stored again with the duplicates sorted out (`stored_calls_select`
    normalises their price entries and tags again, which leaves them as they are)."""
    return (
        "SELECT * EXCLUDE (tags, user_agent_tags) REPLACE (source_line - $line_offset AS source_line),"
        " source_line - $line_offset AS src_line, NULL::VARCHAR AS reject_reason, NULL::VARCHAR AS excerpt,"
        " to_json(list_concat(tags, user_agent_tags))::VARCHAR AS tags_json,"
        " NULL::VARCHAR AS payload_messages, NULL::VARCHAR AS payload_response"
        " FROM calls WHERE ingest_id = $ingest_id"
    )


def _tags_key(tags_json: str) -> str:
    """SQL: the key of a call's tag set in `tag_sets`. Calls without tags share the key
    of an empty list (one row per key: the join must not multiply calls)."""
    return f"coalesce({tags_json}, '[]')"


def stored_calls_select(calls: str) -> str:
    """`calls` (staged calls, valid ones) as `calls` rows: with the normalised price entry
    and tags of `distinct_values_sql` joined in."""
    return (
        "SELECT f.* EXCLUDE (tags_json) REPLACE (m.canonical AS model_map_value), t.tags, t.user_agent_tags"
        f" FROM ({calls}) f LEFT JOIN canonical_maps m ON m.original = f.model_map_value::VARCHAR"
        f" LEFT JOIN tag_sets t ON t.tags_key = {_tags_key('f.tags_json')}"
    )
