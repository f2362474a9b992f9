"""Make a class of generated submissions of one notebook, to try grading before the students hand theirs in.

    python scripts/make_submissions.py notebooks/04_experiments.ipynb --out /tmp/class-04
    python scripts/grade.py /tmp/class-04 --notebook notebooks/04_experiments.ipynb --out /tmp/04.csv

Each student's notebook (student-01.ipynb, ...) is the teacher's with each exercise's answer cell replaced by one of:
the teacher's solution, the student edition's stub, or one of the wrong answers catalogued for that exercise in
tests/wrong_answers/notebook_NN.py, drawn at random (--seed). The key, which answer each student got, is written
beside the folder (/tmp/class-04-key.csv: student, exercise, answer): every stub and every wrong answer must be graded
as failed. A solution fails only when an earlier answer broke what it uses (04's build_model, for example).
"""
from __future__ import annotations

import argparse
import copy
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "scripts"))  # the sibling scripts, shadowing nothing installed
sys.path.append(str(ROOT / "tests"))  # the catalogue of wrong answers

import make_student_edition as edition  # noqa: E402

SHARES = {"solution": 0.6, "wrong": 0.25, "stub": 0.15}  # what a student's answer to an exercise is, how often


def make_class(nb, wrong: dict, students: int, seed: int):
    """Return [(student, notebook, {exercise: answer})] for ``students`` generated submissions of ``nb``."""
    from nbval_wrong import exercises

    rng, answers, made = random.Random(seed), [(number, cell) for number, cell, _ in exercises(nb)], []
    for number in range(1, students + 1):
        submission, key = copy.deepcopy(nb), {}
        for exercise, index in answers:
            kind = rng.choices(list(SHARES), weights=list(SHARES.values()))[0]
            if kind == "wrong" and not wrong.get(exercise):
                kind = "stub"
            cell = submission.cells[index]
            if kind == "stub":
                cell.source = edition.strip_solutions(cell.source, exercise, f"cell {index}")
                key[exercise] = "stub"
            elif kind == "wrong":
                mistake = rng.choice(sorted(wrong[exercise]))
                entry = wrong[exercise][mistake]
                cell.source = (entry if isinstance(entry, str) else entry[0]).strip()
                key[exercise] = f"wrong: {mistake}"
            else:
                key[exercise] = "solution"
            cell.outputs, cell.execution_count = [], None
        made.append((f"student-{number:02d}", submission, key))
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path, help="the teacher's notebook, notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, required=True, help="the folder to make (new): one notebook per student")
    parser.add_argument("--students", type=int, default=30, help="how many submissions (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="the draw of answers (default 0)")
    args = parser.parse_args(argv)
    import nbformat
    from nbval_wrong import catalogue

    if not args.notebook.is_file():
        parser.exit(2, f"make_submissions.py: {args.notebook} is not a file\n")
    if args.out.exists():
        parser.exit(2, f"make_submissions.py: --out {args.out} exists already; name a new folder\n")
    if args.students < 1:
        parser.exit(2, f"make_submissions.py: --students must be at least 1, got {args.students}\n")
    nb = nbformat.read(args.notebook, as_version=4)
    made = make_class(nb, catalogue(args.notebook.stem), args.students, args.seed)
    args.out.mkdir(parents=True)
    for student, submission, _ in made:
        nbformat.write(submission, args.out / f"{student}.ipynb")
    key_path = args.out.parent / f"{args.out.name}-key.csv"
    with open(key_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["student", "exercise", "answer"])
        writer.writerows((student, exercise, answer) for student, _, key in made for exercise, answer in key.items())
    print(f"wrote {len(made)} submissions of {args.notebook.name} to {args.out}, and the key to {key_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
