"""Fuzzing the regimen loader with mutated bundled files (hypothesis): any input either loads or
fails with a clean InputFileError naming places in the file; nothing else may escape.
A longer run: python bench/fuzz_loader.py [count]."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimencalc.errors import InputFileError
from regimencalc.protocol.bundled import bundled_dir, bundled_ids
from regimencalc.protocol.loader import parse_regimen

TEXTS = {r: (bundled_dir() / f"{r}.yaml").read_text(encoding="utf-8") for r in bundled_ids()}
TOKENS = [
    "",
    "NO",
    "yes",
    "1:30",
    "010",
    "-1",
    "0",
    "1e999",
    "nan",
    "~",
    "[]",
    "{}",
    "'",
    '"',
    ":",
    "- ",
    "&a",
    "*a",
    "0.8 x10^9/L",
    "3 mg/kg",
    "mg/m2",
    "999999999999999999999",
    "\t",
    "\x00",
    "é",
    "🙂",
    "!!python/object:os.system",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = TEXTS[draw(st.sampled_from(sorted(TEXTS)))].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "replace-value", "insert", "indent", "truncate"]))
        if kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, lines[index])
        elif kind == "replace-value" and ":" in lines[index]:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(TOKENS) | st.text(max_size=12))}"
        elif kind == "insert":
            lines.insert(index, draw(st.sampled_from(TOKENS) | st.text(max_size=20)))
        elif kind == "indent":
            lines[index] = " " * draw(st.integers(0, 6)) + lines[index].lstrip()
        else:
            lines = lines[: index + 1]
        if not lines:
            lines = [""]
    return "\n".join(lines)


def load_or_fail_cleanly(text: str) -> None:
    """The property: a mutated file loads, or is refused with located problems; nothing else escapes."""
    try:
        parse_regimen(text, "mutated.yaml")
    except InputFileError as exc:
        assert exc.problems and all(p.line >= 1 and p.column >= 1 and p.message for p in exc.problems)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_regimen_files_load_or_fail_cleanly(text):
    load_or_fail_cleanly(text)
