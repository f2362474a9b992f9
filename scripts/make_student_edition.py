"""Write the student edition of every notebook: solutions replaced by stubs, outputs cleared.

    python scripts/make_student_edition.py              # writes student/NN_*.ipynb
    python scripts/make_student_edition.py --out DIR
    python scripts/make_student_edition.py --out ../lab-student/notebooks   # to publish it (docs/publishing.md)

In the teacher's notebooks each solution sits between `### BEGIN SOLUTION` and `### END SOLUTION` lines
(nbgrader's convention). In the student edition those lines and everything between them become one
`raise NotImplementedError(...)` that says which exercise it is; code around the markers stays. Every
output is cleared. The Colab badge and the Colab set-up cell open and clone the student edition's branch
(`student_branch` in pyproject's [tool.colab_cells]) instead of the solutions' branch. Everything else is
unchanged. The student edition is built on demand and is not committed (student/ is git-ignored).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "scripts"))  # its sibling colab_cells.py, shadowing nothing installed

import colab_cells as colab  # noqa: E402

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SELF_CHECK = re.compile(r"# Self-check for exercise (\d+)\b")  # the first line of each exercise's self-check cell


def strip_solutions(source: str, exercise: int, where: str) -> str:
    """Return ``source`` with each marked solution replaced by a NotImplementedError stub."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: '{BEGIN}' inside another solution; close the first one.")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("Exercise {exercise}: write your solution here, '
                       f'then run the self-check cell below.")')
        elif marker == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' is never closed by '{END}'.")
    return "\n".join(out)


def make_student_notebook(nb, notebook: str | None = None, address: colab.Address | None = None):
    """Return a copy of notebook ``nb`` with solutions stubbed and outputs cleared.

    address: where the student edition lives; its Colab badge and set-up cell then open and clone the notebook
    ``notebook`` (a file name in notebooks/) there.
    """
    import copy

    student, exercise = copy.deepcopy(nb), 0
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        if BEGIN in cell.source:
            exercise += 1
            cell.source = strip_solutions(cell.source, exercise, f"cell {index}")
        cell.outputs, cell.execution_count = [], None
    if address is not None:
        point_colab_cells(student, notebook, address)
    return student


def point_colab_cells(student, notebook: str, address: colab.Address) -> None:
    """Make the Colab badge and set-up cell of ``student`` (changed in place) open and clone ``address``."""
    stale = set(colab.update_notebook(student, notebook, address)) - {"badge out of date", "set-up cell out of date"}
    if stale:
        raise ValueError(f"its Colab cells are not up to date ({', '.join(sorted(stale))}); "
                         "run `python scripts/colab_cells.py` first.")
    for cell in student.cells:
        if isinstance(cell.source, list):  # colab_cells stores sources as lists of lines, nbformat as strings
            cell.source = "".join(cell.source)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    address = colab.read_address(student=True)
    import nbformat

    from lab_utils import io

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        try:
            student = make_student_notebook(nbformat.read(path, as_version=4), path.name, address)
        except ValueError as error:
            raise SystemExit(f"{path.name}: {error}") from None
        nbformat.validate(student)
        io.write_atomic(args.out / path.name, nbformat.writes(student) + "\n")
        print(f"wrote {args.out / path.name}")
    samples = ROOT / "notebooks" / "samples"
    if samples.is_dir():  # notebook 06 opens its sample images by the relative path samples/
        shutil.copytree(samples, args.out / "samples", dirs_exist_ok=True)
        print(f"copied {samples.relative_to(ROOT)}/ to {args.out / 'samples'}")
    print(f"The badges and Colab set-up cells open branch {address.branch!r} of {address.url}: publish the student "
          "edition there (docs/publishing.md).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
