"""The ``bchub`` command line (Typer + Rich)."""
