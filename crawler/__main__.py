"""``python -m crawler`` runs the ``linkrescue`` command."""

from crawler.cli import main

main()
