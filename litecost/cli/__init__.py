"""The typer command-line interface: parse options, call the library, render."""
