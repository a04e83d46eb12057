"""The shape of the package: imports point one way, one unit registry, bundled data installed."""

from __future__ import annotations

import ast
from pathlib import Path

import regimencalc

PACKAGE = Path(regimencalc.__file__).parent
OUTER = {"regimencalc.cli", "regimencalc.render", "regimencalc.output", "regimencalc.__main__"}
COMPUTING = {"regimencalc.dosing", "regimencalc.planner", "regimencalc.formulas", "regimencalc.units"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_core_never_imports_the_cli_renderers_or_click():
    for path in sources():
        name = module_name(path)
        if any(name == o or name.startswith(o + ".") for o in OUTER):
            continue
        bad = {i for i in imports_of(path) if i == "click" or any(i == o or i.startswith(o + ".") for o in OUTER)}
        assert not bad, f"{name} imports {bad}"


def test_renderers_never_compute_doses():
    for path in (PACKAGE / "render").glob("*.py"):
        bad = imports_of(path) & COMPUTING
        assert not bad, f"{module_name(path)} imports {bad}"


def test_one_unit_registry():
    owners = [module_name(p) for p in sources() if "UnitRegistry(" in p.read_text(encoding="utf-8")]
    assert owners == ["regimencalc.units"]


def test_bundled_regimens_and_schema_are_installed_with_the_package():
    bundled = PACKAGE / "regimens"
    assert len(list(bundled.glob("*.yaml"))) == 8
    assert (bundled / "regimen.schema.json").is_file()
    assert (PACKAGE / "units.txt").is_file()


def test_every_cited_provenance_note_exists_in_the_checkout():
    from regimencalc.loader import bundled_ids, load_regimen

    root = Path(__file__).resolve().parents[1]
    notes = {s.note for r in bundled_ids() for s in load_regimen(r).sources.values() if s.note}
    assert notes == {f"seeds/{p.name}" for p in (root / "seeds").glob("*.md")}
    assert all((root / note).is_file() for note in notes)
