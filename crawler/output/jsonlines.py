"""``--format jsonl``: one JSON object per reference, streamed as documents finish, so a
cron job or ``jq`` sees results while a 50,000-article scan runs."""

from __future__ import annotations

from collections.abc import Iterable

from linkrescue.crawler.output.formats import Destination
from linkrescue.crawler.stages.scan import FileResult


class JsonLinesResults:
    """Scan results as JSON Lines on the destination's byte stream."""

    def __init__(self, to: Destination) -> None:
        self.out = to.out

    def write(self, value: Iterable[FileResult]) -> None:
        raw = self.out.buffer  # workers send UTF-8 already: no encoding in the main process
        self.out.flush()
        for result in value:
            if result.blob:
                raw.write(result.blob)
                raw.write(b"\n")
        raw.flush()
