"""Where a streamed format goes: the destination's stream, or ``--output FILE`` replaced
whole once the last byte is written.

``check``'s formats are written as the files are checked (a 50,000-file corpus is
never held), so the bytes cannot be handed to :func:`linkrescue.atomic.write_atomically`
in one piece: they go to a temporary file beside the target, which is fsynced and
renamed over it with :func:`linkrescue.atomic.rename_durably` only when the formatter
finished. A CI step that uploads ``--output results.sarif`` after an interrupted or
failed run finds the previous file or none, never half a JSON document that GitHub's
upload rejects. The file gets the mode any new file gets under the user's umask, as
``--report`` does: a report is meant to be read by others.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from linkrescue.atomic import rename_durably
from linkrescue.crawler.output.formats import Destination


@contextlib.contextmanager
def text_sink(to: Destination) -> Iterator[TextIO]:
    """A UTF-8 text stream to write on: the destination's stream, or a temporary file
    that replaces ``to.path`` when the block ends without an exception (and is removed
    when it does not)."""
    if to.path is None:
        yield to.out
        to.out.flush()
        return
    path = to.path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(name)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        rename_durably(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask
