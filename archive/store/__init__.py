"""The local store: browsable paths, durable file steps, content-addressed objects,
the files table, verification.

It never imports :mod:`linkrescue.archive.remote`: the store keeps what it is given.
"""
