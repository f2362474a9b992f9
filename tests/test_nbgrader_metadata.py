"""nbgrader: each exercise's answer cell and self-check carry nbgrader's cell metadata (scripts/nbgrader_metadata.py),
and the script changes nothing but cell metadata. scripts/nbgrader_check.py runs nbgrader itself (.ci/nbgrader)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
metadata = load_script("scripts/nbgrader_metadata.py")
colab = load_script("scripts/colab_cells.py")


def answer(grade_id):
    """nbgrader's metadata (schema 3) of a solution cell that is not graded by itself."""
    return {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": True,
            "task": False}


def check(grade_id):
    """nbgrader's metadata (schema 3) of an autograded test cell worth one point, locked."""
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": 1, "schema_version": 3,
            "solution": False, "task": False}


def cells_of(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def without_nbgrader(path):
    """The notebook's JSON text with every cell's nbgrader metadata taken out."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    return colab.dumps(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_are_up_to_date(path):
    assert metadata.process(path, check=True) == [], "run `python scripts/nbgrader_metadata.py`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_answer_is_a_solution_cell_and_its_self_check_a_one_point_test(path):
    cells, prefix = cells_of(path), f"nb{path.name[:2]}"
    marked = [(i, cell["metadata"]["nbgrader"]) for i, cell in enumerate(cells) if "nbgrader" in cell["metadata"]]
    exercises = len(marked) // 2
    assert exercises >= 2 and len(marked) == 2 * exercises
    for k, ((i, first), (j, second)) in enumerate(zip(marked[::2], marked[1::2]), start=1):
        assert "### BEGIN SOLUTION" in "".join(cells[i]["source"]) and first == answer(f"{prefix}-ex{k}-answer")
        assert "".join(cells[j]["source"]).startswith(f"# Self-check for exercise {k}\n")
        assert second == check(f"{prefix}-ex{k}-check") and j == i + 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbgrader_accepts_the_metadata(path):
    """nbgrader's own validator (only where nbgrader is installed, as in .ci/nbgrader's environment)."""
    v3 = pytest.importorskip("nbgrader.nbgraderformat.v3")
    import nbformat

    v3.MetadataValidatorV3().validate_nb(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_script_adds_the_metadata_and_changes_nothing_else(tmp_path, path):
    """Without its metadata, a notebook comes back from the script byte for byte as committed, and again unchanged."""
    copy = tmp_path / path.name
    copy.write_text(without_nbgrader(path), encoding="utf-8")
    assert metadata.process(copy)
    same = copy.read_bytes() == path.read_bytes()  # a bool: pytest's diff of MBs would hang
    assert same, f"the script changed more than cell metadata in {path.name}"
    assert metadata.process(copy) == [] and copy.read_bytes() == path.read_bytes()


def small_notebook():
    code = [("x = 1", {"nbgrader": answer("old")}), ("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", {}),
            ("# Self-check for exercise 1\nassert answer == 42", {"nbgrader": check("nb07-ex1-check") | {"points": 5}})]
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": meta, "outputs": [],
              "source": source.splitlines(keepends=True)} for i, (source, meta) in enumerate(code)]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_stale_metadata_is_removed_or_corrected():
    nb = small_notebook()
    assert metadata.update_notebook(nb, "07_new.ipynb") == [
        "cell 0: nbgrader metadata removed", "cell 1: nb07-ex1-answer", "cell 2: nb07-ex1-check"]
    assert [cell["metadata"].get("nbgrader") for cell in nb["cells"]] == [
        None, answer("nb07-ex1-answer"), check("nb07-ex1-check")]
    assert metadata.update_notebook(nb, "07_new.ipynb") == []


def run_script(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "nbgrader_metadata.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_check_mode_fails_on_a_stale_notebook_and_writes_nothing(tmp_path):
    stale = tmp_path / "07_new.ipynb"
    stale.write_text(colab.dumps(small_notebook()), encoding="utf-8")
    before = stale.read_bytes()
    result = run_script("--check", stale)
    assert result.returncode == 1 and f"{stale}: 3 cell(s) out of date" in result.stdout
    assert stale.read_bytes() == before
    assert run_script(stale).returncode == 0 and run_script("--check", stale).returncode == 0


def checked_twice():
    nb = small_notebook()
    nb["cells"].append(nb["cells"][2])
    return colab.dumps(nb)


@pytest.mark.parametrize("name, text, message", [
    ("07_new.ipynb", lambda: "not json", "cannot be read as a notebook"),
    ("new.ipynb", lambda: colab.dumps(small_notebook()), "should start with the notebook's number"),
    ("07_twice.ipynb", checked_twice, "share nbgrader's grade id nb07-ex1-check"),
], ids=["not-json", "no-number", "same-id-twice"])
def test_bad_input_is_refused_in_one_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text(), encoding="utf-8")
    result = run_script(path)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_nbgrader_check_refuses_bad_input_without_a_traceback(tmp_path):
    """Without nbgrader it says how to get it; with it, a missing notebook is named (exit 2 either way)."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "nbgrader_check.py"), "--notebook",
                             tmp_path / "missing.ipynb"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nbgrader is not installed" in result.stderr or "missing.ipynb: cannot be read" in result.stderr
