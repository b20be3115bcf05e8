"""``python -m linkrescue`` runs the ``linkrescue`` command."""

from linkrescue.crawler import main

main()
