"""Colab: every notebook's badge and set-up cell agree with the one address in pyproject.toml, and the set-up cell
acts only on Colab."""
import ast
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCRIPT = ROOT / "scripts" / "colab_cells.py"
colab = load_script("scripts/colab_cells.py")

ADDRESS = colab.read_address(ROOT / "pyproject.toml")  # the one place
LAB_DIR = f"/content/{ADDRESS.name}"


def cells_of(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def text(cell):
    return "".join(cell["source"])


def setup_cell(cells):
    found = [i for i, cell in enumerate(cells) if cell.get("id") == colab.SETUP_ID]
    assert len(found) == 1, f"expected one cell with id {colab.SETUP_ID!r}, found {len(found)}"
    return found[0], cells[found[0]]


def as_python(source):
    """The cell as the IPython kernel runs it (`!` and `%` lines become calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def test_address_is_read_from_pyproject():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        url = colab.tomllib.load(handle)["project"]["urls"]["Repository"]
    assert ADDRESS.url == url.removesuffix("/").removesuffix(".git")
    assert ADDRESS.branch


def test_an_address_colab_cannot_open_is_refused(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project.urls]\nRepository = "https://gitlab.com/a/b"\n')
    with pytest.raises(SystemExit, match="GitHub only"):
        colab.read_address(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("table, message", [
    ('branch = "main"', "set student_branch"),
    ('branch = "main"\nstudent_branch = "main"', "not 'main', the solutions' branch"),
], ids=["unset", "the-solutions-branch"])
def test_the_student_edition_needs_a_branch_of_its_own(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(
        f'[project.urls]\nRepository = "https://github.com/a/b"\n[tool.colab_cells]\n{table}\n')
    assert colab.read_address(tmp_path / "pyproject.toml").branch == "main"
    with pytest.raises(SystemExit, match=message):
        colab.read_address(tmp_path / "pyproject.toml", student=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_badge_opens_this_notebook_from_the_repository(path):
    first = cells_of(path)[0]
    assert first["cell_type"] == "markdown"
    links = [match.group(0) for match in colab.BADGE_RE.finditer(text(first))]
    assert len(links) == 1, "the first cell should hold exactly one 'Open in Colab' badge"
    assert links[0].endswith(
        f"(https://colab.research.google.com/github/{ADDRESS.owner}/{ADDRESS.name}/blob/{ADDRESS.branch}"
        f"/notebooks/{path.name})")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_clones_the_repository_only_on_colab_before_lab_utils_is_imported(path):
    cells = cells_of(path)
    index, cell = setup_cell(cells)
    source = text(cell)
    assert cell["cell_type"] == "code" and cell["outputs"] == []
    assert f"git clone --quiet --depth 1 --branch {ADDRESS.branch} {ADDRESS.url} " in source
    # Everything it does sits under one Colab check.
    body = ast.parse(as_python(source)).body
    assert [type(node) for node in body] == [ast.Import, ast.If]
    guard = body[1]
    assert ast.unparse(guard.test) == "'google.colab' in sys.modules" and not guard.orelse
    imports_lab = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and colab.IMPORTS_LAB.search(text(c))]
    assert imports_lab and index < imports_lab[0], "the Colab cell must run before lab_utils is imported"
    assert all(c["cell_type"] != "code" for c in cells[:index]), "the Colab cell should be the first code cell"
    assert colab.process(path, ADDRESS, check=True) == [], "run `python scripts/colab_cells.py`"


def test_setup_cell_does_nothing_and_prints_nothing_off_colab(monkeypatch, capfd):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    path_before, cwd_before = list(sys.path), os.getcwd()
    namespace = {}
    exec(as_python(colab.setup_source(ADDRESS)), namespace)
    assert capfd.readouterr() == ("", "")
    assert sys.path == path_before and os.getcwd() == cwd_before
    assert set(namespace) <= {"__builtins__", "sys"}


def test_setup_cell_on_colab_clones_installs_keeping_tensorflow_and_changes_folder(monkeypatch):
    calls = []
    shell = types.SimpleNamespace(system=lambda cmd: calls.append(("!", cmd)),
                                  run_line_magic=lambda name, line: calls.append(("%" + name, line)))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(os.path, "isdir", lambda path: False)
    monkeypatch.setattr(os, "chdir", lambda path: calls.append(("chdir", path)))
    namespace = {"get_ipython": lambda: shell}
    exec(as_python(colab.setup_source(ADDRESS)), namespace)
    expanded = [(kind, arg.format(**namespace)) for kind, arg in calls]  # IPython expands {lab_dir} the same way
    assert expanded == [
        ("!", f"git clone --quiet --depth 1 --branch {ADDRESS.branch} {ADDRESS.url} {LAB_DIR}"),
        ("%pip", f"install --quiet -e {LAB_DIR}"),
        ("chdir", f"{LAB_DIR}/notebooks"),
    ]
    assert sys.path[0] == LAB_DIR
    # No upgrade flag and no TensorFlow or Keras named: pip keeps Colab's when it meets the lab's lower bounds.
    assert not {"-U", "--upgrade", "--force-reinstall", "tensorflow", "keras"} & set(expanded[1][1].split())


def minimal_notebook(first_cell_is_title=True):
    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# 07 · A title\n", "\n", "Goals."]},
        {"cell_type": "markdown", "id": "setup", "metadata": {}, "source": ["## Setup"]},
        {"cell_type": "code", "execution_count": 1, "id": "imports", "metadata": {}, "outputs": [],
         "source": ["import lab_utils as lab"]},
    ]
    if not first_cell_is_title:
        cells = cells[1:]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize("first_cell_is_title", [True, False], ids=["title-first", "no-title"])
def test_script_is_idempotent(tmp_path, first_cell_is_title):
    path = tmp_path / "07_new.ipynb"
    path.write_text(colab.dumps(minimal_notebook(first_cell_is_title)), encoding="utf-8")
    assert colab.process(path, ADDRESS) == ["badge missing", "set-up cell missing"]
    once = path.read_bytes()
    assert colab.process(path, ADDRESS) == [] and path.read_bytes() == once
    cells = cells_of(path)
    if first_cell_is_title:
        assert text(cells[0]).startswith(f"# 07 · A title\n\n{colab.badge(ADDRESS, path.name)}\n\nGoals.")
    else:
        assert cells[0]["id"] == colab.BADGE_ID
    assert [c["id"] for c in cells][-2:] == [colab.SETUP_ID, "imports"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_script_adds_its_two_cells_and_changes_nothing_else(tmp_path, path):
    """Without its cells, a notebook comes back from the script byte for byte as committed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if c.get("id") != colab.SETUP_ID]
    colab._set_text(nb["cells"][0], text(nb["cells"][0]).replace(f"{colab.badge(ADDRESS, path.name)}\n\n", ""))
    copy = tmp_path / path.name
    copy.write_text(colab.dumps(nb), encoding="utf-8")
    for _ in range(2):
        colab.process(copy, ADDRESS)
        same = _without_setup_count(copy) == _without_setup_count(path)  # a bool: pytest's diff of MBs would hang
        assert same, f"the script changed more than its two cells in {path.name}"


def _without_setup_count(path):
    """The notebook's JSON text without what running the set-up cell adds to it (its count, its timing metadata)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("id") == colab.SETUP_ID:
            cell["execution_count"] = None
            cell["metadata"] = {}
    return colab.dumps(nb)


def run_script(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_check_mode_fails_on_a_stale_address_and_writes_nothing(tmp_path):
    current, stale = tmp_path / NOTEBOOKS[0].name, tmp_path / "99_stale.ipynb"
    shutil.copy(NOTEBOOKS[0], current)
    old = NOTEBOOKS[0].read_text(encoding="utf-8").replace(NOTEBOOKS[0].name, stale.name)
    stale.write_text(old.replace(f"{ADDRESS.owner}/{ADDRESS.name}", "someone-else/old-lab"), encoding="utf-8")
    before = stale.read_bytes()

    result = run_script("--check", current)
    assert (result.returncode, result.stdout) == (0, "")
    result = run_script("--check", current, stale)
    assert result.returncode == 1
    assert f"{stale}: badge out of date, set-up cell out of date" in result.stdout
    assert str(current) not in result.stdout
    assert stale.read_bytes() == before

    assert run_script(stale).returncode == 0
    assert run_script("--check", stale).returncode == 0
