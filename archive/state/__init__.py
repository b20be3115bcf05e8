"""The run's state: one SQLite database (``index.sqlite3``) and its schema; resources,
attempts and the rewrite ledger (``refs``), and next the nightly runs, lock and budgets.

It never imports :mod:`linkrescue.archive.remote`.
"""
