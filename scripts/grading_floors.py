"""Calibrate the grading profile's accuracy floors: run the teacher's solutions in it and record what they reach.

    python scripts/grading_floors.py                 # notebooks 01 to 04, in this CPU's precision
    LAB_PRECISION=float32 python scripts/grading_floors.py 03 04

Each notebook with a floor runs top to bottom with LAB_PROFILE=grading (the lesson as small as in the smoke profile;
the exercises with floors on enough data to learn, see the notebooks' `profile.choose(..., grading=...)`), then each
floored quantity and its floor are read from the kernel. One row per quantity goes to results/grading_floors.csv:
the value the teacher's solution reached, the floor the self-check asks for, and the margin between them. A floor sits
at about half the way from chance (10%) to what the solution reaches, so that a network that learned passes and one
that did not (wrong labels, unscaled pixels, no softmax, a rate far off) fails. 01 and 02 force float32; 03 and 04
compute in bfloat16 where the CPU has it, so calibrate them with and without LAB_PRECISION=float32.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so the command also works before `pip install -e .`

from bench.machine import current_cpu, utc_timestamp  # noqa: E402
from bench.records import append_run  # noqa: E402

CSV = ROOT / "results" / "grading_floors.csv"
FLOORS = {  # notebook: (exercise, the quantity the self-check bounds, its floor), as the kernel holds them at the end
    "01": [(3, "momentum_accuracy", "test_accuracy"), (4, "small_accuracy", "floor")],
    "02": [(4, "my_accuracy", "floor")],
    "03": [(5, "probe_accuracy", "floor")],
    "04": [(4, "my_val", "goal")],
}


def measure(stem: str) -> list[dict]:
    """Run notebook ``stem`` in the grading profile; return a row per floored quantity."""
    import nbformat
    from nbclient import NotebookClient

    path = next((ROOT / "notebooks").glob(f"{stem}_*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    quantities = {f"{exercise}:{name}": [name, floor] for exercise, name, floor in FLOORS[stem]}
    read = ("import json, keras\nprint(json.dumps({'precision': keras.mixed_precision.global_policy().name, "
            + ", ".join(f"{key!r}: [float({name}), float({floor})]" for key, (name, floor) in quantities.items())
            + "}))")
    nb.cells.append(nbformat.v4.new_code_cell(read))
    os.environ["LAB_PROFILE"] = "grading"
    NotebookClient(nb, timeout=1200, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    values = json.loads(nb.cells[-1].outputs[-1]["text"])
    precision, cpu, finished = values.pop("precision"), current_cpu(), utc_timestamp()
    rows = []
    for key, (value, floor) in values.items():
        exercise, name = key.split(":")
        rows.append({"notebook": stem, "exercise": exercise, "quantity": name, "value": f"{value:.4f}",
                     "floor": f"{floor:.4f}", "margin": f"{value - floor:+.4f}", "precision": precision,
                     "cpu": cpu, "finished_utc": finished})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", metavar="NN",
                        help=f"the notebooks to calibrate ({', '.join(FLOORS)}; default all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.notebooks) - set(FLOORS))
    if unknown:
        parser.error(f"no floors to calibrate in {', '.join(unknown)}: choose from {', '.join(FLOORS)}")
    for stem in args.notebooks or FLOORS:
        rows = measure(stem)
        for row in rows:
            append_run(CSV, row)  # atomically, one row at a time
            print(f"{stem} exercise {row['exercise']}: {row['quantity']} = {row['value']} against the floor "
                  f"{row['floor']} ({row['precision']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
