"""The commands, one module each: what ``linkrescue <command>`` does between parsing its
options and printing its result. A command takes paths and settings, returns a typed
value, and prints nothing: the CLI (:mod:`linkrescue.crawler.cli`) is the only printer,
through the callbacks it hands in (problems as they are found, a rescue's progress)."""
