"""Day sets as protocols write them: '1', '0-5', '1,8,15,22', '1-3, 15-17', or a list of days."""

from __future__ import annotations

import re

from regimencalc.protocol.limits import MAX_CYCLE_LENGTH_DAYS, limit_text

_RANGE = re.compile(r"^\s*([0-9]+)\s*(?:[-–]\s*([0-9]+))?\s*$")


def parse_days(value: object) -> tuple[int, ...]:
    """The sorted days a day set names; ValueError says what is wrong and how to write it.

    >>> parse_days("1-3, 15-17")
    (1, 2, 3, 15, 16, 17)
    >>> parse_days("0-5")
    (0, 1, 2, 3, 4, 5)
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a day set; write days such as '1', '1-7' or '1,8,15,22'")
    if isinstance(value, int):
        items: list[object] = [value]
    elif isinstance(value, str):
        items = [part for part in value.split(",")]
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError(f"{value!r} is not a day set; write days such as '1', '1-7' or '1,8,15,22'")
    days: list[int] = []
    for item in items:
        days.extend(_parse_item(item))
    if not days:
        raise ValueError("the day set is empty; write days such as '1' or '1-7'")
    duplicates = sorted({d for d in days if days.count(d) > 1})
    if duplicates:
        raise ValueError(f"day {duplicates[0]} is listed twice; list each day once")
    return tuple(sorted(days))


def _parse_item(item: object) -> list[int]:
    if isinstance(item, int) and not isinstance(item, bool):
        if item < 0:
            raise ValueError(f"day {item} is negative; the earliest day is day 0 (the day before day 1)")
        _within_limit(item)
        return [item]
    match = _RANGE.match(item) if isinstance(item, str) else None
    if not isinstance(item, str) or not match:
        raise ValueError(f"'{item}' is not a day or a day range; write e.g. '8' or '15-17'")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    _within_limit(max(first, last))
    if last < first:
        raise ValueError(f"day range '{item.strip()}' runs backwards; write it as '{last}-{first}'")
    return list(range(first, last + 1))


def _within_limit(day: int) -> None:
    if day > MAX_CYCLE_LENGTH_DAYS:
        raise ValueError(f"day {day} is past {limit_text('MAX_CYCLE_LENGTH_DAYS')}; check the day")


def format_days(days: tuple[int, ...]) -> str:
    """A day set written back compactly ('1-3, 15-17'), for protocol views and messages.

    >>> format_days((1, 2, 3, 8, 15, 16, 17))
    '1-3, 8, 15-17'
    """
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
