"""Renderers: a planned `Course` (or a `Regimen`) written out for people and programs.

- `table` (terminal), `tabular` (JSON, CSV), `sheet` (HTML/PDF dose sheet), `ics` (RFC 5545
  calendar), `protocol` (a regimen as a readable protocol), `output` (writing files all or nothing).

A new output format belongs here. Renderers never compute a dose: they read the Course.
May import: `dosing.timing`, `protocol` (models and day text only) and the base modules (`course`,
`errors`, `display`); never `planner`, `dosing.dose`, `dosing.bsa` or the unit registry.
"""
