"""The grading profile's accuracy floors: each calibrated (results/grading_floors.csv) and passed by the solution."""
import ast
import csv
from pathlib import Path

import nbformat
import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
floors = load_script("scripts/grading_floors.py")
ROWS = list(csv.DictReader((ROOT / "results" / "grading_floors.csv").open(newline="", encoding="utf-8")))


def grading_floors_in(stem: str) -> set[float]:
    """Return the constant floors that notebook ``stem`` gives the grading profile (`profile.choose(grading=...)`)."""
    path = next((ROOT / "notebooks").glob(f"{stem}_*.ipynb"))
    found = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "grading=" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "choose":
                value = ast.literal_eval(next(k.value for k in node.keywords if k.arg == "grading"))
                found.add(value[-1] if isinstance(value, tuple) else value)  # (epochs, goal): the goal
    return {value for value in found if isinstance(value, float)}


@pytest.mark.parametrize("stem", floors.FLOORS)
def test_every_floor_is_calibrated_with_the_notebooks_value_and_the_solution_passes_it(stem):
    rows = [row for row in ROWS if row["notebook"] == stem]
    for exercise, name, _ in floors.FLOORS[stem]:
        mine = [row for row in rows if (int(row["exercise"]), row["quantity"]) == (exercise, name)]
        assert mine, f"{stem} exercise {exercise} ({name}) has no calibration: run scripts/grading_floors.py {stem}"
        for precision in {row["precision"] for row in mine}:
            latest = max((row for row in mine if row["precision"] == precision), key=lambda row: row["finished_utc"])
            assert float(latest["value"]) > float(latest["floor"]), f"the solution fails its floor: {latest}"
    constant = {name for _, name, floor in floors.FLOORS[stem] if floor != "test_accuracy"}  # not a relative one
    recorded = {float(max((row for row in rows if row["quantity"] == name), key=lambda row: row["finished_utc"])
                      ["floor"]) for name in constant}
    assert grading_floors_in(stem) == recorded, (
        f"notebook {stem} sets grading floors {grading_floors_in(stem)}, calibrated: {recorded}; run "
        f"scripts/grading_floors.py {stem} after changing one")


def test_notebooks_03_and_04_are_calibrated_in_both_precisions():
    for stem in ("03", "04"):
        assert {row["precision"] for row in ROWS if row["notebook"] == stem} >= {"float32", "mixed_bfloat16"}
