"""What a regimen file says: the strict schema, the loader, units, day expressions, lab values.

- `regimen`: the validated model (drug lines, doses, bands, tapers, branches, rules), read as the
  format documentation reads (docs/regimen-format.md); `plain`: the validated regimen and drug files as
  the planner reads them, pydantic-free classes the models inherit, and `tagged`: that tree as tagged
  JSON for `cache` (validated files kept by content hash, with a checksum); `checks`: the whole-regimen checks, one small
  function each; `loader`: YAML 1.2 → positions → model, every problem as `file:line:col: path: message`
  (also for observation, prior-exposure and rounding files); `units` (+ `units.txt`): the package's one
  pint registry and how quantities are typed; `factors`: pint's conversion factors, asked once and
  kept in the cache; `days`: day sets ('1-3, 15-17'); `labs`: lab values read exactly;
  `bundled`: where the bundled files are and which file a reference names; `drugs`: a drug's own file; `supportive`: its premedication, admission and administration lines.
  `limits`: every size, count and range an input is held to (docs/limits.md).

A new unit, a new field of the regimen format, a new whole-regimen check or a new input limit belongs here.
May import: the base modules (`errors`, `display`) only. Nothing here knows a patient.
"""
