"""Every notebook as a student opens it: title, learning goals first, summary then exercises, clean committed outputs."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NOISE = ("Warning", "WARNING", "Traceback", "E0000", "I0000", "W0000")


def headings(cells):
    return [line for c in cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("#")]


def test_the_notebooks_are_numbered_in_teaching_order_without_gaps():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), f"notebooks should be numbered 00, 01, ... without gaps: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_title_and_learning_goals_open_the_notebook(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {path.name[:2]} · \S", first.source), "the first line is the title: '# NN · Name'"
    assert "**Learning goals.**" in first.source, "the learning goals are in the first cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_summary_comes_before_the_exercises_at_the_end(path):
    found = headings(nbformat.read(path, as_version=4).cells)
    assert "## Summary" in found and "## Exercises" in found
    assert found.index("## Summary") < found.index("## Exercises") == len(found) - 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_keras_3_idioms_only(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    for old in ("input_shape=", "input_dim=", "np_utils", "from tensorflow import keras", "tf.keras"):
        assert old not in code, f"{old} is not a Keras 3 idiom: use keras.Input(shape=...) and keras.utils"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_clean(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert any(c.get("execution_count") for c in cells), "commit the notebook with the outputs of a full run"
    for i, cell in enumerate(cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"code cell {i} shows a traceback"
            if out.output_type == "stream" and out.name == "stderr":
                assert not any(word in out.text for word in NOISE), f"code cell {i} shows log noise: {out.text[:80]!r}"
        assert len(cell.source.splitlines()) <= 30, f"code cell {i} is too long: one idea per cell"
