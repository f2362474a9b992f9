"""The catalogue of wrong answers: where it stands, and that its runner reports a check that lets a mistake through."""
from pathlib import Path

import nbformat
import pytest
from nbval_wrong import catalogue, check_wrong_answers, exercises

ROOT = Path(__file__).resolve().parents[1]
CATALOGUED = ["00", "01", "02", "03", "04", "05", "06"]  # every notebook: each exercise has its wrong answers


def notebook(prefix: str):
    return nbformat.read(next((ROOT / "notebooks").glob(f"{prefix}_*.ipynb")), as_version=4)


@pytest.mark.parametrize("prefix", CATALOGUED)
def test_every_exercise_has_at_least_three_named_wrong_answers(prefix):
    numbers = [number for number, *_ in exercises(notebook(prefix))]
    wrong = catalogue(f"{prefix}_")
    assert sorted(wrong) == numbers, f"notebook {prefix}: catalogued exercises {sorted(wrong)}, notebook has {numbers}"
    for number, answers in wrong.items():
        assert len(answers) >= 3, f"notebook {prefix}, exercise {number}: {len(answers)} wrong answers, want 3"
        for mistake, entry in answers.items():
            source = entry if isinstance(entry, str) else entry[0]
            compile(source, f"{prefix} exercise {number}: {mistake}", "exec")  # each one is Python


def _tiny_notebook():
    cells = [nbformat.v4.new_code_cell("x = 1"),
             nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 2\n### END SOLUTION"),
             nbformat.v4.new_code_cell("# Self-check for exercise 1\nassert answer == 2"),
             nbformat.v4.new_code_cell("print(answer)")]
    return nbformat.v4.new_notebook(cells=cells)


def _runner():
    """A stand-in kernel: runs each source in one namespace, returns (status, error name)."""
    namespace = {}

    def run(source):
        try:
            exec(source, namespace)
        except Exception as error:
            return "error", type(error).__name__
        return "ok", None

    return run


def test_the_runner_reports_a_check_that_lets_a_wrong_answer_through_and_a_wrong_answer_that_crashes():
    nb = _tiny_notebook()
    assert exercises(nb) == [(1, 1, 2)]
    assert check_wrong_answers(nb, {1: {"off by one": "answer = 3"}}, _runner()) == []
    problems = check_wrong_answers(nb, {1: {"right by luck": "answer = 2", "typo": "answer = nope"}}, _runner())
    assert problems == ["exercise 1, 'right by luck': the self-check passes this wrong answer",
                        "exercise 1, 'typo': the wrong answer itself fails (NameError); it must run"]


def test_an_undo_runs_after_the_check_and_a_failing_one_is_reported():
    nb = _tiny_notebook()
    run = _runner()
    assert check_wrong_answers(nb, {1: {"spoils x": ("x = 5\nanswer = 3", "x = 1")}}, run) == []
    assert run("assert x == 1") == ("ok", None)
    problems = check_wrong_answers(nb, {1: {"spoils x": ("answer = 3", "x = nope")}}, run)
    assert problems == ["exercise 1, 'spoils x': its undo fails"]


def test_only_the_exercise_asked_for_is_checked():
    nb = _tiny_notebook()
    assert check_wrong_answers(nb, {1: {"right by luck": "answer = 2"}}, _runner(), only=2) == []


def test_under_nbval_each_catalogued_exercise_runs_its_wrong_answers_right_before_its_solution(request):
    items = request.session.items
    if not any(item.nodeid.startswith("notebooks/") for item in items):
        pytest.skip("the notebooks are not collected in this run (it was not started with --nbval)")
    from nbval_wrong import ITEM_NAME

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = notebook(path.name[:2])
        solution = {number: nb.cells[cell].source for number, cell, _ in exercises(nb)}
        mine = [item for item in items if item.nodeid.startswith(f"notebooks/{path.name}::")]
        if not mine:
            continue  # not collected in this run
        found = [(item.number, following.cell.source) for item, following in zip(mine, mine[1:])
                 if item.name.startswith(ITEM_NAME)]
        assert [number for number, _ in found] == sorted(catalogue(path.stem)), path.name
        assert all(source == solution[number] for number, source in found), f"{path.name}: not before the solution"
