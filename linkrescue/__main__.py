"""``python -m linkrescue`` runs the ``linkrescue`` command."""

from linkrescue.crawler.cli import main

main()
