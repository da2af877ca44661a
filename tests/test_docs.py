"""Every command a user can type is documented: it has help, and the README names it."""

from __future__ import annotations

from pathlib import Path

import typer.main

from litecost.cli.main import app

README = (Path(__file__).parent.parent / "README.md").read_text()


def _commands(command, path: tuple[str, ...] = ()) -> list:  # noqa: ANN001 - typer bundles its own click
    found = [(path, command)] if path else []
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_tree_is_what_we_think_it_is():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"ingest", "report", "reconcile", "demo", "invoices import", "pricing diff", "db rejects"} <= names
    assert len(names) >= 18


def test_every_command_has_help_and_every_option_says_what_it_does():
    for path, command in COMMANDS:
        assert (command.help or "").strip(), f"litecost {' '.join(path)} has no help"
        for param in command.params:
            if param.param_type_name == "option" and not param.hidden:
                assert (param.help or "").strip(), f"litecost {' '.join(path)} {param.opts[0]} has no help"


def test_the_readme_documents_every_command():
    missing = [" ".join(path) for path, _ in COMMANDS if f"litecost {' '.join(path)}" not in README]
    assert not missing, f"the README never shows: {', '.join('litecost ' + m for m in missing)}"
