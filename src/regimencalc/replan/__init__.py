"""What happened to the patient and what it changes in the plan.

- `observations`: the `--observations` file (labs, toxicity grades, responses, what was given);
  `ctcae`: CTCAE grading of lab values; `history`: observations placed on the course's calendar;
  `rules`: does a regimen rule's condition hold on a day, and why; `ruleset`: the rules in force (the
  drug files' label rules, minus a regimen's stated exceptions, then its own); `adjust`: the rules
  applied to the planned doses (hold, interrupt, delay, omit, reduce, discontinue, new cycles);
  `records`: what was given.

A new rule action, a new kind of observation or a new grading belongs here.
May import: `dosing`, `safety`, `protocol` and the base modules (`course`, `flags`, `errors`, `display`).
"""
