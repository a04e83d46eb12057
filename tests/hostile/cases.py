"""The hostile-input corpus: one row per case, each with the exact outcome it must have.

A case is (id, kind, payload). Kinds:
- regimen:      payload is the regimen file (text or bytes), planned with the adult patient;
- edit:         payload is (old, new): tests/fixtures/minimal.yaml with one text replaced;
- observations: payload is the observations file, replayed on tests/fixtures/rules.yaml;
- prior:        payload is the prior-exposure file, with rdc-blinatumomab;
- rounding:     payload is the rounding profile, with vicp;
- institution:  payload is the institutional profile, with rdc-blinatumomab at age 40;
- cli:          payload is a dict of options replacing the defaults of `schedule vicp`, or a full
                argument list;
- output:       payload is (set-up, arguments): what is at the output path before the run.
The expected outcomes are in EXPECTED (test_hostile_inputs.py); no exit code is 3.
"""

from __future__ import annotations

MINIMAL_DOSE = "dose: {basis: bsa, amount: 3 mg/m2, cap: 4 mg}"
DAYS = 'days: "1"'

HEADER = 'schema_version: 1\nid: h\nname: H\nversion: "1"\nindication: t\nsources: {s: {kind: seed, citation: c}}\n'
PHASE = "phases:\n  - {id: p, name: P, cycles: 1, length_days: 28, source: s, lines: [{drug: vindesine, route: IV, days: '1', dose: {basis: bsa, amount: 3 mg/m2}, source: s}]}\n"


def _laughs(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _observations(entries: str, extra: str = "") -> str:
    return f"schema_version: 1\n{extra}entries:\n{entries}"


def _rounding(drugs: str, extra: str = "") -> str:
    return f"schema_version: 1\nname: r\nsource: s\nmax_percent: 10\n{extra}drugs:\n{drugs}"


def _prior(lines: str) -> str:
    return f"schema_version: 1\nprior:\n{lines}"


YAML_CASES = [
    ("billion laughs", "regimen", _laughs(9, 10)),
    ("laughs 5 levels of 20", "regimen", _laughs(5, 20)),
    ("nesting 10000 lists", "regimen", "a: " + "[" * 10000 + "]" * 10000 + "\n"),
    ("nesting 10000 maps", "regimen", "a: " + "{b: " * 10000 + "1" + "}" * 10000 + "\n"),
    ("nesting 40 block maps", "regimen", "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v\n"),
    ("file of 300 KB comments", "regimen", "# " + "x" * 1000 + "\n" * 1 + ("# " + "x" * 1000 + "\n") * 300),
    ("file of 20000 list items", "regimen", "a: [" + ", ".join(["1"] * 20000) + "]\n"),
    ("yaml 1.1 directive", "regimen", "%YAML 1.1\n---\n" + HEADER + PHASE),
    ("yaml 1.2 directive is fine", "regimen", "%YAML 1.2\n---\n" + HEADER + PHASE),
    ("yaml 2.0 directive", "regimen", "%YAML 2.0\n---\n" + HEADER + PHASE),
    ("tag directive", "regimen", "%TAG !x! tag:example.com,2000:\n---\n" + HEADER + PHASE),
    ("python tag", "regimen", "a: !!python/object:os.system [echo]\n"),
    ("custom tag", "regimen", HEADER.replace("name: H", "name: !custom H") + PHASE),
    ("str tag", "regimen", HEADER.replace("name: H", "name: !!str H") + PHASE),
    ("merge key", "regimen", "base: &b {kind: seed}\nsources:\n  s:\n    <<: *b\n    citation: c\n"),
    ("merge key list", "regimen", "x: &x {a: 1}\ny: {<<: [*x]}\n"),
    ("quoted << is a key", "regimen", HEADER + PHASE + '"<<": 1\n'),
    ("duplicate anchor", "regimen", "a: &x 1\nb: &x 2\nc: *x\n"),
    ("undefined alias", "regimen", "a: *nowhere\n"),
    ("empty cap", "edit", ("cap: 4 mg}", "cap: }")),
    ("null cap", "edit", ("cap: 4 mg}", "cap: null}")),
    ("tilde cap", "edit", ("cap: 4 mg}", "cap: ~}")),
    ("quoted null is text", "edit", ("cap: 4 mg}", "cap: 'null'}")),
    ("empty observation grade", "observations", _observations("  - date: 2026-01-06\n    toxicities:\n      crs:\n")),
    ("alias inside its anchor", "edit", ("dose: {basis: bsa", "dose: &d {cap2: *d, basis: bsa")),
    ("alias loop would drop a cap", "edit", (MINIMAL_DOSE, "dose: &d {basis: bsa, amount: 3 mg/m2, cap: *d}")),
    ("alias used before its anchor", "regimen", "a: *x\nb: &x 1\n"),
    (
        "key 1 and '1'",
        "regimen",
        HEADER.replace("sources: {s:", "sources: {1: {kind: seed, citation: a}, '1':") + PHASE,
    ),
    ("duplicate key", "regimen", HEADER + PHASE + "id: again\n"),
    ("two documents", "regimen", HEADER + PHASE + "---\n" + HEADER + PHASE),
    ("empty file", "regimen", ""),
    ("only comments", "regimen", "# nothing\n"),
    ("top-level list", "regimen", "- a\n- b\n"),
    ("top-level scalar", "regimen", "hello\n"),
    ("not utf-8", "regimen", b"name: \xff\xfe\n"),
    ("nul bytes", "regimen", b"name: a\x00b\n"),
    ("binary garbage", "regimen", bytes(range(256))),
    ("tab indentation", "regimen", "a:\n\tb: 1\n"),
    ("unclosed quote", "regimen", 'name: "open\n'),
    ("unclosed flow", "regimen", "a: [1, 2\n"),
    ("bom then yaml", "regimen", "\ufeff" + HEADER + PHASE),
    ("infinite number", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: .inf")),
    ("nan number", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: .nan")),
    ("400-digit length", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: " + "9" * 400)),
    ("5000-digit length", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: " + "9" * 5000)),
    ("1e400 length", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: 1e400")),
    ("octal-looking 021 is 21", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: 021")),
    ("0o21 octal", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: 0o21")),
    ("0x1c hex", "regimen", HEADER + PHASE.replace("length_days: 28", "length_days: 0x1c")),
    (
        "huge float percent",
        "regimen",
        HEADER + PHASE + "dose_levels: [{drug: vindesine, name: x, percent: 1e300, source: s}]\n",
    ),
    ("date scalar bad", "observations", _observations("  - {date: 2026-02-30, toxicities: {crs: 1}}\n")),
    ("date scalar year 0001", "observations", _observations("  - {date: 0001-01-01, toxicities: {crs: 1}}\n")),
    ("date scalar year 9999", "observations", _observations("  - {date: 9999-12-31, toxicities: {crs: 1}}\n")),
    ("datetime scalar", "observations", _observations("  - {date: 2026-01-06T10:00:00, toxicities: {crs: 1}}\n")),
    ("date on line 5", "observations", _observations("  - date: 2026-01-06\n  - date: 2026-13-01\n")),
    ("complex key", "regimen", HEADER + PHASE + "? [a, b]\n: 1\n"),
    ("null key", "regimen", HEADER + PHASE + "~: 1\n"),
    ("days in Arabic-Indic digits", "regimen", HEADER + PHASE.replace("days: '1'", "days: '١-٣'")),
    ("dose in full-width digits", "regimen", HEADER + PHASE.replace("amount: 3 mg/m2", "amount: ３ mg/m2")),
    ("zero-width space in dose", "regimen", HEADER + PHASE.replace("amount: 3 mg/m2", "amount: 3\u200b mg/m2")),
    ("large file", "regimen", "a: " + "x" * (300 * 1024) + "\n"),
]

EDIT_CASES = [
    *[
        (f"length_days {value}", "edit", ("length_days: 28", f"length_days: {value}"))
        for value in ["0", "-1", "366", "1000000", "28.5", "'28'", "true", "null", "1_000", "[28]", "~"]
    ],
    *[
        (f"cycles {value}", "edit", ("cycles: 1", f"cycles: {value}"))
        for value in ["0", "-3", "101", "3000000", "1.5", "'2'", "false"]
    ],
    (
        "5,600 doses",
        "regimen",
        HEADER
        + PHASE.replace("cycles: 1,", "cycles: 100,")
        .replace("days: '1'", "days: '1-28'")
        .replace(
            "lines: [{drug: vindesine",
            "lines: [{drug: aa, route: PO, days: '1-28', dose: {basis: flat, amount: 1 mg}, source: s}, {drug: vindesine",
        ),
    ),
    (
        "taper past a year",
        "edit",
        (
            MINIMAL_DOSE,
            "dose: {basis: flat, amount: 3 mg}\n        taper: {start_day: 2, step_days: 365, amounts: [2 mg]}",
        ),
    ),
    (
        "taper past its cycle",
        "edit",
        (
            MINIMAL_DOSE,
            "dose: {basis: flat, amount: 3 mg}\n        taper: {start_day: 2, step_days: 14, amounts: [2 mg, 1 mg]}",
        ),
    ),
    ("phase without a count", "edit", ("    cycles: 1\n", "")),
    ("course of 20 years", "edit", ("cycles: 1\n    length_days: 28", "cycles: 20\n    length_days: 365")),
    ("100 cycles of 28 days ok", "edit", ("cycles: 1\n    length_days: 28", "cycles: 100\n    length_days: 28")),
    *[
        (f"days {value}", "edit", (DAYS, f"days: {value}"))
        for value in [
            '"0-400"',
            '"1-99999999"',
            "400",
            "-1",
            '"3-1"',
            '"1,1"',
            '""',
            "[]",
            '"29"',
            '"1-"',
            '"one"',
            "1.5",
            "true",
            '"1\\n"',
            "[1, 99999999999]",
        ]
    ],
    *[
        (f"amount {value}", "edit", ("amount: 3 mg/m2", f"amount: {value}"))
        for value in [
            "0 mg/m2",
            "0.0 mg/m2",
            "100 x10^-400 mg/m2",
            "1 x10^400 mg/m2",
            "3 x10^16 mg/m2",
            "-3 mg/m2",
            "1e3 mg/m2",
            "nan mg/m2",
            "inf mg/m2",
            "11111111111111111111 mg/m2",
            "3 mg/m2/m2",
            "3 mL/m2",
            "3",
            "3 mg/m2 3 mg/m2",
            "3 mg/kg",
            "3 parsecs/m2",
            "mg/m2",
            "'3 mg/m2\\n'",
            "3 mg/m2/day/day",
            "3 mg/s",
            "3 mg/m2)",
            "3 mg/m**-2",
            "'3 mg/m2\\x1b[31m'",
        ]
    ],
    *[
        (f"cap {value}", "edit", ("cap: 4 mg", f"cap: {value}"))
        for value in ["0 mg", "4 mg/m2", "4", "-4 mg", "4 kg/m2"]
    ],
    *[
        (f"drug {value}", "edit", ("drug: vindesine", f"drug: {value}"))
        for value in ["Vindesine", "'vindesine\\n'", "'vin\\x1bdesine'", "''", "vindesine!", "'a'"]
    ],
    *[
        (f"route {value}", "edit", ("route: IV", f"route: {value}"))
        for value in ["iv", "NO", "'IV\\n'", "intrathecal", "[IV]"]
    ],
    *[(f"basis {value}", "edit", ("basis: bsa", f"basis: {value}")) for value in ["weight", "flat", "BSA", "area"]],
    ("source undeclared", "edit", ("        source: seed-003", "        source: nowhere")),
    (
        "source key 1 and '1'",
        "edit",
        ("  seed-003:\n", "  1: {kind: seed, citation: x}\n  '1': {kind: seed, citation: y}\n  seed-003:\n"),
    ),
    ("id uppercase", "edit", ("id: minimal", "id: Minimal")),
    ("id with newline", "edit", ("id: minimal", "id: 'minimal\\n'")),
    ("schema_version 2", "edit", ("schema_version: 1", "schema_version: 2")),
    ("schema_version text", "edit", ("schema_version: 1", "schema_version: '1'")),
    ("version number", "edit", ('version: "1"', "version: 1")),
    ("version date is text", "edit", ('version: "1"', "version: 2026-01-05")),
    ("name escape sequence", "edit", ("name: Minimal valid regimen", 'name: "evil \\e]0;owned\\a name"')),
    ("name bidi override", "edit", ("name: Minimal valid regimen", 'name: "dose \\u202e01 x"')),
    ("unknown regimen field", "edit", ("indication: test fixture", "indication: test fixture\ncolour: red")),
    ("unknown line field", "edit", ("        source: seed-003", "        source: seed-003\n        speed: fast")),
    ("missing name", "edit", ("name: Minimal valid regimen\n", "")),
    ("phases empty", "regimen", HEADER + "phases: []\n"),
    ("indication list", "edit", ("indication: test fixture", "indication: [a, b]")),
]

OBSERVATION_CASES = [
    ("crs with newline", "observations", _observations('  - {date: 2026-01-06, toxicities: {"crs\\n": 4}}\n')),
    ("crs with trailing space", "observations", _observations('  - {date: 2026-01-06, toxicities: {"crs ": 4}}\n')),
    ("CRS upper case", "observations", _observations("  - {date: 2026-01-06, toxicities: {CRS: 4}}\n")),
    ("crs grade 4 stops alpha", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: 4}}\n")),
    (
        "spelled-out term flagged",
        "observations",
        _observations("  - {date: 2026-01-06, toxicities: {cytokine release syndrome: 4}}\n"),
    ),
    ("term with escape", "observations", _observations('  - {date: 2026-01-06, toxicities: {"crs\\e[2J": 4}}\n')),
    ("grade 6", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: 6}}\n")),
    ("grade -1", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: -1}}\n")),
    ("grade 3.5", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: 3.5}}\n")),
    ("grade text", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: '4'}}\n")),
    ("grade true", "observations", _observations("  - {date: 2026-01-06, toxicities: {crs: true}}\n")),
    (
        "two anc values one date",
        "observations",
        _observations(
            "  - {date: 2026-01-06, labs: {anc: 0.5 x10^9/L}}\n  - {date: 2026-01-06, labs: {anc: 1.2 x10^9/L}}\n"
        ),
    ),
    (
        "same anc twice in two units",
        "observations",
        _observations(
            "  - {date: 2026-01-06, labs: {anc: 0.5 x10^9/L}}\n  - {date: 2026-01-06, labs: {anc: 500/uL}}\n"
        ),
    ),
    (
        "two crs grades one date",
        "observations",
        _observations("  - {date: 2026-01-06, toxicities: {crs: 4}}\n  - {date: 2026-01-06, toxicities: {crs: 1}}\n"),
    ),
    (
        "cycle-day and date on one day disagree",
        "observations",
        _observations("  - {cycle: 1, day: 2, toxicities: {crs: 2}}\n  - {date: 2026-01-06, toxicities: {crs: 3}}\n"),
    ),
    (
        "given and not given",
        "observations",
        _observations("  - {date: 2026-01-06, given: [{drug: alpha}]}\n  - {date: 2026-01-06, not_given: [alpha]}\n"),
    ),
    (
        "given twice in one entry",
        "observations",
        _observations("  - {date: 2026-01-06, given: [{drug: alpha}, {drug: alpha, dose: 90 mg}]}\n"),
    ),
    ("not given twice", "observations", _observations("  - {date: 2026-01-06, not_given: [alpha, alpha]}\n")),
    (
        "two responses one date",
        "observations",
        _observations("  - {date: 2026-01-06, response: CR}\n  - {date: 2026-01-06, response: NR}\n"),
    ),
    (
        "two weights one date",
        "observations",
        _observations("  - {date: 2026-01-06, weight: 70kg}\n  - {date: 2026-01-06, weight: 60kg}\n"),
    ),
    ("day 99999", "observations", _observations("  - {cycle: 1, day: 99999, toxicities: {crs: 1}}\n")),
    ("day 15 of a 14-day cycle", "observations", _observations("  - {cycle: 1, day: 15, toxicities: {crs: 1}}\n")),
    ("cycle 3 of 2", "observations", _observations("  - {cycle: 3, day: 1, toxicities: {crs: 1}}\n")),
    ("cycle 0", "observations", _observations("  - {cycle: 0, day: 1, toxicities: {crs: 1}}\n")),
    ("cycle 1000", "observations", _observations("  - {cycle: 1000, day: 1, toxicities: {crs: 1}}\n")),
    ("day -1", "observations", _observations("  - {cycle: 1, day: -1, toxicities: {crs: 1}}\n")),
    ("cycle without day", "observations", _observations("  - {cycle: 1, toxicities: {crs: 1}}\n")),
    ("date and cycle", "observations", _observations("  - {date: 2026-01-06, cycle: 1, day: 2}\n")),
    ("before the start", "observations", _observations("  - {date: 2025-12-01, toxicities: {crs: 1}}\n")),
    ("unknown field", "observations", _observations("  - {date: 2026-01-06, toxicity: {crs: 1}}\n")),
    ("unknown top field", "observations", "schema_version: 1\npatient: x\nentries:\n  - {date: 2026-01-06}\n"),
    ("unknown lab", "observations", _observations("  - {date: 2026-01-06, labs: {neutrophils: 1 x10^9/L}}\n")),
    ("lab without unit", "observations", _observations("  - {date: 2026-01-06, labs: {anc: '1.2'}}\n")),
    ("lab number", "observations", _observations("  - {date: 2026-01-06, labs: {anc: 1.2}}\n")),
    (
        "lab 400 digits",
        "observations",
        _observations("  - {date: 2026-01-06, labs: {anc: " + "9" * 400 + " x10^9/L}}\n"),
    ),
    ("lab x10^400", "observations", _observations("  - {date: 2026-01-06, labs: {anc: 1 x10^400/L}}\n")),
    ("lab in Arabic-Indic digits", "observations", _observations("  - {date: 2026-01-06, labs: {anc: ٠.٥ x10^9/L}}\n")),
    ("lab wrong unit", "observations", _observations("  - {date: 2026-01-06, labs: {anc: 1 mg/dL}}\n")),
    ("no entries", "observations", "schema_version: 1\nentries: []\n"),
    ("entries missing", "observations", "schema_version: 1\n"),
    ("id twice", "observations", _observations("  - {id: a, date: 2026-01-06}\n  - {id: a, date: 2026-01-07}\n")),
    ("id with space", "observations", _observations("  - {id: 'a b', date: 2026-01-06}\n")),
    (
        "given unknown drug",
        "observations",
        _observations("  - {date: 2026-01-06, given: [{drug: gamma, dose: 1 mg}]}\n"),
    ),
    ("given bad dose", "observations", _observations("  - {date: 2026-01-06, given: [{drug: alpha, dose: 10 kg}]}\n")),
    ("not given unplanned", "observations", _observations("  - {date: 2026-01-20, not_given: [beta]}\n")),
    ("weight 70kg 70kg", "observations", _observations("  - {date: 2026-01-06, weight: 70kg 70kg}\n")),
    ("response bad", "observations", _observations("  - {date: 2026-01-06, response: cured}\n")),
    ("mrd bad", "observations", _observations("  - {date: 2026-01-06, mrd: maybe}\n")),
    ("ctcae 6", "observations", _observations("  - {date: 2026-01-06}\n", 'ctcae_version: "6.0"\n')),
    (
        "uln unknown lab",
        "observations",
        _observations("  - {date: 2026-01-06}\n", "limits: {uln: {sodium: 1 mmol/L}}\n"),
    ),
    ("started_cycle 1", "observations", _observations("  - {date: 2026-01-06, started_cycle: 1}\n")),
    (
        "cycle 2 started twice",
        "observations",
        _observations("  - {date: 2026-01-19, started_cycle: 2}\n  - {date: 2026-01-21, started_cycle: 2}\n"),
    ),
    ("started_cycle 3 of 2", "observations", _observations("  - {date: 2026-01-30, started_cycle: 3}\n")),
    ("laughs in observations", "observations", _laughs(8, 10)),
    ("observations merge key", "observations", "e: &e {date: 2026-01-06}\nschema_version: 1\nentries:\n  - {<<: *e}\n"),
    ("observations yaml 1.1", "observations", "%YAML 1.1\n---\n" + _observations("  - {date: 2026-01-06}\n")),
    ("observations too large", "observations", _observations("  - {date: 2026-01-06}\n") + "#" * (300 * 1024)),
    ("observations tagged", "observations", _observations("  - !!map {date: 2026-01-06}\n")),
    ("observations date with newline", "observations", _observations('  - {date: "2026-01-06\\n"}\n')),
    (
        "observations mixed same values ok",
        "observations",
        _observations("  - {date: 2026-01-06, toxicities: {crs: 2}}\n  - {date: 2026-01-06, toxicities: {crs: 2}}\n"),
    ),
]

PRIOR_CASES = [
    ("prior ok", "prior", _prior("  - {drug: idarubicin, dose: 45 mg/m2}\n")),
    ("prior zero is nothing", "prior", _prior("  - {drug: idarubicin, dose: 0 mg/m2}\n")),
    ("prior unknown drug", "prior", _prior("  - {drug: doxorubicine, dose: 45 mg/m2}\n")),
    ("prior mg not per m2", "prior", _prior("  - {drug: idarubicin, dose: 45 mg}\n")),
    ("prior per kg", "prior", _prior("  - {drug: idarubicin, dose: 45 mg/kg}\n")),
    ("prior mcg", "prior", _prior("  - {drug: idarubicin, dose: 45 mcg/m2}\n")),
    ("prior number", "prior", _prior("  - {drug: idarubicin, dose: 45}\n")),
    ("prior 400 digits", "prior", _prior("  - {drug: idarubicin, dose: " + "9" * 400 + " mg/m2}\n")),
    ("prior x10^400", "prior", _prior("  - {drug: idarubicin, dose: 1 x10^400 mg/m2}\n")),
    ("prior negative", "prior", _prior("  - {drug: idarubicin, dose: -45 mg/m2}\n")),
    ("prior empty", "prior", "schema_version: 1\nprior: []\n"),
    ("prior unknown field", "prior", _prior("  - {drug: idarubicin, dose: 45 mg/m2, date: 2020-01-01}\n")),
    ("prior top field", "prior", "schema_version: 1\npatient: x\nprior:\n  - {drug: idarubicin, dose: 45 mg/m2}\n"),
    ("prior over the limit", "prior", _prior("  - {drug: idarubicin, dose: 145 mg/m2}\n")),
    (
        "prior two drugs",
        "prior",
        _prior("  - {drug: idarubicin, dose: 10 mg/m2}\n  - {drug: daunorubicin, dose: 100 mg/m2}\n"),
    ),
    ("prior yaml 1.1", "prior", "%YAML 1.1\n---\n" + _prior("  - {drug: idarubicin, dose: 45 mg/m2}\n")),
    ("prior nested", "prior", "a: " + "[" * 100 + "]" * 100 + "\n"),
    ("prior dose with escape", "prior", _prior('  - {drug: idarubicin, dose: "45 mg/m2\\e[0m"}\n')),
]

ROUNDING_CASES = [
    ("rounding ok increment", "rounding", _rounding("  vindesine: {increment: 1 mg}\n")),
    (
        "bands overlap",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 900 mg, high: 1000 mg, dose: 950 mg}\n      - {low: 990 mg, high: 1100 mg, dose: 1050 mg}\n"
        ),
    ),
    (
        "bands overlap out of order",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 1000 mg, high: 1100 mg, dose: 1050 mg}\n      - {low: 900 mg, high: 1001 mg, dose: 950 mg}\n"
        ),
    ),
    (
        "bands same",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 900 mg, high: 1000 mg, dose: 950 mg}\n      - {low: 900 mg, high: 1000 mg, dose: 960 mg}\n"
        ),
    ),
    (
        "band backwards",
        "rounding",
        _rounding("  cyclophosphamide:\n    bands:\n      - {low: 1000 mg, high: 900 mg, dose: 950 mg}\n"),
    ),
    (
        "band empty",
        "rounding",
        _rounding("  cyclophosphamide:\n    bands:\n      - {low: 900 mg, high: 900 mg, dose: 900 mg}\n"),
    ),
    (
        "bands in g and mg overlap",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 0.9 g, high: 1 g, dose: 950 mg}\n      - {low: 999 mg, high: 1100 mg, dose: 1050 mg}\n"
        ),
    ),
    (
        "bands touching ok",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 1200 mg, high: 1300 mg, dose: 1250 mg}\n      - {low: 1300 mg, high: 1400 mg, dose: 1350 mg}\n"
        ),
    ),
    (
        "25 vial sizes",
        "rounding",
        _rounding("  vindesine: {vials: [" + ", ".join(f"{n} mg" for n in range(1, 26)) + "]}\n"),
    ),
    (
        "7 vial sizes",
        "rounding",
        _rounding("  vindesine: {vials: [" + ", ".join(f"{n} mg" for n in range(1, 8)) + "]}\n"),
    ),
    (
        "6 vial sizes ok",
        "rounding",
        _rounding("  cyclophosphamide: {vials: [97 mg, 89 mg, 83 mg, 79 mg, 73 mg, 71 mg]}\n"),
    ),
    ("vials none", "rounding", _rounding("  vindesine: {vials: []}\n")),
    ("vial zero", "rounding", _rounding("  vindesine: {vials: [0 mg]}\n")),
    ("vial in mL", "rounding", _rounding("  vindesine: {vials: [1 mL]}\n")),
    ("increment zero", "rounding", _rounding("  vindesine: {increment: 0 mg}\n")),
    ("increment tiny", "rounding", _rounding("  vindesine: {increment: 1 x10^-15 mg}\n")),
    ("increment x10^-400", "rounding", _rounding("  vindesine: {increment: 1 x10^-400 mg}\n")),
    ("increment 400 digits", "rounding", _rounding("  vindesine: {increment: " + "9" * 400 + " mg}\n")),
    ("increment and vials", "rounding", _rounding("  vindesine: {increment: 1 mg, vials: [1 mg]}\n")),
    ("nothing", "rounding", _rounding("  vindesine: {}\n")),
    (
        "max_percent 0",
        "rounding",
        "schema_version: 1\nname: r\nsource: s\nmax_percent: 0\ndrugs:\n  vindesine: {increment: 1 mg}\n",
    ),
    (
        "max_percent 50",
        "rounding",
        "schema_version: 1\nname: r\nsource: s\nmax_percent: 50\ndrugs:\n  vindesine: {increment: 1 mg}\n",
    ),
    (
        "max_percent inf",
        "rounding",
        "schema_version: 1\nname: r\nsource: s\nmax_percent: .inf\ndrugs:\n  vindesine: {increment: 1 mg}\n",
    ),
    ("max_absolute zero", "rounding", _rounding("  vindesine: {increment: 1 mg}\n", "max_absolute: 0 mg\n")),
    ("unknown drug field", "rounding", _rounding("  vindesine: {step: 1 mg}\n")),
    ("no drugs", "rounding", "schema_version: 1\nname: r\nsource: s\nmax_percent: 10\ndrugs: {}\n"),
    ("rounding laughs", "rounding", _laughs(8, 10)),
    ("table: name escape", "table", HEADER.replace("name: H", 'name: "H\\e]0;owned\\a\\e[2J"') + PHASE),
    ("table: name bidi", "table", HEADER.replace("name: H", 'name: "H \\u202e gm 01"') + PHASE),
    ("table: name newline", "table", HEADER.replace("name: H", 'name: "H\\rline\\nnext"') + PHASE),
    ("table: citation C1 control", "table", HEADER.replace("citation: c", 'citation: "c\\x9b31m"') + PHASE),
    (
        "rounding name escape",
        "rounding",
        _rounding("  vindesine: {increment: 1 mg}\n").replace("name: r", 'name: "r\\e]0;x\\a"'),
    ),
]

CLI_CASES = [
    *[
        (f"weight {value[:24]!r}", "cli", {"--weight": value})
        for value in [
            "70kg 70kg",
            "70 kg 5 lb",
            "11 st 4 lb",
            "11 st 14 lb",
            "4 lb 11 st",
            "70",
            "70 KGS",
            "-70kg",
            "0kg",
            "0.0001kg",
            "1e3kg",
            "nan kg",
            "inf kg",
            "9" * 400 + "kg",
            "70 kg\n",
            "70\x1b[31mkg",
            "70 m",
            "",
            "70kg,",
            "154 lb",
            "٧٠kg",
            "７０kg",
            "70,5 kg",
            "70kg70kg",
            "11 stone 4 pounds",
            "70 kg 0 g",
        ]
    ],
    *[
        (f"height {value[:24]!r}", "cli", {"--height": value})
        for value in [
            "170cm 10cm",
            "5 ft 7 in",
            "5'7\"",
            "5 ft 12 in",
            "7 in 5 ft",
            "1 m 70 cm",
            "5 ft 7 in 2 in",
            "170",
            "9" * 400 + "cm",
            "170 kg",
            "1.7 m",
            "0 cm",
        ]
    ],
    *[
        (f"start {value!r}", "cli", {"--start": value})
        for value in [
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "2200-01-01",
            "2026-02-30",
            "2026-1-5",
            "05/01/2026",
            "2026-01-05\n",
            "2026-01-05T00:00",
            "",
            "today",
            "2199-12-31",
        ]
    ],
    *[(f"--cycles {value[:20]}", "cli", {"--cycles": value}) for value in ["0", "-1", "2", "3000000", "1" * 400, "x"]],
    ("age 400 digits", "cli", {"--age": "9" * 400}),
    ("bsa cap 0", "cli", {"--bsa-cap": "0m2"}),
    ("bsa cap huge", "cli", {"--bsa-cap": "1 x10^400 m2"}),
    ("bsa cap unbalanced bracket", "cli", {"--bsa-cap": "2m2)"}),
    ("height unbalanced bracket", "cli", {"--height": "170cm)"}),
    ("weight in pint syntax", "cli", {"--weight": "70*kg"}),
    (
        "unknown regimen",
        "cli",
        ["schedule", "nowhere", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05"],
    ),
    ("regimen escape name", "cli", ["show", "\x1b]0;owned\x07"]),
    ("observations /dev/zero", "cli", {"--observations": "/dev/zero"}),
    ("observations folder", "cli", {"--observations": "."}),
    ("rounding /dev/zero", "cli", {"--rounding": "/dev/zero"}),
    ("prior /dev/zero", "cli", {"--prior": "/dev/zero"}),
    ("regimen /dev/zero", "cli", ["validate", "/dev/zero"]),
    ("validate keeps going", "cli", ["validate", "MERGE"]),
    *[
        (f"ics {' '.join(args)}", "cli", ["ics", "vicp", "--height", "170cm", "--weight", "70kg", *args])
        for args in [
            ("--start", "2026-03-29", "--time", "02:30", "--tz", "Europe/Paris"),
            ("--start", "2026-10-25", "--time", "02:30", "--tz", "Europe/Paris"),
            ("--start", "2026-03-08", "--time", "02:30", "--tz", "America/New_York"),
            ("--start", "2026-11-01", "--time", "01:30", "--tz", "America/New_York"),
            ("--start", "2026-03-01", "--time", "02:30", "--tz", "Europe/Paris"),
            ("--start", "2026-04-05", "--time", "01:00", "--tz", "Australia/Lord_Howe"),
            ("--start", "2026-03-29", "--time", "01:30", "--tz", "Europe/Paris"),
            ("--start", "2026-10-25", "--time", "01:30", "--tz", "Europe/Paris"),
            ("--start", "2026-03-29", "--per-day", "--time", "02:00", "--tz", "Europe/Paris"),
            ("--start", "2026-01-05", "--remind", "0.00001s"),
            ("--start", "2026-01-05", "--remind", "90s"),
            ("--start", "2026-01-05", "--remind", "120s"),
            ("--start", "2026-01-05", "--remind", "1.5h"),
            ("--start", "2026-01-05", "--remind", "0min"),
            ("--start", "2026-01-05", "--remind", "29d"),
            ("--start", "2026-01-05", "--remind", "1e400min"),
            ("--start", "2026-01-05", "--tz", "../../etc/passwd", "--time", "09:00"),
            ("--start", "2026-01-05", "--tz", "", "--time", "09:00"),
            ("--start", "2026-01-05", "--time", "24:00"),
            ("--start", "2026-01-05", "--time", "9:00"),
            ("--start", "2026-01-05", "--time", "09:00\n"),
        ]
    ],
    (
        "sheet written 0001",
        "cli",
        ["sheet", "vicp", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--written", "0001-01-01"],
    ),
    (
        "sheet measured bad",
        "cli",
        ["sheet", "vicp", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--measured", "2026-02-30"],
    ),
]

OUTPUT_CASES = [
    ("new file", "output", ("nothing", ["-o", "out.txt"])),
    ("existing file no force", "output", ("file 0644", ["-o", "out.txt"])),
    ("existing 0600 with force keeps mode", "output", ("file 0600", ["-o", "out.txt", "--force"])),
    ("existing 0640 with force keeps mode", "output", ("file 0640", ["-o", "out.txt", "--force"])),
    ("dangling symlink with force", "output", ("dangling link", ["-o", "out.txt", "--force"])),
    ("dangling symlink no force", "output", ("dangling link", ["-o", "out.txt"])),
    ("symlink to file with force", "output", ("link to file", ["-o", "out.txt", "--force"])),
    ("fifo with force", "output", ("fifo", ["-o", "out.txt", "--force"])),
    ("fifo no force", "output", ("fifo", ["-o", "out.txt"])),
    ("folder", "output", ("folder", ["-o", "out.txt", "--force"])),
    ("dev null with force", "output", ("nothing", ["-o", "/dev/null", "--force"])),
    ("empty name", "output", ("nothing", ["-o", ""])),
    ("dot", "output", ("nothing", ["-o", "."])),
    ("dash is stdout", "output", ("nothing", ["-o", "-"])),
    ("missing folder", "output", ("nothing", ["-o", "no/such/out.txt"])),
    ("stale temporary removed", "output", ("stale temporary", ["-o", "out.txt"])),
    ("live temporary kept", "output", ("live temporary", ["-o", "out.txt"])),
    ("output name with escape", "output", ("nothing", ["schema", "-o", "out\x1b[2J.json"])),
    ("schema to fifo", "output", ("fifo", ["schema", "-o", "out.txt", "--force"])),
    ("ics to dangling link", "output", ("dangling link", ["ics", "-o", "out.txt", "--force"])),
]


def _institution(sections: str) -> str:
    return f"schema_version: 1\nname: t\nsource: t\n{sections}"


_IT_AGENTS = "intrathecal_agents:\n  rdc-blinatumomab/cns-prophylaxis: {agents: [%s], source: x}\n"

INSTITUTION_CASES = [
    (
        "intrathecal vincristine dose",
        "institution",
        _institution("intrathecal:\n  vincristine: {source: x, doses: [{age: '>= 0 years', dose: 2 mg}]}\n"),
    ),
    ("intrathecal vincristine agent", "institution", _institution(_IT_AGENTS % "methotrexate, vincristine")),
    ("intrathecal vinblastine agent", "institution", _institution(_IT_AGENTS % "vinblastine")),
    ("intrathecal vinorelbine salt", "institution", _institution(_IT_AGENTS % "vinorelbine tartrate")),
    ("intrathecal unknown agent", "institution", _institution(_IT_AGENTS % "bortezomib")),
    (
        "intrathecal methotrexate 1200 mg",
        "institution",
        _institution("intrathecal:\n  methotrexate: {source: x, doses: [{age: '>= 0 years', dose: 1200 mg}]}\n"),
    ),
    (
        "intrathecal methotrexate 0.1 g",
        "institution",
        _institution("intrathecal:\n  methotrexate: {source: x, doses: [{age: '>= 0 years', dose: 0.1 g}]}\n"),
    ),
    (
        "intrathecal methotrexate 12 mg is fine",
        "institution",
        _institution(
            "intrathecal:\n  methotrexate: {source: x, doses: [{age: '>= 0 years', dose: 12 mg}]}\n"
            + _IT_AGENTS % "methotrexate"
        ),
    ),
    (
        "vindesine daily intrathecal",
        "institution",
        _institution("administration:\n  vindesine: {duration: 10 min, daily: intrathecal, source: x}\n"),
    ),
    (
        "administration text IT",
        "institution",
        _institution("administration:\n  cytarabine: {daily: once daily IT, source: x}\n"),
    ),
    (
        "regimen intrathecal vincristine",
        "regimen",
        HEADER + PHASE + "intrathecal:\n  - {id: it, name: IT, agents: [vincristine], when: day 1, source: s}\n",
    ),
]

_SCHEDULE = ["schedule", "vicp", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05"]

REVIEW_CASES = [
    ("weight given twice", "cli", [*_SCHEDULE, "--weight", "50kg"]),
    ("weight given twice with =", "cli", [*_SCHEDULE, "--weight=50kg"]),
    ("start given twice", "cli", [*_SCHEDULE, "--start", "2026-02-01"]),
    ("response given twice", "cli", [*_SCHEDULE, "--response", "CR", "--response", "NR"]),
    ("remind given twice", "cli", ["ics", *_SCHEDULE[1:], "--remind", "1d", "--remind", "2d"]),
    ("output given twice", "cli", [*_SCHEDULE, "-o", "a.txt", "--output", "b.txt"]),
    (
        "accept-unusual may repeat",
        "cli",
        [*_SCHEDULE, "--accept-unusual", "bmi", "--accept-unusual", "bsa", "--format", "json"],
    ),
    ("rounding misspelt drug", "rounding", _rounding("  cytarabin: {increment: 50 mg}\n")),
    ("rounding a drug the regimen does not give", "rounding", _rounding("  cytarabine: {increment: 50 mg}\n")),
    (
        "institution intrathecal line misspelt",
        "institution",
        _institution(_IT_AGENTS.replace("prophylaxis", "prophylaxsis") % "methotrexate"),
    ),
    (
        "institution rounding of other regimens' drugs is not flagged as used",
        "institution",
        _institution(
            "rounding:\n  schema_version: 1\n  name: r\n  source: s\n  max_percent: 10\n  drugs:\n    cytarabine: {increment: 50 mg}\n"
        ),
    ),
    ("amount per cm2", "edit", ("amount: 3 mg/m2", "amount: 12 mg/cm2")),
    ("amount per ft2", "edit", ("amount: 3 mg/m2", "amount: 12 mg/ft2")),
    ("amount in lb per m2", "edit", ("amount: 3 mg/m2", "amount: 12 lb/m2")),
    ("amount in kg per m2", "edit", ("amount: 3 mg/m2", "amount: 0.003 kg/m2")),
    ("amount per g of body", "edit", ("amount: 3 mg/m2", "amount: 3 mg/g")),
    ("amount of 1e-16 mg per m2", "edit", ("amount: 3 mg/m2", "amount: 0.0000000000000001 mg/m2")),
    ("amount of 12 x10^-15 mg per m2", "edit", ("amount: 3 mg/m2", "amount: 12 x10^-15 mg/m2")),
    ("amount of 0.001 mcg per m2 is the floor", "edit", ("amount: 3 mg/m2", "amount: 0.001 mcg/m2")),
    ("cap in kg", "edit", ("cap: 4 mg}", "cap: 30 kg}")),
    ("cap in mcg is a mass", "edit", ("cap: 4 mg}", "cap: 4000 mcg}")),
    ("response on a regimen that reads none", "cli", {"--response": "CR"}),
    (
        "observation after the course ends",
        "observations",
        _observations("  - {date: 2100-01-01, toxicities: {crs: 1}}\n"),
    ),
    (
        "observation on the last day of the course",
        "observations",
        _observations("  - {date: 2026-02-01, toxicities: {crs: 1}}\n"),
    ),
    (
        "prior identical lines",
        "prior",
        _prior("  - {drug: daunorubicin, dose: 180 mg/m2}\n  - {drug: daunorubicin, dose: 180 mg/m2}\n"),
    ),
    (
        "prior two courses told apart by a note",
        "prior",
        _prior(
            "  - {drug: daunorubicin, dose: 180 mg/m2, note: '2019'}\n"
            "  - {drug: daunorubicin, dose: 180 mg/m2, note: '2021'}\n"
        ),
    ),
    (
        "rounding bands with a gap",
        "rounding",
        _rounding(
            "  cyclophosphamide:\n    bands:\n      - {low: 900 mg, high: 1000 mg, dose: 950 mg}\n"
            "      - {low: 1100 mg, high: 1200 mg, dose: 1150 mg}\n"
        ),
    ),
    ("schema_version true", "regimen", HEADER.replace("schema_version: 1", "schema_version: true") + PHASE),
    ("observations schema_version true", "observations", "schema_version: true\nentries:\n  - {date: 2026-01-06}\n"),
    ("length_days 2_1", "edit", ("length_days: 28", "length_days: 2_1")),
    ("null key in a free mapping", "observations", _observations("  - {date: 2026-01-06, toxicities: {~: 3}}\n")),
    (
        "observation the day after the course",
        "observations",
        _observations("  - {date: 2026-02-02, toxicities: {crs: 1}}\n"),
    ),
    ("yaml 1.3 directive", "regimen", "%YAML 1.3\n---\n" + HEADER + PHASE),
    ("yaml directive without a version", "regimen", "%YAML\n---\n" + HEADER + PHASE),
    ("validate goes on after a yaml 1.3 file", "cli", ["validate", "YAML13"]),
    (
        "lone surrogate in a regimen text",
        "regimen",
        HEADER.replace("indication: t", 'indication: "te\\ud800st"') + PHASE,
    ),
    (
        "uln of zero",
        "observations",
        _observations(
            "  - {date: 2026-01-06, labs: {bilirubin: 1.2 mg/dL, alt: 30 U/L}}\n",
            "limits: {uln: {bilirubin: 0 mg/dL, alt: 40 U/L}}\n",
        ),
    ),
    (
        "baseline of zero",
        "observations",
        _observations("  - {date: 2026-01-06}\n", "limits: {baseline: {creatinine: 0 mg/dL}}\n"),
    ),
    (
        "uln in units the value cannot be compared with",
        "observations",
        _observations(
            "  - {id: labs-d2, date: 2026-01-06, labs: {bilirubin: 1.2 mg/dL, alt: 30 U/L}}\n",
            "limits: {uln: {bilirubin: 34 umol/L, alt: 40 U/L}}\n",
        ),
    ),
    ("observation weight without a unit", "observations", _observations("  - {date: 2026-01-06, weight: 50}\n")),
    ("amount with a decimal comma in a flow mapping", "edit", ("amount: 3 mg/m2", "amount: 100,5 mg/m2")),
    ("institution unknown field", "institution", _institution("whatever: 1\n")),
    (
        "vial sizes listed twice",
        "rounding",
        _rounding("  idarubicin: {vials: [5 mg, 0.005 g]}\n"),
    ),
    ("age 6 weeks for a tall child", "cli", {"--age": "6 weeks", "--height": "100cm", "--weight": "12kg"}),
    ("regimen line of vindesine IT", "edit", ("route: IV", "route: IT")),
    (
        "regimen line of methotrexate IT 1200 mg",
        "regimen",
        HEADER
        + PHASE.replace("drug: vindesine, route: IV", "drug: methotrexate, route: IT").replace(
            "dose: {basis: bsa, amount: 3 mg/m2}", "dose: {basis: flat, amount: 1200 mg}"
        ),
    ),
    (
        "regimen line of methotrexate IT per m2",
        "regimen",
        HEADER + PHASE.replace("drug: vindesine, route: IV", "drug: methotrexate, route: IT"),
    ),
    (
        "regimen line of methotrexate IT 12 mg is fine",
        "regimen",
        HEADER
        + PHASE.replace("drug: vindesine, route: IV", "drug: methotrexate, route: IT").replace(
            "dose: {basis: bsa, amount: 3 mg/m2}", "dose: {basis: flat, amount: 12 mg}"
        ),
    ),
    (
        "premedication of vincristine IT",
        "institution",
        _institution(
            "premedication:\n  inotuzumab-corticosteroid:\n    agent: vincristine\n    route: IT\n"
            "    dose: {basis: flat, amount: 2 mg}\n    source: x\n"
        ),
    ),
    (
        "premedication key misspelt",
        "institution",
        _institution(
            "premedication:\n  inotuzumab-corticosteriod:\n    agent: methylprednisolone\n    route: IV\n"
            "    dose: {basis: flat, amount: 100 mg}\n    source: x\n"
        ),
    ),
    ("output given twice attached", "cli", [*_SCHEDULE, "-oa.txt", "-o", "b.txt"]),
    (
        "intrathecal source naming vincristine",
        "institution",
        _institution(
            "intrathecal_agents:\n  rdc-blinatumomab/cns-prophylaxis:\n    agents: [methotrexate]\n"
            "    source: protocol 7.1 (methotrexate with vincristine 2 mg IT)\n"
        ),
    ),
    (
        "regimen intrathecal text naming vindesine",
        "regimen",
        HEADER + PHASE + "intrathecal:\n  - {id: it, name: IT vindesine, when: day 1, source: s}\n",
    ),
]


CASES = [
    *YAML_CASES,
    *EDIT_CASES,
    *OBSERVATION_CASES,
    *PRIOR_CASES,
    *ROUNDING_CASES,
    *CLI_CASES,
    *OUTPUT_CASES,
    *INSTITUTION_CASES,
    *REVIEW_CASES,
]
