"""Whole cohorts and order audits: a regimen compiled once into plain data, evaluated column-wise.

What belongs here: `compiled` (a validated regimen turned into plain per-line data, checked against
the planner before it is trusted), `cache` (compiled regimens kept in the user's cache directory,
keyed by the file's content hash and the package version), `cohort` (one course per patient row,
column-wise with numpy), `audit` (ordered doses checked against the protocol) and `tables` (reading
and writing CSV, JSONL and Parquet with pyarrow). Rows the compiled path cannot take are planned by
`planner.plan_typed`, so a row is refused with the words `schedule` uses (docs/batch.md).

May import: the planner and every layer below it; numpy and pyarrow (the optional `batch` extra),
never click or the renderers. A cache hit imports none of pint, ruamel or pydantic.
"""
