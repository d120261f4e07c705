"""``python -m modelgov.cli``: the same as the ``modelgov`` command."""

from modelgov.cli import main

main()
