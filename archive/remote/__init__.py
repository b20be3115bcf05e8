"""The remote client: Wayback URL grammar in use, CDX lookups and listings, snapshot
choice, ``id_`` playback, transport, rate limits and retries.

It never imports :mod:`linkrescue.archive.store` or :mod:`linkrescue.archive.state`:
what it fetches it hands to a sink, and the crawler commits it.
"""
