"""The student edition: valid notebooks, no solution left in them, the lesson's reference outputs kept and the
exercises' cleared, and every self-check failing against the stubs.

The student editions are executed under `pytest --nbval`, in nbval's kernels (tests/nbval_student.py); the tests here
check that machinery on made-up notebooks, and that every notebook gets its check.
"""
import re
from pathlib import Path

import nbformat
import nbval_student
import nbval_wrong
import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
edition = load_script("scripts/make_student_edition.py")
colab = load_script("scripts/colab_cells.py")
SOLUTIONS = colab.read_address(ROOT / "pyproject.toml")  # where the teacher's notebooks live
STUDENT = colab.read_address(ROOT / "pyproject.toml", student=True)  # where the student edition is published


def solution_lines(source):
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in (edition.BEGIN, edition.END):
            inside = line.strip() == edition.BEGIN
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def is_self_check(cell):
    return cell.cell_type == "code" and cell.source.lstrip().startswith("# Self-check")


def is_exercise(cell):
    """Whether ``cell`` is an exercise's answer or its self-check."""
    return cell.cell_type == "code" and (edition.BEGIN in cell.source or is_self_check(cell))


def without_note(student):
    """Return the cells of ``student`` less its note on the outputs, which must be its second cell, the only one."""
    notes = [i for i, cell in enumerate(student.cells) if cell.get("id") == edition.NOTE_ID]
    assert notes == [1], f"the note on the outputs should be cell 1, once; found at {notes}"
    return student.cells[:1] + student.cells[2:]


def test_stub_replaces_the_solution_and_keeps_the_code_around_it():
    source = "x = 1\n    ### BEGIN SOLUTION\n    answer = 42\n    ### END SOLUTION\nprint(answer)"
    assert edition.strip_solutions(source, 3, "cell 0") == (
        'x = 1\n    raise NotImplementedError("Exercise 3: write your solution here, '
        'then run the self-check cell below.")\nprint(answer)')


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nanswer = 1", "never closed"),
    ("### END SOLUTION", "without a"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another solution"),
])
def test_malformed_markers_are_refused_with_the_place(source, message):
    with pytest.raises(ValueError, match=message):
        edition.strip_solutions(source, 1, "cell 7")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_is_valid_and_leaks_no_solution(path):
    teacher = nbformat.read(path, as_version=4)
    student = edition.make_student_notebook(teacher)
    nbformat.validate(student)
    assert len(student.cells) == len(teacher.cells) + 1  # the note on the outputs
    exercises = 0
    for t_cell, s_cell in zip(teacher.cells, without_note(student)):
        if edition.BEGIN in t_cell.source:
            exercises += 1
            assert "NotImplementedError" in s_cell.source
            leaked = set(solution_lines(t_cell.source)) & {line.strip() for line in s_cell.source.splitlines()}
            assert not leaked, f"solution lines leak into the student edition: {leaked}"
        else:
            kept = edition.strip_profile(edition.HIDDEN_TESTS.sub("", edition.TEST_MARKER.sub("", t_cell.source)))
            assert s_cell.source == kept, "only test markers, hidden tests and the profile's branches are taken out"
            assert "HIDDEN TESTS" not in s_cell.source
    assert edition.BEGIN not in nbformat.writes(student) and edition.END not in nbformat.writes(student)
    assert "NBVAL" not in "".join(cell.source for cell in student.cells), "nbval's markers are for the tests only"
    assert exercises >= 2, "every notebook ends with at least two exercises"


def test_the_profiles_branches_become_the_full_profiles_code():
    teacher = """train_size, epochs = 6_000, 2
if profile.smoke:  # the quick runs
    train_size, epochs = 400, profile.choose(full=9, smoke=1)
gap = profile.choose(full=0.03,
                     smoke=1.0)  # three points × 1
if profile.floors:
    assert accuracy > profile.choose(full=0.96, grading=0.5, smoke=0.0), f"{accuracy:.0%} × 1"
if not profile.smoke:
    for run in runs:
        assert run > 0
print(profile.smoke)"""
    assert edition.strip_profile(teacher) == """train_size, epochs = 6_000, 2
gap = 0.03  # three points × 1
assert accuracy > 0.96, f"{accuracy:.0%} × 1"
for run in runs:
    assert run > 0
print(profile.smoke)"""
    with pytest.raises(ValueError, match="cell 3: profile.choose.* without full="):
        edition.strip_profile("x = profile.choose(smoke=1)", "cell 3")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_student_reads_no_profile_talk_and_answer_cells_have_no_profile_code(path):
    teacher = nbformat.read(path, as_version=4)
    student = edition.make_student_notebook(teacher)
    for cell in student.cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"\b(smoke|profile|LAB_PROFILE)\b", cell.source), cell.source
        elif "lab.setup(" not in cell.source:
            assert "profile" not in cell.source, cell.source
            assert edition.parse_cell(cell.source) is not None, cell.source
    for cell in teacher.cells:  # grading runs the student's answer cells as they are: their code must be full's
        if edition.BEGIN in cell.source:
            assert "profile" not in cell.source, f"{cell.id}: move the profile's code to a cell before the answer"


def test_test_markers_are_taken_out_whole_lines_only():
    source = "# NBVAL_IGNORE_OUTPUT\nx = 1  # NBVAL_SKIP is not a marker here\n    # NBVAL_SKIP\nprint(x)"
    assert edition.TEST_MARKER.sub("", source) == "x = 1  # NBVAL_SKIP is not a marker here\nprint(x)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_is_followed_by_a_self_check(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and edition.BEGIN in cell.source:
            assert is_self_check(cells[i + 1]), f"cell {i + 1} should be the self-check of the exercise in cell {i}"


# --- the lesson keeps the reference run's outputs; the exercises, and the cells that use them, start empty ---

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_lesson_keeps_the_reference_outputs_and_no_exercise_output_survives(path):
    teacher = nbformat.read(path, as_version=4)
    student = without_note(edition.make_student_notebook(teacher))
    cleared = edition.cells_to_clear(teacher)
    first = next(i for i, cell in enumerate(teacher.cells) if edition.BEGIN in cell.source)
    kept = emptied = 0
    for index, (t_cell, s_cell) in enumerate(zip(teacher.cells, student)):
        if t_cell.cell_type != "code":
            continue
        if is_exercise(t_cell) or index in cleared:
            assert (s_cell.outputs, s_cell.execution_count) == ([], None), f"cell {index} keeps an exercise's output"
            if not is_exercise(t_cell):  # a cell that uses an answer comes after one
                assert index > first and cleared[index].startswith(("it reads ", "it does not parse")), cleared[index]
            emptied += bool(t_cell.outputs)
        else:
            assert (s_cell.outputs, s_cell.execution_count) == (t_cell.outputs, t_cell.execution_count), (
                f"cell {index} lost the reference run's output")
            kept += bool(t_cell.outputs)
    assert kept >= 10 and emptied >= 3, f"{kept} lesson cells with outputs kept, {emptied} exercise cells emptied"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_note_on_the_outputs_stands_once_between_the_title_and_the_setup(path):
    student = edition.make_student_notebook(nbformat.read(path, as_version=4), path.name, STUDENT)
    notes = [cell for cell in student.cells if edition.NOTE in cell.source or cell.get("id") == edition.NOTE_ID]
    assert len(notes) == 1 and notes[0] is student.cells[1] and notes[0].cell_type == "markdown"
    assert notes[0].id == edition.NOTE_ID and notes[0].source == edition.NOTE
    said = " ".join(edition.NOTE.split())
    assert "the reference run's" in said and "Running a cell replaces its output with yours" in said
    assert student.cells[0].source.startswith("# ") and student.cells[2].source.startswith("## Setup")
    nbformat.validate(student)


def lesson(*after):
    """A made-up notebook, every code cell with an output: a lesson, one exercise and its self-check, then ``after``."""
    cells = [nbformat.v4.new_markdown_cell("# 07 · A made-up lesson"),
             nbformat.v4.new_code_cell("x = 1\ndef show():\n    return answer"), nbformat.v4.new_code_cell("print(x)"),
             nbformat.v4.new_markdown_cell("## Exercises"),
             nbformat.v4.new_code_cell("y = 2\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(answer)"),
             nbformat.v4.new_code_cell("# Self-check for exercise 1\nassert answer == 42"),
             *map(nbformat.v4.new_code_cell, after)]
    for count, cell in enumerate((c for c in cells if c.cell_type == "code"), start=1):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {count}\n")]
        cell.execution_count = count
    return nbformat.v4.new_notebook(cells=cells)


AFTER = 6  # the index of the first cell after the made-up lesson's exercise


@pytest.mark.parametrize("after, cleared", [
    (["print(x)"], [False]),
    (["print(answer + x)"], [True]),
    (["doubled = 2 * answer", "print(doubled)"], [True, True]),
    (["print(y)"], [True]),  # bound around the markers: the whole answer cell is the student's
    (["print(show())"], [True]),  # a function of the lesson that reads the answer when called
    (["%time print(answer)", "%matplotlib inline"], [True, False]),
    (["totals = {}", "totals['a'] = answer", "print(totals)"], [False, True, True]),
    (["answer = 7\nprint(answer)", "print(answer)"], [False, False]),  # the lesson binds it anew
    (["def f(answer):\n    return answer", "print([answer for answer in range(3)], f(1))"], [False, False]),
    (["print(", "print(x)"], [True, False]),  # a cell that does not parse is cleared, and the next ones still read
], ids=["reads-none", "reads-the-answer", "transitively", "around-the-markers", "through-a-function", "magics",
        "changed-by-item", "bound-anew", "own-names", "does-not-parse"])
def test_a_cell_after_the_exercises_is_cleared_when_it_uses_an_answer(after, cleared):
    teacher = lesson(*after)
    made = edition.make_student_notebook(teacher)
    nbformat.validate(made)
    student = without_note(made)
    for index in [1, 2, 4, 5] + list(range(AFTER, len(teacher.cells))):
        t_cell, s_cell = teacher.cells[index], student[index]
        emptied = index in (4, 5) or index >= AFTER and cleared[index - AFTER]
        assert (s_cell.outputs, s_cell.execution_count) == (([], None) if emptied else (
            t_cell.outputs, t_cell.execution_count)), f"cell {index}: {t_cell.source!r}"


def test_each_cleared_cell_says_why():
    assert edition.cells_to_clear(lesson("doubled = 2 * answer", "print(doubled)", "print(x)", "print(")) == {
        4: "an exercise's solution", 5: "a self-check", 6: "it reads answer (from the exercises)",
        7: "it reads doubled (from the exercises)", 9: "it does not parse"}


def test_the_note_goes_under_the_title_only_where_outputs_are_kept():
    student = edition.make_student_notebook(lesson("print(x)"))
    assert [cell.get("id") for cell in student.cells].count(edition.NOTE_ID) == 1
    assert student.cells[0].source.startswith("# 07") and student.cells[1].source == edition.NOTE
    bare = edition.make_student_notebook(EXERCISES)  # no outputs at all: nothing to explain
    assert len(bare.cells) == len(EXERCISES.cells) and edition.NOTE_ID not in {c.get("id") for c in bare.cells}
    assert len(edition.make_student_notebook(lesson(), note=False).cells) == len(lesson().cells)


def test_a_cell_that_already_has_the_notes_id_is_refused():
    teacher = lesson()
    teacher.cells[2].id = edition.NOTE_ID
    with pytest.raises(ValueError, match="a cell already has the id 'reference-outputs'"):
        edition.make_student_notebook(teacher)


# --- the student edition opens on Colab from its own branch ---

def points_at_solutions(text):
    """Whether ``text`` opens or clones the solutions' branch."""
    return f"/blob/{SOLUTIONS.branch}/" in text or f"--branch {SOLUTIONS.branch} " in text


def test_the_student_edition_has_a_branch_of_its_own_in_the_same_repository():
    assert STUDENT.branch != SOLUTIONS.branch and STUDENT.url == SOLUTIONS.url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_badge_and_colab_cell_open_and_clone_the_student_branch_and_nothing_else_changes(path):
    teacher = nbformat.read(path, as_version=4)
    student = edition.make_student_notebook(teacher, path.name, STUDENT)
    plain = edition.make_student_notebook(teacher)
    setup = next(i for i, cell in enumerate(student.cells) if cell.get("id") == colab.SETUP_ID)
    assert colab.badge(STUDENT, path.name) in student.cells[0].source
    assert student.cells[setup].source == colab.setup_source(STUDENT)
    assert f"--branch {STUDENT.branch} {STUDENT.url} " in student.cells[setup].source
    assert not points_at_solutions(nbformat.writes(student))
    assert [i for i, (a, b) in enumerate(zip(plain.cells, student.cells)) if a != b] == [0, setup]


def test_the_command_writes_the_edition_for_the_student_branch(tmp_path):
    assert edition.main(["--out", str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS] and (tmp_path / "samples").is_dir()
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert colab.badge(STUDENT, path.name) in text and edition.BEGIN not in text, path.name
        assert not points_at_solutions(text), f"{path.name} still opens or clones {SOLUTIONS.branch}"
        student = nbformat.reads(text, as_version=4)
        nbformat.validate(student)
        assert [cell.get("id") for cell in student.cells].count(edition.NOTE_ID) == 1, path.name
        assert any(cell.get("outputs") for cell in student.cells), f"{path.name} lost the reference outputs"


def test_a_notebook_without_its_colab_cells_is_refused():
    stale = notebook("# 07 · A title", "import lab_utils as lab")
    with pytest.raises(ValueError, match="run `python scripts/colab_cells.py` first"):
        edition.make_student_notebook(stale, "07_new.ipynb", STUDENT)


# --- the student edition executed: notebooks/NN_*.ipynb::student edition, in nbval's kernel (tests/nbval_student.py) ---

def notebook(*cells):
    """A notebook of these cells: "## ..." ones are markdown, the rest code."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(c) if c.startswith("## ")
                                           else nbformat.v4.new_code_cell(c) for c in cells])


EXERCISES = notebook("x = 1", "## Exercises", "y = 2\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION",
                     "# Self-check for exercise 1\nassert answer == 42", "print('between')",
                     "### BEGIN SOLUTION\nsecond = 1\n### END SOLUTION", "# Self-check for exercise 2\nassert second")


def fake_kernel(results):
    """A run(source) that answers from ``results`` (first matching substring), 'ok' otherwise; records the sources."""
    seen = []

    def run(source):
        seen.append(source)
        for needle, answer in results.items():
            if needle in source:
                return answer
        return "ok", None
    return run, seen


def test_the_tail_starts_at_the_first_exercise_and_names_each_cell():
    tail = nbval_student.student_tail(EXERCISES, edition)
    assert [(index, kind) for index, kind, _ in tail] == [(2, "stub"), (3, "self-check"), (4, "other"), (5, "stub"),
                                                          (6, "self-check")]
    assert "NotImplementedError" in tail[0][2] and "answer = 42" not in tail[0][2] and tail[0][2].startswith("y = 2")
    assert nbval_student.student_tail(notebook("x = 1", "print(2)"), edition) == []


def test_the_tail_names_the_teachers_cells_where_the_student_edition_adds_its_note():
    teacher = lesson("print(x)")
    tail = nbval_student.student_tail(teacher, edition)
    assert [(index, kind) for index, kind, _ in tail] == [(4, "stub"), (5, "self-check"), (6, "other")]
    assert [source for _, _, source in tail][1:] == [teacher.cells[5].source, teacher.cells[6].source]


def test_a_student_edition_that_behaves_passes():
    run, seen = fake_kernel({"NotImplementedError": ("error", "NotImplementedError"),
                             "Self-check": ("error", "NameError")})
    assert nbval_student.check_tail(nbval_student.student_tail(EXERCISES, edition), run) == []
    assert len(seen) == 5 and "print('between')" in seen


@pytest.mark.parametrize("results, problem", [
    ({"NotImplementedError": ("error", "NotImplementedError"), "exercise 1": ("error", "AssertionError")},
     "cell 6: this self-check passes against the stub, so it checks nothing"),
    ({"NotImplementedError": ("error", "NotImplementedError"), "Self-check": ("error", "AssertionError"),
      "between": ("error", "ValueError")}, "cell 4 fails in the student edition (ValueError) although it is no exercise"),
    ({"Self-check": ("error", "NameError")}, "cell 2: the exercise's stub should raise NotImplementedError, got no error"),
])
def test_each_kind_of_broken_student_edition_is_reported(results, problem):
    run, _ = fake_kernel(results)
    assert problem in nbval_student.check_tail(nbval_student.student_tail(EXERCISES, edition), run)


def test_a_notebook_with_fewer_than_two_self_checks_is_reported():
    one = notebook("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "# Self-check for exercise 1\nassert x")
    run, _ = fake_kernel({"NotImplementedError": ("error", "NotImplementedError"), "Self-check": ("error", "NameError")})
    assert nbval_student.check_tail(nbval_student.student_tail(one, edition), run) == [
        "the student edition has 1 self-check(s); every notebook ends with at least two"]


def test_every_notebook_gets_its_student_edition_item_before_its_first_exercise(request):
    """Under `pytest --nbval` (the README's command), each notebook's items hold the check just before exercise 1."""
    items = request.session.items
    if not any(item.nodeid.startswith("notebooks/") for item in items):
        pytest.skip("the notebooks are not collected in this run (it was not started with --nbval)")
    for path in NOTEBOOKS:
        mine = [item for item in items if item.nodeid.startswith(f"notebooks/{path.name}::")]
        if not mine:
            continue  # not collected in this run
        names = [item.name for item in mine]
        assert names.count(nbval_student.ITEM_NAME) == 1, path.name
        after = mine[names.index(nbval_student.ITEM_NAME) + 1:]
        if after[0].name.startswith(nbval_wrong.ITEM_NAME):  # the first exercise's wrong answers run next
            after = after[1:]
        following = after[0]
        assert edition.BEGIN in following.cell.source and not any(
            edition.BEGIN in item.cell.source for item in mine[:names.index(nbval_student.ITEM_NAME)])


def test_hidden_tests_are_left_out_whole_and_the_visible_check_stays():
    check = ("# Self-check for exercise 1\nassert answer > 0\n    ### BEGIN HIDDEN TESTS\n    assert answer == 42\n"
             "    ### END HIDDEN TESTS\nprint('Exercise 1: correct.')")
    assert edition.HIDDEN_TESTS.sub("", check) == (
        "# Self-check for exercise 1\nassert answer > 0\nprint('Exercise 1: correct.')")


# --- the student writes the Keras: in every notebook that trains a model, at least three pieces of it ---

KERAS_CODE = re.compile(r"keras\.(Input|Sequential|Model|callbacks\.|optimizers\.|layers\.)|\blayers\.[A-Z]"
                        r"|\.compile\(|\.fit\(|GradientTape")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in ("01", "02", "03", "04", "05")],
                         ids=lambda p: p.stem)
def test_the_student_writes_at_least_three_pieces_of_keras_and_trains_one(path):
    solutions = ["\n".join(solution_lines(cell.source)) for cell in nbformat.read(path, as_version=4).cells
                 if cell.cell_type == "code" and edition.BEGIN in cell.source]
    keras_stubs = [code for code in solutions if KERAS_CODE.search(code)]
    assert len(keras_stubs) >= 3, f"{len(keras_stubs)} of the exercises have the student write Keras; want 3"
    assert any(".fit(" in code for code in keras_stubs), "no exercise trains what the student wrote"
