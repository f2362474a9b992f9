"""scripts/grade.py: a tiny teacher's notebook, one submission of each kind, all graded in one run of the command.

The notebook needs no TensorFlow: a lesson cell reads ../results/ and samples/ and the profile, and three exercises
use them. The one run (module-scoped) grades every submission in kernels of its own; the other tests call the
script's functions.
"""
import copy
import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
grader = load_script("scripts/grade.py")
edition = load_script("scripts/make_student_edition.py")

LESSON = ("import os\nprofile = os.environ['LAB_PROFILE']\nbase = int(open('../results/base.txt').read())\n"
          "word = open('samples/word.txt').read().strip()")
ANSWERS = ["### BEGIN SOLUTION\ndouble = 2 * base\n### END SOLUTION",
           "### BEGIN SOLUTION\nshout = word.upper()\n### END SOLUTION",
           "### BEGIN SOLUTION\nmode = profile\n### END SOLUTION"]
CHECKS = ["# Self-check for exercise 1\nassert double == 2 * base, f'double should be {2 * base}, got {double}'",
          "# Self-check for exercise 2\nassert shout == 'HELLO', f'shout should be HELLO, got {shout!r}'",
          "# Self-check for exercise 3\nassert mode == 'smoke', f'mode should be the profile, got {mode!r}'"]
TIMEOUT = 6  # seconds per notebook: the tiny notebook needs well under one, the infinite loop all of them


def teacher_notebook(prefix="t"):
    """The teacher's tiny notebook: cells t-01 to t-09, the lesson in t-02, exercise N's answer and check after it."""
    cells = [nbformat.v4.new_markdown_cell("# A tiny lab"), nbformat.v4.new_code_cell(LESSON),
             nbformat.v4.new_markdown_cell("## Exercises")]
    for number, (answer, check) in enumerate(zip(ANSWERS, CHECKS), start=1):
        cells += [nbformat.v4.new_code_cell(answer),
                  nbformat.v4.new_code_cell(f"{check}\nprint('Exercise {number}: correct.')")]
    for number, cell in enumerate(cells, start=1):
        cell.id = f"{prefix}-{number:02d}"
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec})


def edited(nb, **sources):
    """A copy of ``nb`` with the cells of these ids (t_04=...) given new sources; None deletes the cell."""
    nb = copy.deepcopy(nb)
    for key, source in sources.items():
        index = next(i for i, cell in enumerate(nb.cells) if cell.id == key.replace("_", "-"))
        if source is None:
            del nb.cells[index]
        else:
            nb.cells[index].source = source
    return nb


def with_cell_before(nb, cell_id, source):
    """A copy of ``nb`` with a student's own code cell (id own-1) inserted before cell ``cell_id``."""
    nb = copy.deepcopy(nb)
    index = next(i for i, cell in enumerate(nb.cells) if cell.id == cell_id)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source, id="own-1"))
    return nb


CORRECT = [(True, f"Exercise {n}: correct.") for n in (1, 2, 3)]
STUB = ("NameError: name '{name}' is not defined (before it, cell {cell} raised NotImplementedError: Exercise {n}: "
        "write your solution here, then run the self-check cell below.)")
EXPECTED = {  # student: [(passed, message) of exercises 1, 2, 3]
    "alice": CORRECT,  # a folder: alice/tiny.ipynb
    "stub": [(False, STUB.format(name=name, cell=cell, n=n))
             for n, name, cell in [(1, "double", "t-04"), (2, "shout", "t-06"), (3, "mode", "t-08")]],
    "wrong": [(False, "AssertionError: double should be 42, got 22"), *CORRECT[1:]],
    "edited": [CORRECT[0], (False, "AssertionError: shout should be HELLO, got 'hello'"), CORRECT[2]],
    "raises": [*CORRECT[:2], (True, "Exercise 3: correct. (before it, cell own-1 raised ZeroDivisionError: "
                                    "division by zero)")],
    "deleted": [CORRECT[0], (False, "not graded: its answer cell t-06 is missing"), CORRECT[2]],
    "lesson": CORRECT,  # its lesson cell and a self-check rewritten: both restored
    "loop": [CORRECT[0], *[(False, f"not graded: the notebook ran past the time limit of {TIMEOUT} s "
                                   "(in cell t-06)")] * 2],  # and the submissions after it still run
    "broken": [(False, "not valid JSON at line 2, column 1: the file is damaged or is no notebook")] * 3,
    "notes": [(False, "not a notebook: a .txt file, where an .ipynb was expected")] * 3,
    "foreign": [(False, "another notebook, not tiny.ipynb: only 0 of its 9 cell ids are in it "
                        "(its first cell is 'nb02-01')")] * 3,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the command once on every kind of submission; return its process, its rows and its folder."""
    lab = tmp_path_factory.mktemp("lab")
    (lab / "results").mkdir()
    (lab / "results" / "base.txt").write_text("21\n")
    (lab / "notebooks" / "samples").mkdir(parents=True)
    (lab / "notebooks" / "samples" / "word.txt").write_text("hello\n")
    teacher = teacher_notebook()
    nbformat.write(teacher, lab / "notebooks" / "tiny.ipynb")

    submissions = lab / "submissions"
    (submissions / "alice").mkdir(parents=True)
    notebooks = {
        "alice/tiny": teacher,
        "stub": edition.make_student_notebook(teacher),
        "wrong": edited(teacher, t_04="double = base + 1"),
        "edited": edited(teacher, t_06="shout = word", t_07="print('Exercise 2: correct.')"),
        "raises": with_cell_before(teacher, "t-08", "1 / 0"),
        "deleted": edited(teacher, t_06=None),
        "lesson": edited(teacher, t_02="base, word, profile = 0, 'x', 'full'", t_05="print('Exercise 1: correct.')"),
        "loop": edited(teacher, t_06="while True:\n    pass"),
        "foreign": teacher_notebook(prefix="nb02"),
    }
    for name, nb in notebooks.items():
        nbformat.write(nb, submissions / f"{name}.ipynb")
    (submissions / "broken.ipynb").write_text('{"cells": [\n')
    (submissions / "notes.txt").write_text("my answers: 42, HELLO, smoke\n")
    (submissions / ".hidden.ipynb").write_text("{}")  # hidden files are no submission
    out = submissions / "grades.csv"  # an old table here is replaced, not graded
    out.write_text("stale\n")

    env = {**os.environ, "LAB_PROFILE": "full"}  # the kernels get --profile's, not the grader's
    process = subprocess.run([sys.executable, str(ROOT / "scripts" / "grade.py"), str(submissions),
                              "--notebook", str(lab / "notebooks" / "tiny.ipynb"), "--profile", "smoke",
                              "--timeout", str(TIMEOUT), "--out", str(out)],
                             capture_output=True, text=True, env=env, timeout=120)
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    return process, rows, submissions


def test_the_command_writes_the_table_and_prints_the_scores(graded):
    process, rows, submissions = graded
    assert process.returncode == 0, process.stderr
    assert rows[0] == ["student", "exercise", "passed", "message"] and len(rows) == 1 + 3 * len(EXPECTED)
    assert f"Grading 11 submission(s) against tiny.ipynb, exercises 1, 2, 3: smoke profile, at most {TIMEOUT} s each." \
        in process.stdout
    for line in ["  alice: 3/3", "  stub: 0/3", "  wrong: 2/3", "  loop: 1/3", "  broken: 0/3",
                 "  exercise 1: passed by 6 of 11", "  exercise 2: passed by 4 of 11",
                 "  exercise 3: passed by 6 of 11",
                 f"wrote {submissions / 'grades.csv'}"]:
        assert line in process.stdout
    assert sorted(p.name for p in submissions.iterdir() if p.name.startswith(".")) == [".hidden.ipynb"]  # no temp


@pytest.mark.parametrize("student", EXPECTED)
def test_each_submission_gets_its_rows(graded, student):
    _, rows, _ = graded
    mine = [(int(exercise), passed == "True", message) for name, exercise, passed, message in rows[1:]
            if name == student]
    assert mine == [(number, *row) for number, row in enumerate(EXPECTED[student], start=1)]


def test_exercises_are_found_by_their_self_checks_in_either_edition():
    teacher = nbformat.read(ROOT / "notebooks" / "04_experiments.ipynb", as_version=4)
    for nb in (teacher, edition.make_student_notebook(teacher)):
        exercises = grader.find_exercises(nb)
        checks = [i for i, cell in enumerate(teacher.cells) if cell.source.startswith("# Self-check for exercise")]
        assert [(e["number"], e["answer_id"], e["check"].id) for e in exercises] == [
            (n, teacher.cells[i - 1].id, teacher.cells[i].id) for n, i in enumerate(checks, start=1)]
        assert len(exercises) == 8 and exercises[0]["answer_id"] == "nb04-09"  # build_model, in the lesson
    tiny = grader.find_exercises(teacher_notebook())
    assert [e["ids"] for e in tiny] == [["t-04", "t-05"], ["t-06", "t-07"], ["t-08", "t-09"]]


@pytest.mark.parametrize("deleted, reasons", [
    ("t-04", {1: "not graded: its answer cell t-04 is missing"}),
    ("t-05", {}),  # a self-check: the teacher's comes back
    ("t-02", {}),  # a lesson cell: the teacher's comes back
    ("t-03", {}),  # a markdown cell
])
def test_only_a_deleted_answer_cell_fails_its_exercise_the_teachers_cells_come_back(deleted, reasons):
    teacher = teacher_notebook()
    submission = edited(teacher, **{deleted.replace("-", "_"): None})
    run, found = grader.graded_notebook(teacher, grader.find_exercises(teacher), submission, "tiny.ipynb")
    assert found == reasons
    assert [cell.id for cell in run.cells] == [cell.id for cell in teacher.cells if cell.id not in reasons.get(1, "")]


def test_the_run_is_the_teachers_notebook_with_the_students_answers_and_added_cells():
    teacher = teacher_notebook()
    submission = with_cell_before(edited(teacher, t_02="base = 0", t_04="double = 1", t_05="pass"), "t-04", "x = 1")
    submission.cells.insert(0, nbformat.v4.new_code_cell("y = 2", id="own-0"))
    submission.cells.insert(5, nbformat.v4.new_markdown_cell("my notes", id="notes"))  # markdown: not run
    run, reasons = grader.graded_notebook(teacher, grader.find_exercises(teacher), submission, "tiny.ipynb")
    assert reasons == {}
    assert [cell.id for cell in run.cells] == ["own-0", "t-01", "t-02", "t-03", "own-1", *teacher_ids()[3:]]
    sources = {cell.id: cell.source for cell in run.cells}
    assert (sources["t-02"], sources["t-04"], sources["t-05"]) == (LESSON, "double = 1", teacher.cells[4].source)


def teacher_ids():
    return [cell.id for cell in teacher_notebook().cells]


def test_an_answer_cell_made_markdown_is_missing_a_self_check_made_markdown_comes_back():
    teacher = teacher_notebook()
    submission = copy.deepcopy(teacher)
    for index in (3, 6):  # t-04, exercise 1's answer, and t-07, exercise 2's self-check
        submission.cells[index] = nbformat.v4.new_markdown_cell("pass", id=teacher.cells[index].id)
    run, reasons = grader.graded_notebook(teacher, grader.find_exercises(teacher), submission, "tiny.ipynb")
    assert reasons == {1: "not graded: its answer cell t-04 is missing"}
    assert run.cells[5] == teacher.cells[6]


def test_a_notebook_without_cell_ids_cannot_be_matched():
    teacher = teacher_notebook()
    for cell in (old := copy.deepcopy(teacher)).cells:
        del cell["id"]
    with pytest.raises(grader.Ungradable, match="its cells have no ids"):
        grader.graded_notebook(teacher, grader.find_exercises(teacher), old, "tiny.ipynb")


@pytest.fixture()
def lab(tmp_path):
    """A submissions folder with one notebook, and the tiny teacher's notebook."""
    (tmp_path / "submissions").mkdir()
    nbformat.write(teacher_notebook(), tmp_path / "submissions" / "alice.ipynb")
    nbformat.write(teacher_notebook(), tmp_path / "tiny.ipynb")
    (tmp_path / "plain.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", id="a")])))
    (tmp_path / "notes.txt").write_text("not a notebook\n")
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize("args, message", [
    (["missing", "--notebook", "tiny.ipynb"], "the submissions folder missing does not exist or is not a folder"),
    (["empty", "--notebook", "tiny.ipynb"], "the submissions folder empty is empty"),
    (["submissions"], "the following arguments are required: --notebook"),
    (["submissions", "--notebook", "nowhere.ipynb"], "the teacher's notebook nowhere.ipynb does not exist"),
    (["submissions", "--notebook", "submissions"],
     "the teacher's notebook submissions does not exist or is not a file"),
    (["submissions", "--notebook", "plain.ipynb"],
     "plain.ipynb is no lab notebook (it has no '# Self-check for exercise N' cell)"),
    (["submissions", "--notebook", "notes.txt"],
     "notes.txt is no lab notebook (not a notebook: a .txt file, where an .ipynb was expected)"),
    (["submissions", "--notebook", "tiny.ipynb", "--timeout", "0"],
     "argument --timeout: must be a positive number of seconds, got '0'"),
    (["submissions", "--notebook", "tiny.ipynb", "--timeout", "soon"],
     "argument --timeout: must be a positive number of seconds, got 'soon'"),
    (["submissions", "--notebook", "tiny.ipynb", "--profile", "fast"], "argument --profile: invalid choice: 'fast'"),
    (["submissions", "--notebook", "tiny.ipynb", "--out", "empty"], "--out empty is a folder"),
])
def test_bad_arguments_give_one_line_and_status_2(lab, monkeypatch, capsys, args, message):
    monkeypatch.chdir(lab)
    with pytest.raises(SystemExit) as exit_:
        grader.main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and err.startswith("grade.py: error: ") and message in err
