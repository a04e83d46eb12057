"""One dose for one patient, and when it is given.

- `patient`: the patient as typed, checked by `safety.plausibility`; `bsa`: the named BSA formulas,
  each cited; `dose`: per-unit dose × basis → cap → rounding, every step in the trace; `dates`: cycle
  and day → calendar date; `timing`: time of day, time zone and reminder options for calendars;
  `supportive`: premedication, admissions, intrathecal and administration lines from the final doses.

A new BSA formula, a new dose basis or a new way of counting days belongs here.
May import: `safety`, `protocol` and the base modules (`course`, `errors`, `display`).
"""
