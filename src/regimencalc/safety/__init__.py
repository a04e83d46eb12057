"""Guards around a dose: plausible patients, cumulative and prior exposure, institutional rounding.

- `plausibility`: hard stops and confirmable unusual values (height, weight, age, BMI, BSA);
  `cumulative`: course + prior exposure per drug, anthracycline equivalents, lifetime limits;
  `prior`: the `--prior` file; `rounding`: institutional rounding profiles within their limits;
  `institution`: the institutional profile (`--institution`), every local value with its source.

A new hard stop, a new lifetime limit or an institutional policy file belongs here.
May import: `protocol` and the base modules (`course`, `errors`, `display`).
"""
