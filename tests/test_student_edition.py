"""The student edition: valid notebooks, no solution left in them, and every self-check failing against the stubs."""
from pathlib import Path

import nbformat
import pytest
import student_runs
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
edition = load_script("scripts/make_student_edition.py")


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
    assert len(student.cells) == len(teacher.cells)
    exercises = 0
    for t_cell, s_cell in zip(teacher.cells, student.cells):
        assert s_cell.get("outputs", []) == [] and s_cell.get("execution_count") is None
        if edition.BEGIN in t_cell.source:
            exercises += 1
            assert "NotImplementedError" in s_cell.source
            leaked = set(solution_lines(t_cell.source)) & {line.strip() for line in s_cell.source.splitlines()}
            assert not leaked, f"solution lines leak into the student edition: {leaked}"
        else:
            assert s_cell.source == t_cell.source
    assert edition.BEGIN not in nbformat.writes(student) and edition.END not in nbformat.writes(student)
    assert exercises >= 2, "every notebook ends with at least two exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_is_followed_by_a_self_check(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and edition.BEGIN in cell.source:
            assert is_self_check(cells[i + 1]), f"cell {i + 1} should be the self-check of the exercise in cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_self_check_fails_against_the_stubs(path):
    """Run the student edition (smoke profile): only stubs and self-checks may fail, and every self-check must.

    tests/conftest.py starts these executions when collection ends (tests/student_runs.py), beside the unit tests.
    """
    student = student_runs.result(path)
    checks = 0
    for i, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        failed = any(out.output_type == "error" for out in cell.outputs)
        if is_self_check(cell):
            checks += 1
            assert failed, f"cell {i}: this self-check passes against the stub, so it checks nothing"
        elif "NotImplementedError" not in cell.source:
            assert not failed, f"cell {i} fails in the student edition although it is no exercise"
    assert checks >= 2
