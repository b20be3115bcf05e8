"""The output room: every format a command writes (scan results, the rescue report),
the live progress of a rescue, and the one-line problem reports on stderr."""
