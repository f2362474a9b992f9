"""The catalogue of wrong answers (tests/wrong_answers/), run inside the kernel that nbval started for each notebook.

Just before a notebook's first exercise (after the student edition's check), this item runs, exercise by exercise in
that kernel: each catalogued wrong answer in place of the solution cell, then the teacher's self-check, which must
fail; then the teacher's solution and its self-check, which must pass, so that the next exercise starts from a right
answer. The wrong answer's own cell must run without an error: the failure has to be the self-check's doing.
"""
from __future__ import annotations

import importlib
import re

from nbval_student import KernelItem, _edition, insert_before_first_exercise

ITEM_NAME = "wrong answers: every catalogued mistake fails its self-check"


def catalogue(stem: str) -> dict:
    """Return {exercise number: {mistake: source}} from tests/wrong_answers/notebook_NN.py ({} if there is none)."""
    try:
        module = importlib.import_module(f"wrong_answers.notebook_{stem[:2]}")
    except ModuleNotFoundError:
        return {}
    return module.WRONG


def exercises(nb) -> list[tuple[int, int, int, list[int]]]:
    """Return (number, solution cell, self-check cell, code cells after it up to the next exercise) per exercise."""
    edition, cells = _edition(), nb.cells
    found = []
    for index, cell in enumerate(cells):
        match = edition.SELF_CHECK.match(cell.source.lstrip()) if cell.cell_type == "code" else None
        if match:
            solution = max(i for i in range(index) if cells[i].cell_type == "code" and edition.BEGIN in cells[i].source)
            found.append([int(match.group(1)), solution, index, []])
    for position, entry in enumerate(found):
        end = found[position + 1][1] if position + 1 < len(found) else len(cells)
        entry[3] = [i for i in range(entry[2] + 1, end) if cells[i].cell_type == "code"]
    return [tuple(entry) for entry in found]


def check_wrong_answers(nb, wrong: dict, run) -> list[str]:
    """Run every wrong answer and its check with ``run(source) -> (status, ename)``; return what is wrong."""
    problems = []
    for number, solution, check, after in exercises(nb):
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
        for index in (solution, check, *after):
            status, ename = run(nb.cells[index].source)
            if status == "error":
                problems.append(f"exercise {number}: the teacher's cell {index} fails ({ename}) after the wrong "
                                "answers")
    return problems


class WrongAnswersItem(KernelItem):
    """Runs the notebook's catalogue of wrong answers in nbval's kernel, before the teacher's solutions."""

    title = ITEM_NAME

    def problems(self, run) -> list[str]:
        return check_wrong_answers(self.parent.nb, catalogue(self.parent.path.stem), run)


def insert_wrong_answer_items(items) -> None:
    """Put one WrongAnswersItem right before each notebook's first exercise cell (after the student edition's check)."""
    def catalogued(parent) -> bool:
        return bool(re.match(r"\d\d_", parent.path.stem) and catalogue(parent.path.stem))

    insert_before_first_exercise(items, WrongAnswersItem, wanted=catalogued)
