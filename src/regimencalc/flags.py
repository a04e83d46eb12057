"""Numbering of the warnings a course carries, so administrations can refer to them by id."""

from __future__ import annotations

from dataclasses import replace

from regimencalc.course import CourseFlag


class FlagBook:
    """Numbers each distinct flag once (F1, F2, …) in the order they are first raised (one per plan,
    changed in place: a plain class, cheaper to define than a dataclass; docs/batch.md, start-up)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], CourseFlag] = {}

    def add(self, kind: str, text: str, source: str | None) -> str:
        """The id of the flag (kind, text), raising it if it is new."""
        key = (kind, text)
        if key not in self.entries:
            self.entries[key] = CourseFlag(id=f"F{len(self.entries) + 1}", kind=kind, text=text, source=source)
        return self.entries[key].id

    def reword(self, flag_id: str, text: str) -> None:
        """Replace the text of a raised flag, keeping its id and place: for a flag raised before the
        course is re-planned whose words name dates or cycles that re-planning moved."""
        self.entries = {
            (kind, text if flag.id == flag_id else old): replace(flag, text=text) if flag.id == flag_id else flag
            for (kind, old), flag in self.entries.items()
        }

    def flags(self) -> tuple[CourseFlag, ...]:
        """Every flag raised, in order."""
        return tuple(self.entries.values())
