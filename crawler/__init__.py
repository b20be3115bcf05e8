"""The crawl: scan, resolve, choose a snapshot, fetch, store, rewrite, report; the CLI.

The only package that imports :mod:`rewriters` and :mod:`archive`, and the only one that prints.
"""
