"""The shape of the package: imports point one way, one unit registry, bundled data installed."""

from __future__ import annotations

import ast
from pathlib import Path

import regimencalc

PACKAGE = Path(regimencalc.__file__).parent
OUTER = {"regimencalc.cli", "regimencalc.web", "regimencalc.render", "regimencalc.__main__"}
#: The layers, top to bottom: a module may import its own layer and the layers below it, never above.
#: A new subpackage or top-level module must be placed here (the test below fails until it is).
LAYERS = (
    "regimencalc",
    "__main__",
    "cli",
    "web",
    "render",
    "batch",
    "planner",
    "replan",
    "dosing",
    "safety",
    "protocol",
    "flags",
    "course",
    "display",
    "errors",
)
MAX_TOP_LEVEL_MODULES = 8
COMPUTING = {"regimencalc.dosing.dose", "regimencalc.planner", "regimencalc.dosing.bsa", "regimencalc.protocol.units"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "regimencalc" and [alias.name for alias in node.names] == ["__version__"]:
                continue  # the package's version: a literal, set before any module of the package loads
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_imports() -> list[tuple[str, str]]:
    """(importing module, imported regimencalc module) for every import, lazy ones included."""
    return [
        (module_name(path), imported)
        for path in sources()
        for imported in imports_of(path)
        if imported == "regimencalc" or imported.startswith("regimencalc.")
    ]


def test_every_subpackage_and_top_level_module_has_its_place_in_the_layers():
    units = {layer_of(module_name(path)) for path in sources()}
    assert units <= set(LAYERS), f"not placed in LAYERS: {units - set(LAYERS)}"


def test_imports_point_down_the_layers_so_no_cycle_between_subpackages():
    upward = [
        f"{importer} imports {imported}"
        for importer, imported in package_imports()
        if LAYERS.index(layer_of(imported)) < LAYERS.index(layer_of(importer))
    ]
    assert not upward, "\n".join(upward)


def test_the_layer_order_puts_the_orchestrator_above_what_it_calls():
    assert LAYERS.index(layer_of("regimencalc.planner")) < LAYERS.index(layer_of("regimencalc.protocol.loader"))
    assert LAYERS.index(layer_of("regimencalc.render.sheet")) < LAYERS.index(layer_of("regimencalc.dosing.dose"))


def test_the_top_of_the_package_stays_small_and_every_subpackage_says_what_belongs_there():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "belongs here" in doc and "May import" in doc, f"{init.parent.name}/__init__.py"


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


def test_the_web_front_end_plans_through_the_planner_and_computes_nothing_itself():
    used = {i for path in (PACKAGE / "web").glob("*.py") for i in imports_of(path)}
    assert used & COMPUTING == {"regimencalc.planner", "regimencalc.dosing.bsa"}  # plan_typed; formula names
    assert "regimencalc.cli" not in used


def test_one_unit_registry():
    owners = [module_name(p) for p in sources() if "UnitRegistry(" in p.read_text(encoding="utf-8")]
    assert owners == ["regimencalc.protocol.units"]


def test_bundled_regimens_and_schema_are_installed_with_the_package():
    bundled = PACKAGE / "regimens"
    assert len(list(bundled.glob("*.yaml"))) == 8
    assert (bundled / "regimen.schema.json").is_file()
    assert (PACKAGE / "protocol" / "units.txt").is_file()
    assert len(list((PACKAGE / "drugs").glob("*.yaml"))) >= 2


def test_every_cited_provenance_note_exists_in_the_checkout():
    from regimencalc.protocol.bundled import bundled_ids
    from regimencalc.protocol.loader import load_regimen

    root = Path(__file__).resolve().parents[1]
    notes = {s.note for r in bundled_ids() for s in load_regimen(r).sources.values() if s.note}
    assert notes == {f"seeds/{p.name}" for p in (root / "seeds").glob("*.md")}
    assert all((root / note).is_file() for note in notes)


def test_the_version_is_written_once_in_the_package_and_read_by_the_build():
    import importlib.metadata
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "regimencalc.__version__"}
    assert importlib.metadata.version("regimencalc") == regimencalc.__version__  # as installed
