"""``python -m puntored`` is the ``puntored`` command."""

from puntored.cli.app import main

main()
