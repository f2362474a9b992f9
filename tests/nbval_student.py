"""The student edition's check, run inside the kernel that nbval already started for each notebook.

`pytest --nbval` executes a notebook's cells one by one in one kernel. Just before the first exercise, that kernel holds
exactly what a student's kernel holds when they reach the exercises (the student edition's code differs from the
teacher's notebook only in the solutions). So the item added here runs, at that point and in that kernel, the student
edition of every remaining code cell: each stub must raise NotImplementedError (or, when the solution is a function's
body, define a function that does), each self-check must fail against it, a cell that uses an answer may fail, and
every other cell must run. nbval then goes on with the teacher's solutions, whose self-checks must pass. One kernel
per notebook instead of two, and nbval's own run proves everything before the exercises.
"""
from __future__ import annotations

import functools

import pytest

ITEM_NAME = "student edition: every self-check fails against its stub"
TIMEOUT = 600  # seconds per cell, as the notebooks' own runs allow


@functools.cache
def _edition():
    """scripts/make_student_edition.py, loaded once (tests/ is on sys.path: pytest or the root conftest put it there)."""
    from scripts_loader import load_script

    return load_script("scripts/make_student_edition.py")


def student_tail(nb, edition):
    """Return [(cell index, kind, source)] of the student edition's code cells from the first exercise on.

    kind: "stub" (an exercise, its solution replaced), "self-check" (the cell after an exercise), "uses" (a cell that
    reads an answer, which fails until the student writes it) or "other". The cell indices are those of ``nb``: the
    student edition's note on the outputs, a markdown cell, is left out.
    """
    student = edition.make_student_notebook(nb, note=False, full=False)  # smoke's sizes kept, as grading
    uses = edition.cells_to_clear(nb)
    teacher_cells = nb.cells
    first = next((i for i, c in enumerate(teacher_cells) if c.cell_type == "code" and edition.BEGIN in c.source), None)
    if first is None:
        return []
    tail, after_exercise = [], False
    for index in range(first, len(student.cells)):
        cell = student.cells[index]
        if cell.cell_type != "code":
            continue
        if edition.BEGIN in teacher_cells[index].source:
            kind = "stub"
        elif after_exercise and cell.source.lstrip().startswith("# Self-check"):
            kind = "self-check"
        elif index in uses:
            kind = "uses"
        else:
            kind = "other"
        tail.append((index, kind, cell.source))
        after_exercise = kind == "stub"
    return tail


def run_in_kernel(kernel, source: str):
    """Execute ``source`` in nbval's kernel; return (status, error name), its outputs read and discarded."""
    reply = kernel.kc.execute_interactive(source, timeout=TIMEOUT, store_history=False, allow_stdin=False,
                                          output_hook=lambda msg: None)
    content = reply["content"]
    return content["status"], content.get("ename")


def inside_def(stub: str) -> bool:
    """Whether a stub's NotImplementedError sits in a function's body (it raises when the function is called)."""
    return any(line.startswith((" ", "\t")) and "raise NotImplementedError" in line for line in stub.splitlines())


def check_tail(tail, run) -> list[str]:
    """Run the tail cells with ``run(source) -> (status, ename)``; return what is wrong (nothing: an empty list)."""
    problems, checks = [], 0
    for index, kind, source in tail:
        status, ename = run(source)
        failed = status == "error"
        if kind == "stub" and ename != "NotImplementedError" and not (ename is None and inside_def(source)):
            problems.append(f"cell {index}: the exercise's stub should raise NotImplementedError, got "
                            f"{ename or 'no error'}")
        elif kind == "self-check":
            checks += 1
            if not failed:
                problems.append(f"cell {index}: this self-check passes against the stub, so it checks nothing")
        elif kind == "other" and failed:
            problems.append(f"cell {index} fails in the student edition ({ename}) although it is no exercise")
    if checks < 2:
        problems.append(f"the student edition has {checks} self-check(s); every notebook ends with at least two")
    return problems


class KernelItem(pytest.Item):
    """An item that runs code in its notebook's nbval kernel and fails with the list of what ``problems`` found."""

    title = ITEM_NAME  # the item's name, and what its failure report says it checked

    def problems(self, run) -> list[str]:
        """Return what is wrong, running sources with ``run(source) -> (status, ename)``."""
        raise NotImplementedError

    def runtest(self):
        kernel = getattr(self.parent, "kernel", None)
        if kernel is None or not kernel.is_alive():
            pytest.fail("nbval's kernel for this notebook is not running")
        problems = self.problems(lambda source: run_in_kernel(kernel, source))
        if problems:
            pytest.fail(f"{self.name} ({self.parent.path.name}):\n  " + "\n  ".join(problems), pytrace=False)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


class StudentEditionItem(KernelItem):
    """Runs the student edition's exercises in the notebook's nbval kernel, before the teacher's solutions."""

    def problems(self, run) -> list[str]:
        return check_tail(student_tail(self.parent.nb, _edition()), run)


def insert_before_first_exercise(items, item_class, wanted=lambda parent: True) -> None:
    """Put one ``item_class`` item before each notebook's first exercise cell (in place), for the notebooks wanted.

    Called again with another class, the new item goes between the earlier one and the exercise.
    """
    inserted = set()
    position = 0
    while position < len(items):
        item = items[position]
        parent = getattr(item, "parent", None)
        cell = getattr(item, "cell", None)
        if (cell is not None and parent is not None and parent not in inserted and hasattr(parent, "nb")
                and cell.cell_type == "code" and _edition().BEGIN in cell.source and wanted(parent)):
            items.insert(position, item_class.from_parent(parent, name=item_class.title))
            inserted.add(parent)
            position += 1
        position += 1


def insert_student_items(items) -> None:
    """Put one StudentEditionItem before each notebook's first exercise cell (in place)."""
    insert_before_first_exercise(items, StudentEditionItem)
