"""YAML from users' files, read with bounds: a regular file of at most a few MiB whose
document, with its aliases expanded, has at most `MAX_NODES` nodes. An alias bomb (nine
aliases of nine aliases …) is a few hundred bytes that `safe_load` would expand into
gigabytes; it is refused before anything is built from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litecost.errors import BadInputError
from litecost.files import read_input_text

MAX_BYTES = 8 * 1024 * 1024
# Far beyond any config litecost reads (a LiteLLM proxy config of 1,000 deployments is
# about 20,000 nodes).
MAX_NODES = 1_000_000


def compose(text: str, path: Path) -> Any:  # noqa: ANN401 - a yaml.Node or None
    """The document's node graph (aliases are shared nodes, not copies), checked."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise BadInputError(f"{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}", hint="fix the file") from None
    size = _expanded_size(root) if root is not None else 0
    if size is None:
        raise BadInputError(f"{path}: a YAML alias refers to the node that holds it", hint="fix the file")
    if size > MAX_NODES:
        raise BadInputError(
            f"{path}: its aliases expand to more than {MAX_NODES:,} YAML nodes, the most litecost reads",
            hint="this is not a config litecost can use (a YAML alias bomb?)",
        )
    return root


def load(path: Path, what: str, *, missing_hint: str = "check the path") -> Any:  # noqa: ANN401
    """The document of a user's YAML file, as `yaml.safe_load` would build it."""
    import yaml

    root = compose(read_input_text(path, what, MAX_BYTES, missing_hint=missing_hint), path)
    if root is None:
        return None
    try:
        return yaml.SafeLoader("").construct_document(root)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # A tag it may not build (!!python/…), or a date that does not exist.
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise BadInputError(f"{where}: {getattr(exc, 'problem', None) or exc}", hint="fix the file") from None


def _expanded_size(root: Any) -> int | None:  # noqa: ANN401
    """Nodes of the document with every alias expanded: sizes are counted once per shared
    node (memoised), so the count itself stays cheap however large the expansion. None
    when an alias refers to a node that contains it (an endless document)."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), MAX_NODES + 1)
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return None
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]
