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
import csv
import datetime
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "results" / "grading_floors.csv"
COLUMNS = ("notebook", "exercise", "quantity", "value", "floor", "margin", "precision", "cpu", "finished_utc")
FLOORS = {  # notebook: (exercise, the quantity the self-check bounds, its floor), as the kernel holds them at the end
    "01": [(3, "momentum_accuracy", "test_accuracy"), (4, "small_accuracy", "floor")],
    "02": [(4, "my_accuracy", "floor")],
    "03": [(5, "probe_accuracy", "floor")],
    "04": [(4, "my_val", "goal")],
}


def cpu_name() -> str:
    """Return the CPU's model name and whether it has bfloat16 instructions, as /proc/cpuinfo says."""
    try:
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:
        return platform.processor() or "unknown"
    name = next((line.partition(":")[2].strip() for line in lines if line.startswith("model name")), "unknown")
    flags = next((line.partition(":")[2].split() for line in lines if line.startswith("flags")), [])
    return f"{name} ({'AVX512-BF16' if 'avx512_bf16' in flags else 'no bfloat16'})"


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
    precision, finished = values.pop("precision"), datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for key, (value, floor) in values.items():
        exercise, name = key.split(":")
        rows.append({"notebook": stem, "exercise": exercise, "quantity": name, "value": f"{value:.4f}",
                     "floor": f"{floor:.4f}", "margin": f"{value - floor:+.4f}", "precision": precision,
                     "cpu": cpu_name(), "finished_utc": finished.strftime("%Y-%m-%dT%H:%M:%SZ")})
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
        old = list(csv.DictReader(CSV.open(newline="", encoding="utf-8"))) if CSV.is_file() else []
        tmp = CSV.with_suffix(".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(old + rows)
        tmp.replace(CSV)
        for row in rows:
            print(f"{stem} exercise {row['exercise']}: {row['quantity']} = {row['value']} against the floor "
                  f"{row['floor']} ({row['precision']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
