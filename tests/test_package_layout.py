"""The two packages and their boundary: lab_utils teaches (small, every name used by a notebook); bench measures.

Read from the source files, so these tests import neither package and take a fraction of a second.
"""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "lab_utils"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_EXPORTS, MAX_LINES, MAX_MODULE_LINES = 40, 2_000, 400
# Inside lab_utils, a module may import only those in a lower layer or its own: plots and training stand above data
# and profiles, never the reverse.
LAYERS = {
    "checks": 0, "io": 0, "environment": 0,
    "data": 1, "precision": 1, "profiles": 2,
    "models": 3, "digits": 3,
    "training": 4, "plots": 4, "experiments": 5, "inspect": 5, "own_digit": 5, "artifacts": 5,
    "session": 6, "__init__": 9,
}


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports, as (dotted name, level): level 1 for `from . import x`, 0 for absolute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            found += [(f"{base}.{alias.name}".strip("."), node.level) if not base else (base, node.level)
                      for alias in node.names]
    return found


def notebook_code(paths=NOTEBOOKS) -> str:
    cells = [cell for path in paths for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def exported_names() -> list[str]:
    tree = ast.parse((LAB / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return [element.value for element in node.value.elts]
    raise AssertionError("lab_utils/__init__.py has no __all__")


def test_lab_utils_exports_few_names_and_every_one_is_called_by_a_notebook():
    names, code = exported_names(), notebook_code()
    assert len(names) <= MAX_EXPORTS, f"lab_utils exports {len(names)} names; at most {MAX_EXPORTS}"
    assert len(set(names)) == len(names), "a name is listed twice in __all__"
    unused = [name for name in names if not re.search(rf"\blab\.{name}\b", code)]
    assert not unused, f"exported but called by no notebook (import it from its module instead): {unused}"


def test_every_lab_name_a_notebook_calls_is_exported():
    called = set(re.findall(r"\blab\.([A-Za-z_]\w*)", notebook_code()))
    missing = sorted(called - set(exported_names()))
    assert not missing, f"notebooks call lab.{missing}, which lab_utils/__init__.py does not export"


def test_lab_utils_is_small():
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in LAB.glob("*.py")}
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
    assert sum(sizes.values()) <= MAX_LINES, f"lab_utils has {sum(sizes.values())} lines; at most {MAX_LINES}"


@pytest.mark.parametrize("path", [*sorted(LAB.glob("*.py")), *NOTEBOOKS], ids=lambda p: p.name)
def test_nothing_the_notebooks_use_imports_bench(path):
    if path.suffix == ".ipynb":
        text = notebook_code([path])
        assert not re.search(r"^\s*(import|from)\s+bench\b", text, re.M), f"{path.name} imports bench"
    else:
        bad = [name for name, level in imports_of(path) if level == 0 and name.split(".")[0] == "bench"]
        assert not bad, f"lab_utils/{path.name} imports {bad}: bench may import lab_utils, never the reverse"


@pytest.mark.parametrize("path", sorted(LAB.glob("*.py")), ids=lambda p: p.name)
def test_lab_utils_modules_import_only_lower_layers_and_no_private_names(path):
    me = path.stem
    assert me in LAYERS, f"lab_utils/{path.name} has no layer in this test: add it to LAYERS"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0 and not (node.module or "").startswith("lab_utils"):
            continue
        module = (node.module or "").removeprefix("lab_utils").strip(".")
        targets = [module] if module else [alias.name for alias in node.names]
        for target in targets:
            other = target.split(".")[0]
            if other in LAYERS and me != "__init__":
                assert LAYERS[other] < LAYERS[me] or other == me, (
                    f"lab_utils/{path.name} (layer {LAYERS[me]}) imports {other} (layer {LAYERS[other]}): "
                    "a module may import only from the layers below it")
        if module and me != "__init__":
            private = [alias.name for alias in node.names if alias.name.startswith("_")]
            assert not private, f"lab_utils/{path.name} imports private {private} from {module}: make them public"


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_bench_imports_no_private_name_of_lab_utils(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lab_utils"):
            private = [alias.name for alias in node.names if alias.name.startswith("_")]
            assert not private, f"bench/{path.name} imports private {private} from {node.module}"


def test_no_script_writes_the_top_level_readme():
    for folder in ("scripts", "benchmarks", "bench"):
        for path in (ROOT / folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"""ROOT\s*/\s*["']README\.md["']""", text), (
                f"{folder}/{path.name} names the top-level README.md: write generated tables under results/ or docs/")
