"""Give the exercises nbgrader's cell metadata, so that a teacher can use the notebooks as nbgrader's source.

    python scripts/nbgrader_metadata.py              # update notebooks/NN_*.ipynb in place
    python scripts/nbgrader_metadata.py --check      # change nothing; exit 1 naming each notebook that is out of date
    python scripts/nbgrader_metadata.py PATH ...     # just these notebooks

An exercise's code cell holds its solution between `### BEGIN SOLUTION` and `### END SOLUTION`: it becomes an answer
cell (nbgrader's "solution", grade id `nbNN-exK-answer`). A code cell that starts with `# Self-check for exercise K`
becomes an autograded test worth one point, locked (grade id `nbNN-exK-check`). The metadata follows nbgrader's cell
schema version 3 (nbgrader 0.9); no other cell keeps any. Only the cells' metadata change: sources, outputs and
everything else stay byte for byte as they were, and running the script again changes nothing.
`python scripts/nbgrader_check.py` proves that nbgrader grades the result.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # the sibling scripts, shadowing nothing installed

import colab_cells as colab  # noqa: E402
from make_student_edition import BEGIN, SELF_CHECK  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_VERSION = 3  # nbgrader/nbgraderformat/v3.json
POINTS = 1  # per self-check


def answer_metadata(grade_id: str) -> dict:
    """Return nbgrader's metadata of an answer cell (a solution, not graded by itself)."""
    return {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": SCHEMA_VERSION, "solution": True,
            "task": False}


def check_metadata(grade_id: str) -> dict:
    """Return nbgrader's metadata of a self-check cell (an autograded test, locked)."""
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": POINTS, "schema_version": SCHEMA_VERSION,
            "solution": False, "task": False}


def wanted_metadata(nb: dict, notebook: str) -> list[dict | None]:
    """Return the nbgrader metadata each cell of ``nb`` should have (None: none), in order."""
    number = re.match(r"(\d\d)_", notebook)
    if not number:
        raise ValueError("the file name should start with the notebook's number, as in 04_experiments.ipynb")
    wanted, exercise = [], 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        check = SELF_CHECK.match(text) if cell["cell_type"] == "code" else None
        if cell["cell_type"] == "code" and BEGIN in text:
            exercise += 1
            wanted.append(answer_metadata(f"nb{number[1]}-ex{exercise}-answer"))
        elif check:
            wanted.append(check_metadata(f"nb{number[1]}-ex{check[1]}-check"))
        else:
            wanted.append(None)
    ids = [meta["grade_id"] for meta in wanted if meta]
    duplicates = sorted({grade_id for grade_id in ids if ids.count(grade_id) > 1})
    if duplicates:
        raise ValueError(f"two cells would share nbgrader's grade id {duplicates[0]}: number each exercise once")
    return wanted


def update_notebook(nb: dict, notebook: str) -> list[str]:
    """Bring the nbgrader metadata of ``nb`` (its JSON, changed in place) up to date; return what changed."""
    changes = []
    for index, (cell, wanted) in enumerate(zip(nb["cells"], wanted_metadata(nb, notebook))):
        metadata = cell.setdefault("metadata", {})
        if wanted is None and "nbgrader" in metadata:
            del metadata["nbgrader"]
            changes.append(f"cell {index}: nbgrader metadata removed")
        elif wanted is not None and metadata.get("nbgrader") != wanted:
            metadata["nbgrader"] = wanted
            changes.append(f"cell {index}: {wanted['grade_id']}")
    return changes


def process(path: Path, check: bool = False) -> list[str]:
    """Update the notebook at ``path`` (unless ``check``); return what was, or would be, changed."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{path}: cannot be read as a notebook ({error})") from None
    try:
        changes = update_notebook(nb, path.name)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: {error}") from None
    if changes and not check:
        colab.write_atomic(path, colab.dumps(nb))
    return changes


def main(argv=None) -> int:
    paths, check = colab.notebook_arguments(__doc__, argv)
    stale = 0
    for path in paths:
        try:
            changes = process(path, check=check)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        if changes:
            stale += 1
            print(f"{path}: {len(changes)} cell(s) out of date ({', '.join(changes)})"
                  + ("" if check else " (updated)"))
    if check and stale:
        print(f"{stale} notebook(s) lack nbgrader's metadata; run `python scripts/nbgrader_metadata.py`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
