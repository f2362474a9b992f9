"""The notebooks teach Keras, not the apparatus: student-written Keras in 04 and 05, one set-up cell, no measurement talk.

These read the committed notebooks (their sources and their full-profile outputs) as a student opens them.
"""
import re
from pathlib import Path

import nbformat
import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KERAS_NOTEBOOKS = [path for path in NOTEBOOKS if path.name[:2] in ("04", "05")]
edition = load_script("scripts/make_student_edition.py")

# Words of the measuring apparatus: CPU models and instruction sets, sessions and budgets, run identities, tf.data's
# tuning threads. The facts behind them live in docs/behind_the_numbers.md and results/README.md.
APPARATUS = re.compile(r"EPYC|AVX|AMX|session|budget|config[ _]hash|autotun", re.IGNORECASE)
# One use of the Keras API: a layer, a model, compile, fit, evaluate, predict, summary, a callback, a schedule, a loss,
# an optimizer, or a Keras utility.
KERAS_USE = re.compile(r"\blayers\.[A-Z]\w*\(|\bkeras\.(?:Input|Sequential|optimizers|callbacks|losses|utils|ops)\b"
                       r"|\.(?:compile|fit|evaluate|predict|summary|count_params)\(")
MAX_WIDTH = 118  # characters of a code line or a printed line that fit a JupyterLab page at 1400 px


def cells(path, kind=None):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if kind is None or c.cell_type == kind]


def shown_text(cell):
    """What a student reads of a cell: its markdown, or the text its outputs print."""
    if cell.cell_type == "markdown":
        return cell.source
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
        elif out.output_type == "error":
            parts.append(" ".join(out.get("traceback", [])))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_measurement_talk_in_prose_or_outputs(path):
    for index, cell in enumerate(cells(path)):
        found = APPARATUS.search(shown_text(cell))
        assert not found, (f"cell {index} says {found.group(0)!r}: measurement facts belong in "
                           "docs/behind_the_numbers.md or results/README.md, not in what a student reads")


@pytest.mark.parametrize("path", KERAS_NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_writes_its_keras(path):
    code = "\n".join(c.source for c in cells(path, "code"))
    uses = KERAS_USE.findall(code)
    assert len(uses) >= 15, f"only {len(uses)} Keras API uses in the code cells: the student should see the Keras"
    for needed in (".compile(", ".fit(", "keras.Sequential", "keras.Input"):
        assert needed in code, f"{needed} is nowhere in the notebook's own code"


@pytest.mark.parametrize("path", KERAS_NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_writes_keras_in_at_least_five_exercises(path):
    keras_stubs = 0
    for cell in cells(path, "code"):
        if edition.BEGIN not in cell.source:
            continue
        solution = cell.source.split(edition.BEGIN, 1)[1].split(edition.END, 1)[0]
        keras_stubs += bool(KERAS_USE.search(solution))
    assert keras_stubs >= 5, f"{keras_stubs} exercises leave Keras to write in the student edition; at least 5"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_setup_cell_right_after_the_colab_cell(path):
    code = cells(path, "code")
    ids = [c.get("id") for c in code]
    assert "colab-setup" in ids, "the Colab cell (id colab-setup) comes first"
    setup = code[ids.index("colab-setup") + 1]
    assert "lab.setup(" in setup.source, "the code cell after the Colab cell is the one set-up cell: lab.setup(...)"
    everything = "\n".join(c.source for c in code)
    assert everything.count("lab.setup(") == 1, "lab.setup is called once"
    for apparatus in ("check_versions(", "use_best_precision(", "get_profile(", "profile.epochs(", "profile.subset("):
        assert apparatus not in everything, f"{apparatus} in the notebook: lab.setup and plain `epochs = ...` do that"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_wider_than_the_page(path):
    for index, cell in enumerate(cells(path, "code")):
        for line in cell.source.splitlines():
            assert len(line) <= MAX_WIDTH, f"code cell {index} has a line of {len(line)} characters: {line[:60]}..."
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                for line in re.sub(r"\x1b\[[0-9;]*m", "", out.text).splitlines():  # without the colour codes
                    assert len(line) <= MAX_WIDTH, (
                        f"code cell {index} prints a line of {len(line)} characters: {line[:60]}...")


MACHINE_PATH = re.compile(r"(?<![\w.$~/])/(?:srv|home|root|tmp|work|Users|mnt|opt|var|data)/")
DEFAULT_MODEL_NAME = re.compile(r'Model: "(?:sequential|functional|model)(?:_\d+)?"')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_shows_a_machines_folders_or_a_default_model_name(path):
    for index, cell in enumerate(cells(path, "code")):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(
                "".join(value) for kind, value in output.get("data", {}).items() if kind.startswith("text/"))
            assert not MACHINE_PATH.search(text), f"code cell {index} prints a machine's path: {text[:200]}"
            assert not DEFAULT_MODEL_NAME.search(text), (
                f"code cell {index} shows a model with Keras's default name: give it name=... where it is built")


def test_the_post_its_course_and_mnists_paper_are_credited_where_a_reader_meets_them():
    post, course = "Сверточная нейронная сеть для распознавания рукописных цифр MNIST", "sozykin/dlpython_course"
    notebook_02 = nbformat.read(NOTEBOOKS[2], as_version=4).cells[0].source
    for name, text in [("README.md", (ROOT / "README.md").read_text(encoding="utf-8")), ("notebook 02", notebook_02),
                       ("the teacher guide", (ROOT / "docs" / "teacher_guide.md").read_text(encoding="utf-8"))]:
        assert post in " ".join(text.split()) and course in text, f"{name} does not name the post and its code"
    paper = "Gradient-based learning applied to document recognition"
    notebook_00 = " ".join(cell.source for cell in nbformat.read(NOTEBOOKS[0], as_version=4).cells)
    assert paper in " ".join(notebook_00.split()), "notebook 00 does not cite MNIST's paper where it describes MNIST"
    assert paper in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_set_up_cell_prints_one_line(path):
    [setup] = [cell for cell in cells(path, "code") if "lab.setup(" in cell.source]
    printed = shown_text(setup).strip().splitlines()
    assert len(printed) == 1 and "TensorFlow" in printed[0], f"the set-up cell prints {printed}"
