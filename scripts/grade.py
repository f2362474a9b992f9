"""Grade a folder of submitted notebooks against the teacher's: one row per student and exercise.

    python scripts/grade.py SUBMISSIONS --notebook notebooks/04_experiments.ipynb
    python scripts/grade.py SUBMISSIONS --notebook notebooks/04_experiments.ipynb --profile full --timeout 1800
    python scripts/grade.py SUBMISSIONS --notebook notebooks/04_experiments.ipynb --out grades/04.csv

Each file in SUBMISSIONS is one student's notebook, named by its stem (alice.ipynb: alice); a sub-folder is one
student too, named by the folder, holding the notebook (the one named like the teacher's, or its only .ipynb). What
runs is the teacher's notebook with the student's answer cells (matched by cell id) and the code cells the student
added: every other cell, the lesson and the self-checks with their hidden tests, is the teacher's. It runs top to bottom
in its own kernel, in a temporary copy of the lab's folders (notebooks/ with samples/, and results/ beside it), with
LAB_PROFILE set to the profile chosen and at most --timeout seconds for the whole notebook. An exercise passes when
its self-check cell runs without an error. The table (--out, default grades.csv) has the columns student, exercise,
passed, message; a submission that cannot be graded (not a notebook, another notebook, past the time limit) and an
exercise whose answer cell was deleted get rows that say why. See docs/grading.md. Submissions are untrusted code:
run this in a container or as a separate user.
"""
from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # the sibling scripts, shadowing nothing installed

from make_student_edition import BEGIN, SELF_CHECK  # noqa: E402  (the exercises' markers live there, as nbgrader's do)

# Seconds per notebook, about twice the longest Run All on the slowest 2-core CPU met: in full, 6 units (the class-time
# budget) of 154 s is 15 min; in grading, a submission of 04 or 05 took at most 38 s on a CPU 3.7 times faster than
# that one (docs/grading.md), so 300 s.
DEFAULT_TIMEOUT = {"full": 1800, "grading": 300, "smoke": 300}
COLUMNS = ("student", "exercise", "passed", "message")


class Ungradable(ValueError):
    """A submission that cannot be run; the message says why, for every exercise's row."""


def one_line(text, limit: int = 300) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the teacher's notebook: its exercises, and the cells each one owns ---

def read_teacher(path: Path):
    """Return the teacher's notebook and its exercises; ValueError if it is no lab notebook."""
    if not path.is_file():
        raise ValueError(f"the teacher's notebook {path} does not exist or is not a file")
    try:
        nb = read_submission(path, path.name)
    except Ungradable as error:
        raise ValueError(f"{path} is no lab notebook ({error})") from None
    if any("id" not in cell for cell in nb.cells):
        raise ValueError(f"{path} is no lab notebook (its cells have no ids to match the submissions' cells by)")
    exercises = find_exercises(nb)
    if not exercises:
        raise ValueError(f"{path} is no lab notebook (it has no '# Self-check for exercise N' cell)")
    return nb, exercises


def find_exercises(nb) -> list[dict]:
    """Return each exercise's number, self-check cell and the ids of its code cells (its answer up to its check)."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    exercises, start = [], None
    for position, cell in enumerate(code):
        match = SELF_CHECK.match(cell.source.lstrip())
        if match and position > 0:
            start = position - 1 if start is None else start  # exercise 1 starts at its answer cell
            exercises.append({"number": int(match[1]), "check": cell, "answer_id": code[position - 1].id,
                              "ids": [c.id for c in code[start:position + 1]]})
            start = position + 1
    return exercises


# --- a submission: read, compared with the teacher's cells, self-checks restored ---

def find_submissions(folder: Path, skip: Path | None = None) -> list[tuple[str, Path]]:
    """Return (student, path) for each entry of ``folder`` by name, hidden ones and ``skip`` left out."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__")) and p.resolve() != skip)
    names = [p.name if p.is_dir() else p.stem for p in entries]  # alice.ipynb and alice/ are both alice
    return [(name if names.count(name) == 1 else p.name, p) for name, p in zip(names, entries)]


def read_submission(path: Path, teacher_name: str):
    """Return the submitted notebook at ``path`` (a file, or a folder holding it); Ungradable if it is none."""
    import nbformat

    if path.is_dir():
        notebooks = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
        named = [p for p in notebooks if p.name == teacher_name]
        if not (named or len(notebooks) == 1):
            found = ", ".join(p.name for p in notebooks) or "none"
            raise Ungradable(f"the folder should hold one notebook, {teacher_name} (found: {found})")
        path = (named or notebooks)[0]
    if path.suffix != ".ipynb":
        raise Ungradable(f"not a notebook: a {path.suffix or 'extension-less'} file, where an .ipynb was expected")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise Ungradable(f"not valid JSON{where}: the file is damaged or is no notebook") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        raise Ungradable("not a Jupyter notebook of format 4 (JSON, but without nbformat 4 cells)")
    try:
        nb = nbformat.v4.reads(text)  # sources joined into one string each, as nbclient expects
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 (a schema error, or cells too malformed to read)
        raise Ungradable(f"not a valid notebook: {one_line(getattr(error, 'message', error), 150)}") from None
    return nb


def answer_ids(teacher) -> set[str]:
    """Return the ids of the teacher's answer cells: the code cells with a marked solution, the student's to write."""
    return {cell.id for cell in teacher.cells if cell.cell_type == "code" and BEGIN in cell.source}


def graded_notebook(teacher, exercises, nb, teacher_name: str):
    """Return the notebook to run and, per exercise whose answer cell is missing, why it is not graded.

    It is the teacher's notebook, every cell restored (the lesson with its profile branches, the self-checks with their
    hidden tests), with the student's answer cells in place of the teacher's, matched by cell id, and the code cells
    the student added after the teacher's cell they follow. An answer cell deleted, or made markdown, is left out.
    Ungradable if the submission is another notebook.
    """
    ids = {cell.get("id") for cell in nb.cells} - {None}
    teacher_ids = {cell.id for cell in teacher.cells}
    if not ids:
        raise Ungradable("its cells have no ids (nbformat < 4.5), so they cannot be matched to the teacher's cells")
    if len(ids & teacher_ids) < len(teacher_ids) / 2:
        raise Ungradable(f"another notebook, not {teacher_name}: only {len(ids & teacher_ids)} of its "
                         f"{len(teacher_ids)} cell ids are in it (its first cell is {nb.cells[0].get('id')!r})")
    answers = answer_ids(teacher)
    theirs, added, after = {}, {}, None  # the student's answer cells; their own code cells, by the cell they follow
    for cell in nb.cells:
        if cell.get("id") in teacher_ids:
            after = cell.id
            if cell.id in answers and cell.cell_type == "code":
                theirs[cell.id] = cell
        elif cell.cell_type == "code":
            added.setdefault(after, []).append(cell)
    cells = list(added.get(None, []))
    for cell in teacher.cells:
        if cell.id not in answers or cell.id in theirs:
            cells.append(theirs.get(cell.id, cell))
        cells += added.get(cell.id, [])
    run = copy.deepcopy(teacher)
    run.cells = [copy.deepcopy(cell) for cell in cells]
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    reasons = {}
    for exercise in exercises:
        missing = [i for i in exercise["ids"] if i in answers and i not in theirs]
        if missing:
            reasons[exercise["number"]] = (f"not graded: its answer cell{'s' * (len(missing) > 1)} "
                                           f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing")
    return run, reasons


# --- running a submission: a fresh kernel, a temporary copy of the lab's folders, one deadline ---

def lab_copy(teacher_path: Path, tmp: Path) -> Path:
    """Return tmp/notebooks, with copies of the teacher's samples/ in it and of results/ beside it."""
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    for source, target in [(teacher_path.parent / "samples", notebooks / "samples"),
                           (teacher_path.parent.parent / "results", tmp / "results")]:
        if source.is_dir():  # the notebooks read samples/ and ../results/*.csv by relative paths
            shutil.copytree(source, target)
    return notebooks


def execute(nb, teacher_path: Path, kernel_name: str, profile: str, timeout: float):
    """Run ``nb``'s code cells in a fresh kernel; return the replies by cell index, and why it stopped early or None."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    replies, cell = {}, None
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        client = NotebookClient(nb, kernel_name=kernel_name, allow_errors=True, shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(lab_copy(teacher_path, Path(tmp)))}})
        client.on_cell_executed = lambda cell_index, execute_reply, **_: replies.update(
            {cell_index: execute_reply["content"]})
        deadline = time.monotonic() + timeout
        try:
            with client.setup_kernel(env={**os.environ, "LAB_PROFILE": profile},  # MNIST_DIR passes through
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):  # not into our summary
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    if time.monotonic() >= deadline:
                        raise TimeoutError
                    client.timeout = math.ceil(deadline - time.monotonic())  # what is left of the notebook's time
                    client.execute_cell(cell, index)
        except (CellTimeoutError, TimeoutError):  # leaving setup_kernel killed the kernel's process group
            return replies, f"the notebook ran past the time limit of {timeout:g} s (in cell {cell.get('id')})"
        except DeadKernelError:
            return replies, f"the kernel died (in cell {cell.get('id') if cell else 'none: at start-up'})"
        except Exception as error:  # noqa: BLE001 (the kernel could not start, or the client failed)
            return replies, f"the kernel failed: {type(error).__name__}: {one_line(error, 150)}"
    return replies, None


def results(nb, exercises, replies, stopped) -> dict[int, tuple[bool, str]]:
    """Return (passed, message) per exercise, from the replies of its self-check and of the cells before it."""
    where = {cell.get("id"): index for index, cell in enumerate(nb.cells)}
    checks = sorted(where[e["check"].id] for e in exercises if e["check"].id in where)
    graded = {}
    for exercise in exercises:
        index = where.get(exercise["check"].id)
        if index not in replies:
            graded[exercise["number"]] = (False, f"not graded: {stopped or 'its self-check did not run'}")
            continue
        reply = replies[index]
        if reply["status"] == "ok":
            printed = [o.text for o in nb.cells[index].outputs if o.output_type == "stream" and o.name == "stdout"]
            lines = "".join(printed).strip().splitlines()
            passed, message = True, lines[-1] if lines else "its self-check ran without an error"
        else:
            passed, message = False, f"{reply.get('ename')}: {reply.get('evalue')}"
        start = max([i for i in checks if i < index], default=-1) + 1
        errors = [i for i in range(start, index) if replies.get(i, {}).get("status") == "error"]
        if errors:
            first = replies[errors[0]]
            message += (f" (before it, cell {nb.cells[errors[0]].get('id', errors[0])} raised "
                        f"{first.get('ename')}: {first.get('evalue')})")
        graded[exercise["number"]] = (passed, one_line(message))
    return graded


def grade(teacher, exercises, teacher_path: Path, path: Path, profile: str, timeout: float) -> dict:
    """Return (passed, message) per exercise for the submission at ``path``; it never raises."""
    try:
        nb, reasons = graded_notebook(teacher, exercises, read_submission(path, teacher_path.name), teacher_path.name)
        graded = {number: (False, reason) for number, reason in reasons.items()}
        if len(graded) < len(exercises):
            kernel = teacher.metadata.get("kernelspec", {}).get("name", "python3")
            replies, stopped = execute(nb, teacher_path, kernel, profile, timeout)
            graded = {**results(nb, exercises, replies, stopped), **graded}
    except Ungradable as error:
        graded = {exercise["number"]: (False, str(error)) for exercise in exercises}
    except Exception as error:  # noqa: BLE001 (one submission must not stop the others)
        graded = {e["number"]: (False, f"not graded: the grader failed on it: {type(error).__name__}: "
                                       f"{one_line(error, 150)}") for e in exercises}
    return graded


# --- the command: arguments, the run, the table and the summary ---

def positive_seconds(text: str) -> float:
    """Return ``text`` as a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return seconds


def parse_args(argv=None):
    """Return the checked arguments; a bad one exits with one line and status 2."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.error = lambda message: parser.exit(2, f"grade.py: error: {message}\n")  # one line, no usage block
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks (or of one folder per student)")
    parser.add_argument("--notebook", type=Path, required=True, help="the teacher's notebook they are graded against")
    parser.add_argument("--profile", choices=tuple(DEFAULT_TIMEOUT), default="grading",
                        help="LAB_PROFILE for the kernels: grading (the default) runs small and checks the floors "
                             "calibrated for it, full runs as the committed outputs, smoke checks only the code")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="seconds per notebook (default " + ", ".join(
                            f"{seconds} in {name}" for name, seconds in DEFAULT_TIMEOUT.items()) + ")")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), metavar="CSV",
                        help="the table to write (default grades.csv)")
    args = parser.parse_args(argv)
    args.timeout = args.timeout or DEFAULT_TIMEOUT[args.profile]
    if not args.submissions.is_dir():
        parser.error(f"the submissions folder {args.submissions} does not exist or is not a folder")
    if args.out.is_dir():
        parser.error(f"--out {args.out} is a folder; give the path of the CSV file to write")
    args.students = find_submissions(args.submissions, skip=args.out.resolve())
    if not args.students:
        parser.error(f"the submissions folder {args.submissions} is empty")
    try:
        args.teacher, args.exercises = read_teacher(args.notebook)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    args.notebook = args.notebook.resolve()  # the folder above it holds results/
    return args


def write_table(path: Path, rows) -> None:
    """Write ``rows`` as CSV to ``path`` through a temporary file and one rename (mode 600: grades are private)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([COLUMNS, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text.getvalue())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None) -> int:
    args = parse_args(argv)
    numbers = [exercise["number"] for exercise in args.exercises]
    print(f"Grading {len(args.students)} submission(s) against {args.notebook.name}, exercises "
          f"{', '.join(map(str, numbers))}: {args.profile} profile, at most {args.timeout:g} s each.")
    rows = []
    for student, path in args.students:
        start = time.monotonic()
        graded = grade(args.teacher, args.exercises, args.notebook, path, args.profile, args.timeout)
        rows += [(student, number, *graded[number]) for number in numbers]
        score = sum(passed for passed, _ in graded.values())
        print(f"  {student}: {score}/{len(numbers)} ({time.monotonic() - start:.0f} s)", flush=True)
    for number in numbers:
        passed = sum(row[2] for row in rows if row[1] == number)
        print(f"  exercise {number}: passed by {passed} of {len(args.students)}")
    write_table(args.out, rows)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
