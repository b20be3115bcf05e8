"""Wayback timestamps: 1 to 14 digits, ``YYYYMMDDhhmmss`` in UTC, and the one place
they are read, padded, compared, moved and written.

A partial timestamp means "somewhere in that period" and the Wayback Machine aims
at its *end* (docs/wayback-facts.md §1, IA ``ReplayRequestParser``; pywb pads
``2020`` to ``20201231235959`` too). Year-2000 captures carry ``00`` months and days
(EDGI ``parse_timestamp``), so reading one is tolerant. Every 14-digit string the
program writes (a CDX date window, a playback "now", a frontmatter date, a
``Memento-Datetime``) goes through :func:`format_timestamp`.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

#: ``strftime`` pattern of a 14-digit Wayback timestamp.
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

_DIGITS = re.compile(r"^\d{1,14}$")


def is_timestamp(value: str) -> bool:
    """1 to 14 digits: the Wayback timestamp grammar (IA ``ReplayRequestParser``)."""
    return bool(_DIGITS.match(value))


def is_exact(timestamp: str | None) -> bool:
    """Whether a written timestamp names one second (14 digits)."""
    return timestamp is not None and len(timestamp) == 14 and timestamp.isdigit()


def format_timestamp(moment: datetime) -> str:
    """``moment`` (already in UTC, or naive UTC) as 14 digits."""
    return moment.strftime(TIMESTAMP_FORMAT)


def now_timestamp() -> str:
    """Now as 14 digits: playing a URL at "now" gets its latest capture."""
    return format_timestamp(datetime.now(UTC))


def pad_timestamp(ts: str) -> str:
    """Complete a partial timestamp to the *last* second of its period, as the Wayback
    Machine does when it plays ``/web/2021im_/…`` (it aims at the end of 2021)."""
    if not is_timestamp(ts):
        raise ValueError(f"not a Wayback timestamp: {ts!r}")
    if len(ts) == 14:
        return ts
    template = ts[:4].ljust(4, "9") + "1231235959"
    full = ts + template[len(ts) :]
    year, month = int(full[:4]), min(max(int(full[4:6]), 1), 12)
    last_day = calendar.monthrange(year, month)[1]
    day = last_day if len(ts) <= 6 else min(max(int(full[6:8]), 1), last_day)
    return f"{year:04d}{month:02d}{day:02d}{full[8:]}"


def timestamp_datetime(ts: str) -> datetime:
    """A 14-digit timestamp as an aware UTC datetime, tolerating the ``00`` months and
    days of year-2000 captures (EDGI ``parse_timestamp``)."""
    ts = pad_timestamp(ts)
    year, month, day = int(ts[0:4]), int(ts[4:6]), int(ts[6:8])
    month = min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    hour, minute, second = min(int(ts[8:10]), 23), min(int(ts[10:12]), 59), min(int(ts[12:14]), 59)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def shift_timestamp(timestamp: str, days: int) -> str:
    """A 14-digit timestamp moved by ``days`` (for a CDX ``from``/``to`` window)."""
    return format_timestamp(timestamp_datetime(timestamp) + timedelta(days=days))


def to_timestamp(value: str | date | datetime | None) -> str | None:
    """A frontmatter ``date`` (``"2021-02-07T20:58:00"``, ``2021-02-07``, a YAML datetime)
    as a 14-digit UTC timestamp; None when absent or unreadable (2% of Citizen News
    files have ``date: ""``)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return format_timestamp(moment)
    if isinstance(value, date):
        return value.strftime("%Y%m%d") + "000000"
    text = value.strip()
    if is_timestamp(text):
        return pad_timestamp(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return to_timestamp(parsed)


def wanted_timestamp(written: str | None, document_date: str | None) -> str | None:
    """The moment a reference wants, as 14 digits (None: no preference, the latest).

    The timestamp written in the reference wins; a partial one (``2021im_``) is
    narrowed by the document's date when that falls inside it (an article's images
    were captured around its publication), else aimed at the period's end like the
    Wayback Machine does. Without a written timestamp, the document's date.
    """
    if written and is_timestamp(written):
        if len(written) == 14:
            return written
        if document_date and document_date.startswith(written):
            return document_date
        return pad_timestamp(written)
    return document_date


def distance(ts: str, target: str | None) -> float:
    """Seconds between two timestamps; with no target, newer is nearer."""
    if target is None:
        return -timestamp_datetime(ts).timestamp()
    return abs((timestamp_datetime(ts) - timestamp_datetime(target)).total_seconds())
