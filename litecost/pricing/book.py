"""The price book: layers of prices the user controls, and re-pricing calls in SQL.

Layers, later ones win:

1. the LiteLLM price-map snapshot: shipped in the package (the repository's
   `pricing/litellm_model_prices.json`), or the newer one `litecost pricing sync` wrote;
2. LiteLLM-format price maps the user names (`--pricing FILE.json`);
3. YAML override files (`--pricing FILE.yaml`, see `pricing/overrides.example.yaml`):
   prices per category with units, effective dates, long-context tiers, service
   tiers, and discounts/uplifts;
   (`litecost pricing import-config` turns a LiteLLM proxy config into such a file).

Every price is kept in LiteLLM's own key space (`input_cost_per_token`,
`cache_read_input_token_cost_above_200k_tokens`, `output_cost_per_token_batches`…):
a YAML override is translated into those keys and merged over whatever lower layers
say for the same model, so an override that names only `input` keeps the rest.
Resolution then follows LiteLLM's rules (reference §5.2): a missing cache price
falls back to the input rate, reasoning to the output rate, audio/image to
input/output; a long-context tier applies to the whole call when the cache-inclusive
prompt exceeds it; batch uses `_batches` keys or half the standard rate; priority and
flex use their keys or the standard rate. A LiteLLM cache hit costs nothing.

The price book itself is configuration (a few thousand entries), resolved in
Python; the calls are priced in DuckDB by joining them to the resolved rates.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from litecost.errors import UsageError
from litecost.pricing.entries import (
    Adjustment,
    PricedValue,
    PriceEntry,
    ResolvedPrice,
    off_peak_prices,
    resolve_rates,
)
from litecost.pricing.keys import parse_price_key
from litecost.pricing.litellm_map import (
    call_names,
    litellm_map_entries,
    load_litellm_map,
    snapshot_layer_name,
    snapshot_paths,
)
from litecost.pricing.off_peak import Schedule

PRICING_ENV_VAR = "LITECOST_PRICING"
DEPLOYMENT_LAYER = "deployment prices logged by LiteLLM"


@dataclass
class PriceBook:
    entries: list[PriceEntry] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)  # (layer, file) of each layer loaded from a file

    @classmethod
    def load(cls, files: Iterable[str | os.PathLike[str]] = (), *, include_snapshot: bool = True) -> PriceBook:
        """The snapshot, then each file in order (JSON price maps or YAML overrides)."""
        book = cls()
        if include_snapshot:
            snapshot = snapshot_paths()[0]
            if not snapshot.exists():
                raise UsageError(f"the LiteLLM price snapshot {snapshot} is missing", hint="run `litecost pricing sync` (or --from-file PATH)")
            version = snapshot.stat()
            book.add(_snapshot_entries(snapshot, version.st_mtime_ns, version.st_size), name=snapshot_layer_name())
            book.files.append((snapshot_layer_name(), snapshot))
        for rank, path in enumerate(files, start=2):
            path = Path(path)
            if path.suffix.lower() in (".yaml", ".yml"):
                from litecost.pricing.overrides import load_overrides

                entries, adjustments = load_overrides(path, rank)
                book.add(entries, adjustments, name=path.name)
            else:
                book.add(load_litellm_map(path, rank), name=path.name)
            book.files.append((path.name, path))
        return book

    def add(self, entries: list[PriceEntry], adjustments: list[Adjustment] = (), *, name: str) -> None:
        self.entries.extend(entries)
        self.adjustments.extend(adjustments)
        self.layers.append(name)
        self._exact: dict[str, list[PriceEntry]] | None = None

    def with_logged_deployment_prices(self, con, calls_table: str = "calls") -> PriceBook:  # noqa: ANN001
        """This book plus the prices of deployments the LiteLLM proxy config priced itself.

        A deployment with its own prices (`input_cost_per_token` … in its `litellm_params`) is
        registered in LiteLLM's map under its deployment id, so the call's
        `model_map_information.model_map_value.key` is that id; LiteLLM prices the call with it.
        Those prices become a layer at the snapshot's rank, named `deployment:<id>`, which
        `call_names` tries first; a price file entry for the model or group still overrides
        them. A deployment whose logged prices changed gets each set from its first call on.
        """
        rows = con.execute(
            "SELECT deployment_id, prices, first_seen FROM ("
            f" SELECT deployment_id, model_map_value::VARCHAR AS prices, min(start_time) AS first_seen"
            f" FROM {calls_table} WHERE deployment_id <> '' AND model_map_value IS NOT NULL GROUP BY ALL)"
            " WHERE json_extract_string(prices, '$.key') = deployment_id ORDER BY deployment_id, first_seen"
        ).fetchall()
        if not rows:
            return self
        entries: list[PriceEntry] = []
        for index, (deployment, prices, first_seen) in enumerate(rows):
            logged = {k: v for k, v in json.loads(prices).items() if parse_price_key(k) and v is not None}
            name = f"deployment:{deployment}"
            for entry in litellm_map_entries({name: logged}, "LiteLLM's log", 1, DEPLOYMENT_LAYER):
                later = rows[index + 1] if index + 1 < len(rows) else None
                if index and rows[index - 1][0] == deployment:
                    entry.valid_from = first_seen
                if later and later[0] == deployment:
                    entry.valid_to = later[2]
                entries.append(entry)
        book = PriceBook(list(self.entries), list(self.adjustments), list(self.layers), list(self.files))
        if entries:
            book.add(entries, name=DEPLOYMENT_LAYER)
        return book

    def boundaries(self) -> tuple[list[datetime], list[int]]:
        """Every instant at which some price or adjustment starts or ends, and every
        long-context threshold in the book. Two calls of one model that fall between the
        same instants and the same thresholds are priced alike (see `GroupPricing`)."""
        instants = {
            moment
            for item in (*self.entries, *self.adjustments)
            for moment in (item.valid_from, item.valid_to)
            if moment is not None
        }
        thresholds = {
            parsed[1]
            for entry in self.entries
            for key in entry.prices
            if "_above_" in key and (parsed := parse_price_key(key)) and parsed[1] > 0
        }
        return sorted(instants), sorted(thresholds)

    def off_peak_schedules(self) -> list[Schedule]:
        """Every distinct off-peak schedule in the book, in a stable order: a call's price
        identity says which of them were open when it was billed (`open_schedules_sql`)."""
        return sorted({e.off_peak.schedule for e in self.entries if e.off_peak}, key=repr)

    def off_peak_models(self, con, calls_table: str = "calls") -> list[str]:  # noqa: ANN001
        """The logged models of calls in `calls_table` that an entry with off-peak prices prices."""
        rows = con.execute(
            f"SELECT DISTINCT provider, model, model_map_key, model_group, deployment_id FROM {calls_table}"
        ).fetchall()
        return sorted({
            model for provider, model, model_map_key, model_group, deployment_id in rows
            if model is not None and any(
                segment.off_peak is not None
                for segment in self.resolve_segments(call_names(model, provider, model_map_key, model_group, deployment_id), provider)
            )
        })

    def _exact_index(self) -> dict[str, list[PriceEntry]]:
        if getattr(self, "_exact", None) is None:
            index: dict[str, list[PriceEntry]] = {}
            for entry in self.entries:
                if entry.match_kind == "exact":
                    index.setdefault(entry.pattern, []).append(entry)
            self._exact = index
        return self._exact

    def candidates(self, names: list[str], provider: str | None) -> list[tuple[str, PriceEntry]]:
        """Every entry matching any of the call's names, with the name it matched."""
        found = []
        patterned = [e for e in self.entries if e.match_kind != "exact"]
        for name in names:
            for entry in self._exact_index().get(name, []):
                if entry.matches(name, provider):
                    found.append((name, entry))
            for entry in patterned:
                if entry.matches(name, provider):
                    found.append((name, entry))
        return found

    def resolve_segments(self, names: list[str], provider: str | None) -> list[ResolvedPrice]:
        """Prices for a call identity (its candidate names), split into time segments.

        Within a segment the same entries are in force. The model's own name is the
        first candidate that any layer prices; entries matching it merge lowest layer
        first, so a later layer overrides key by key.
        """
        matched = self.candidates(names, provider)
        # The highest layer's alias wins; within a layer, the alias of the earliest name.
        position: dict[str, int] = {}
        for index, candidate in enumerate(names):
            position.setdefault(candidate, index)
        aliases = [e.price_as for n, e in sorted(matched, key=lambda m: (m[1].layer_rank, -position[m[0]])) if e.price_as]
        if aliases:
            names = [aliases[-1], *names]
            matched = self.candidates(names, provider)
        if not matched:
            return []
        # The best name: the earliest candidate that some entry prices.
        for name in names:
            on_name = [e for n, e in matched if n == name]
            if on_name:
                break
        # Entries for other candidate names only count when they come from a higher
        # layer (e.g. an override on the model group) — never to mix two base models.
        best_rank = max(e.layer_rank for e in on_name)
        extra = [e for n, e in matched if n != name and e.layer_rank > best_rank]
        chosen = sorted({id(e): e for e in on_name + extra}.values(), key=lambda e: (e.layer_rank, e.source_line or 0))
        adjustments = [a for a in self.adjustments if any(a.applies(n, provider) for n in names)]
        bounds = sorted(
            {b for e in chosen for b in (e.valid_from, e.valid_to) if b is not None}
            | {b for a in adjustments for b in (a.valid_from, a.valid_to) if b is not None}
        )
        edges: list[datetime | None] = [None, *bounds, None]
        segments = []
        for start, end in zip(edges, edges[1:]):
            probe = start or (end.replace(year=end.year - 1) if end else datetime(2000, 1, 1, tzinfo=timezone.utc))
            in_force = [e for e in chosen if e.valid_at(probe)]
            if not in_force:
                continue
            prices: dict[str, PricedValue] = {}
            batch_multiplier = None
            regional_uplift = off_peak = None
            for entry in in_force:
                regional_uplift = entry.regional_uplift or regional_uplift
                off_peak = entry.off_peak or off_peak
                if entry.batch_multiplier is not None:
                    # A batch multiplier replaces every batch price of the layers below.
                    prices = {k: v for k, v in prices.items() if (parse_price_key(k) or ("", 0, ""))[2] != "batch"}
                    batch_multiplier = entry.batch_multiplier
                prices.update(entry.prices)
            rates, thresholds = resolve_rates(prices, batch_multiplier)
            if not rates:
                continue
            multiplier = Decimal(1)
            notes = []
            for adjustment in adjustments:
                if adjustment.valid_at(probe):
                    multiplier *= adjustment.multiplier
                    notes.append(adjustment.note)
            off_peak_rates = resolve_rates(off_peak_prices(prices, off_peak), batch_multiplier)[0] if off_peak else None
            segments.append(ResolvedPrice(name, rates, thresholds, multiplier, notes, start, end, regional_uplift,
                                          off_peak.schedule if off_peak else None, off_peak_rates))
        return segments


def pricing_files_from_env() -> list[str]:
    value = os.environ.get(PRICING_ENV_VAR, "")
    return [p for p in value.split(os.pathsep) if p]


@functools.lru_cache(maxsize=2)
def _snapshot_entries(path: Path, mtime_ns: int, size: int) -> list[PriceEntry]:
    """The bundled (or synced) snapshot's entries, read once per process and file version:
    reading its 4,000 entries is most of what opening a price book costs (about 0.3 s).
    The entries are shared by every book, which never changes them (`add` copies the list)."""
    return load_litellm_map(path, 1, snapshot_layer_name())


def load_book(files: Iterable[str | os.PathLike[str]] | None = None) -> PriceBook:
    """The snapshot under the price files given, or else those LITECOST_PRICING names."""
    files = list(files or ())
    return PriceBook.load(files if files else pricing_files_from_env())


