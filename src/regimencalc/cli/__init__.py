"""The `regimencalc` command line.

What belongs here: `commands` (the click commands: they parse the options and call a body),
`run` (the bodies and the error reporting, without click: planning a course from the options,
writing it, turning an error into its one line and exit code), `kept` (what click said, kept in
the user's cache with a stamp of what it depends on: the `--help` text, the description of
`schedule`) and `fast` (a plain `schedule` line read from that description without click, calling
the same body). Only `commands` imports click at module level, so importing this package does not.

May import: everything below (`render`, `planner`, `protocol`, …) and click; never `web`.
`regimencalc.cli.main` is the click group (imported on first use).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: the fast `schedule` path imports this package
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> Any:
    if name == "main":
        from regimencalc.cli.commands import main

        return main
    raise AttributeError(name)
