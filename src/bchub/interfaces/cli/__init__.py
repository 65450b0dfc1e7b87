"""The ``bchub`` command line (Typer + Rich).

Conventions every command follows (``tests/interfaces/test_cli_*.py`` hold them in place):

- Verbs: ``add``/``remove`` for what a person brings in, ``list``/``show`` to read, ``edit`` or
  ``settings --set`` to change; a plural noun (``catalog items``, ``webhooks events``) lists;
  ``list-remote`` lists what a store holds rather than the hub. ``orders get`` is the seeds' term.
- ``--json`` on every read command (and most others): one JSON document on stdout, secrets masked.
- Tables and summaries for people on stdout; errors, ``Try: bchub …`` next steps, progress bars
  and spinners on stderr. Bars and spinners only at a terminal (``common.progress_for``/``activity``).
- Errors are ``HubError``s raised anywhere below; ``common.hub_session`` prints them with the next
  command from ``hints`` (an error's own ``next_step`` first) and exits 1.
- Connection arguments come from ``common.connection_argument``/``connection_option``, which
  complete names from the hub's database in the shell (``bchub --install-completion``).
"""
