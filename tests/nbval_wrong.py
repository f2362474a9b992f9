"""The catalogue of wrong answers (tests/wrong_answers/), run inside the kernel that nbval started for each notebook.

Right before each catalogued exercise's solution cell, an item runs, in that kernel, each of the exercise's wrong
answers in place of the solution, then the teacher's self-check, which must fail. The wrong answer's own cell must run
without an error: the failure has to be the self-check's doing. nbval then runs the teacher's solution and its
self-check, which must pass; they rebind what the wrong answers bound (an entry's undo restores anything else).
"""
from __future__ import annotations

import importlib

from nbval_student import KernelItem, _edition

ITEM_NAME = "wrong answers: every catalogued mistake fails its self-check"


def catalogue(stem: str) -> dict:
    """Return {exercise number: {mistake: source}} from tests/wrong_answers/notebook_NN.py ({} if there is none)."""
    try:
        module = importlib.import_module(f"wrong_answers.notebook_{stem[:2]}")
    except ModuleNotFoundError:
        return {}
    return module.WRONG


def exercises(nb) -> list[tuple[int, int, int]]:
    """Return (number, solution cell, self-check cell) per exercise, in the notebook's order."""
    edition, cells = _edition(), nb.cells
    found = []
    for index, cell in enumerate(cells):
        match = edition.SELF_CHECK.match(cell.source.lstrip()) if cell.cell_type == "code" else None
        if match:
            solution = max(i for i in range(index) if cells[i].cell_type == "code" and edition.BEGIN in cells[i].source)
            found.append((int(match.group(1)), solution, index))
    return found


def check_wrong_answers(nb, wrong: dict, run, only: int | None = None) -> list[str]:
    """Run the wrong answers and their checks with ``run(source) -> (status, ename)``; return what is wrong.

    only: the one exercise to check (all catalogued ones if None).
    """
    problems = []
    for number, _, check in exercises(nb):
        if only is not None and number != only:
            continue
        for mistake, entry in wrong.get(number, {}).items():
            source, undo = (entry, None) if isinstance(entry, str) else entry
            status, ename = run(source)
            if status == "error":
                problems.append(f"exercise {number}, '{mistake}': the wrong answer itself fails ({ename}); it must run")
                continue
            status, ename = run(nb.cells[check].source)
            if status != "error":
                problems.append(f"exercise {number}, '{mistake}': the self-check passes this wrong answer")
            if undo and run(undo)[0] == "error":
                problems.append(f"exercise {number}, '{mistake}': its undo fails")
    return problems


class WrongAnswersItem(KernelItem):
    """Runs one exercise's catalogue of wrong answers in nbval's kernel, right before the teacher's solution."""

    title = ITEM_NAME
    number = 0  # the exercise, set when the item is made

    def problems(self, run) -> list[str]:
        return check_wrong_answers(self.parent.nb, catalogue(self.parent.path.stem), run, only=self.number)


def insert_wrong_answer_items(items) -> None:
    """Put one WrongAnswersItem right before each catalogued exercise's solution cell (in place)."""
    solutions = {}  # notebook -> {solution cell's source: exercise number}
    position = 0
    while position < len(items):
        item = items[position]
        parent, cell = getattr(item, "parent", None), getattr(item, "cell", None)
        if cell is not None and hasattr(parent, "nb") and _edition().BEGIN in cell.source:
            if parent not in solutions:
                wrong = catalogue(parent.path.stem)
                solutions[parent] = {parent.nb.cells[solution].source: number
                                     for number, solution, _ in exercises(parent.nb) if number in wrong}
            number = solutions[parent].get(cell.source)
            if number is not None:
                new = WrongAnswersItem.from_parent(parent, name=f"{ITEM_NAME} (exercise {number})")
                new.number = number
                items.insert(position, new)
                position += 1
        position += 1
