"""Prove that nbgrader can use a lab notebook as its source: the solutions score every point, the stubs none.

    python scripts/nbgrader_check.py                                        # notebook 00, the quickest
    python scripts/nbgrader_check.py --notebook notebooks/01_dense_baseline.ipynb
    python scripts/nbgrader_check.py --keep DIR                             # keep the course folder in DIR

Needs nbgrader in this environment (`bash .ci/nbgrader` makes one). In a temporary nbgrader course folder the notebook,
with the metadata of scripts/nbgrader_metadata.py, is the source of an assignment. `nbgrader generate_assignment`
writes its release version (nbgrader's own stubs); `nbgrader autograde` then runs two submissions in the smoke profile
(MNIST_DIR passed through): the teacher's notebook, which must score every point, and the release version, which must
score 0. The submissions sit where the notebooks expect: samples/ beside them, ../results/ above. The self-checks'
hidden tests (`### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS`) must be absent from the release version and back
in every graded copy. Prints both scores read from nbgrader's gradebook and the hidden tests found; exit 1 if anything
is not as expected (or nbgrader fails), 2 for bad input.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # the sibling scripts, shadowing nothing installed

import nbgrader_metadata  # noqa: E402
from make_student_edition import HIDDEN_TESTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "lab"
SUBMISSIONS = {"solutions": "the teacher's notebook", "stubs": "nbgrader's release version"}  # student id: what
HIDDEN = "### BEGIN HIDDEN TESTS"


def hidden_lines(notebook: Path) -> set[str]:
    """Return the lines of code inside the hidden-test blocks of ``notebook``'s cells (markers left out)."""
    import nbformat

    blocks = (match.group(0) for cell in nbformat.read(notebook, as_version=4).cells
              for match in HIDDEN_TESTS.finditer(cell.source))
    return {line.strip() for block in blocks for line in block.splitlines()[1:-1] if line.strip()}


def hidden_problems(course: Path, notebook: Path) -> list[str]:
    """Return what is wrong with the hidden tests: shown in the release version, or missing from a graded copy."""
    wanted, problems = hidden_lines(notebook), []
    released = code_lines(course / "release" / ASSIGNMENT / notebook.name)
    shown = wanted & released
    if HIDDEN in released or shown:
        problems.append(f"the release version shows hidden tests ({len(shown)} line(s))")
    for student in SUBMISSIONS:
        if wanted - code_lines(course / "autograded" / student / ASSIGNMENT / notebook.name):
            problems.append(f"{student}'s graded copy lacks hidden tests")
    return problems


def code_lines(notebook: Path) -> set[str]:
    """Return the stripped lines of every cell of ``notebook``."""
    import nbformat

    return {line.strip() for cell in nbformat.read(notebook, as_version=4).cells for line in cell.source.splitlines()}


def run_nbgrader(course: Path, *args: str) -> None:
    """Run ``nbgrader ARGS`` on the course folder ``course``; exit 1 with its last lines if it fails."""
    env = {**os.environ, "LAB_PROFILE": "smoke"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    shared = ROOT.parent / "shared" / "data" / "mnist"  # as conftest.py: the offline copy when MNIST_DIR is unset
    if not env.get("MNIST_DIR") and shared.is_dir():
        env["MNIST_DIR"] = str(shared)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force", f"--CourseDirectory.root={course}"],
                            env=env, capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        print(f"nbgrader {args[0]} failed (exit {result.returncode}):\n{tail}", file=sys.stderr)
        raise SystemExit(1)


def submit(course: Path, student: str, notebook: Path) -> None:
    """Put ``notebook`` in the course as ``student``'s submission, with samples/ beside it and ../results/ above.

    (samples/ travels with the submission into autograded/; ../results/ is linked above both folders.)
    """
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / notebook.name)
    # nbgrader runs a submission in its own folder: give it what the notebooks read relative to notebooks/.
    if (ROOT / "notebooks" / "samples").is_dir():
        shutil.copytree(ROOT / "notebooks" / "samples", folder / "samples")
    # nbgrader runs it from autograded/STUDENT/ASSIGNMENT/: ../results/ must be there too.
    for parent in (folder.parent, course / "autograded" / student):
        parent.mkdir(parents=True, exist_ok=True)
        (parent / "results").symlink_to(ROOT / "results", target_is_directory=True)


def grade(course: Path, notebook: Path) -> dict[str, tuple[float, float]]:
    """Generate the assignment from ``notebook``, autograde both submissions; return {student: (score, max score)}."""
    from nbgrader.api import Gradebook

    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(notebook, source / notebook.name)
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    submit(course, "solutions", notebook)
    submit(course, "stubs", course / "release" / ASSIGNMENT / notebook.name)
    run_nbgrader(course, "autograde", ASSIGNMENT, "--Execute.timeout=600")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submissions = {student: gradebook.find_submission(ASSIGNMENT, student) for student in SUBMISSIONS}
        return {student: (submission.score, submission.max_score) for student, submission in submissions.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "00_mnist_at_a_glance.ipynb")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="make the course folder here (new) and keep it")
    args = parser.parse_args(argv)
    try:
        import nbgrader
    except ImportError:
        parser.exit(2, "nbgrader is not installed in this environment: `pip install nbgrader`, or run "
                       "`bash .ci/nbgrader`.\n")
    try:
        stale = nbgrader_metadata.process(args.notebook, check=True)
    except ValueError as error:
        parser.exit(2, f"{error}\n")
    if stale:
        parser.exit(2, f"{args.notebook}: its nbgrader metadata is out of date; run "
                       "`python scripts/nbgrader_metadata.py`.\n")
    if args.keep and args.keep.exists():
        parser.exit(2, f"--keep {args.keep}: the folder exists already; name a new one.\n")

    # nbgrader's gradebook runs the `alembic` command: find it beside this Python even when its venv is not activated.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nbgrader-course-") as scratch:
        course = (args.keep or Path(scratch) / "course").resolve()
        scores = grade(course, args.notebook.resolve())
        problems = hidden_problems(course, args.notebook.resolve())
    print(f"nbgrader {nbgrader.__version__} graded {args.notebook.name} (smoke profile):")
    wrong = len(problems)
    for student, what in SUBMISSIONS.items():
        score, top = scores[student]
        expected = top if student == "solutions" else 0
        ok = top > 0 and score == expected
        wrong += not ok
        label = f"{what} ({student}):"
        print(f"  {label:42} {score:g} / {top:g} points (expected {expected:g}){'' if ok else '  <- WRONG'}")
    hidden = len(hidden_lines(args.notebook))
    print(f"  hidden tests: {hidden} line(s); " + ("; ".join(f"{p}  <- WRONG" for p in problems) if problems else
          "none in the release version, all in the graded copies" if hidden else "none in this notebook"))
    print(f"done in {time.monotonic() - started:.0f} s")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
