"""Archives and the store: Wayback URL grammar, the archive client (snapshot choice, fetching, rate limits, retries), the local store and its SQLite index.

No CLI, no Markdown.
"""
