"""The crawl: scan, resolve, choose a snapshot, fetch, store, rewrite, report; the CLI.

The only package that imports :mod:`linkrescue.rewriters` and :mod:`linkrescue.archive`, and the only one that prints.
"""
