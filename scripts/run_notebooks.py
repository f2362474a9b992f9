"""Run notebooks top to bottom in a fresh kernel, time them, and record the times.

    python scripts/run_notebooks.py                    # full profile, every notebook, outputs saved in place
    python scripts/run_notebooks.py --profile smoke    # smoke profile: times only, notebooks left untouched
    python scripts/run_notebooks.py 02_seed_cnn        # just one (a name prefix is enough)
    python scripts/run_notebooks.py --table-only       # rebuild the tables from the CSV; runs no notebook
    python scripts/run_notebooks.py 03 05 06 --prepared /srv/lab-networks   # with a teacher's prepared networks

The committed notebook outputs come from the full-profile command above. Times go to
results/notebook_times.csv (every run a row, none ever dropped; the tables show the newest per notebook, profile
and machine), and from there to two tables: the README's (`notebook-times` block) and the teacher guide's
(docs/teacher_guide.md: the same block, with a column per machine, plus one `time-<notebook>` line in each
notebook's section). Every notebook in notebooks/ gets
a row; one that has not been timed yet shows "–". Each CSV row records the CPU, its cores and the GPU (or "none"),
and which trained networks the run found: `none` (nothing saved in artifacts/), `saved` (some saved there by an
earlier run) or `prepared` (--prepared DIR: LAB_ARTIFACTS_DIR=DIR, a folder made by `python -m bench prepare`).
The tables above show the runs without prepared networks; results/README.md has the prepared runs in a table of
their own (`notebook-times-prepared` block).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOTEBOOKS_DIR = ROOT / "notebooks"
TIMES_CSV = ROOT / "results" / "notebook_times.csv"
README = ROOT / "results" / "README.md"  # the full table; README.md itself is written by hand
GUIDE = ROOT / "docs" / "teacher_guide.md"
BLOCK = "notebook-times"  # the table's block, in the README and in the guide
TIME_LINE = re.compile(r"<!-- (time-([0-9][0-9]_[^ ]+)):start -->")  # one line per notebook section in the guide
PROFILES = ("full", "smoke")
COMMAND = "python scripts/run_notebooks.py [--profile smoke]"
MISSING = "–"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--profile", choices=list(PROFILES), default="full")
    parser.add_argument("--no-save", action="store_true", help="do not write outputs back into the notebooks")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument("--prepared", type=Path, metavar="DIR",
                        help="run with LAB_ARTIFACTS_DIR=DIR, a folder of prepared networks (python -m bench prepare)")
    parser.add_argument("--table-only", action="store_true",
                        help="run no notebook: rebuild the README's and the teacher guide's tables from the CSV")
    args = parser.parse_args(argv)
    if args.table_only and args.names:
        parser.error("--table-only rebuilds the tables for every notebook; it takes no notebook names")
    if args.prepared is not None and not (args.prepared / "manifest.json").is_file():
        parser.error(f"--prepared {args.prepared}: no manifest.json there; make the folder with python -m bench prepare")
    return args


def saved_networks(profile: str) -> bool:
    """Return whether artifacts_dir() holds a trained network a notebook would load (so a run is not a fresh clone's)."""
    from lab_utils.artifacts import artifacts_dir

    folder = artifacts_dir()
    return (folder / f"seed_cnn_{profile}.keras").exists() or any((folder / "ladder").glob("step5_*.keras"))


def select(names):
    notebooks = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return notebooks
    chosen = [nb for nb in notebooks if any(nb.stem.startswith(n) for n in names)]
    unknown = [n for n in names if not any(nb.stem.startswith(n) for nb in notebooks)]
    if unknown:
        raise SystemExit(f"No notebook matches {', '.join(unknown)}; notebooks: {', '.join(nb.stem for nb in notebooks)}")
    return chosen


def run(path: Path, timeout: int) -> tuple[object, float]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------------------
# The times table: read and merged here, rendered for the README and the guide. No notebook runs below this line.
# ---------------------------------------------------------------------------------------------------------------

def read_times(path):
    """Return every recorded time (a row per run); an empty table if there are none."""
    import pandas as pd

    from bench.records import read_runs

    times = read_runs(path)
    if times.empty:
        return pd.DataFrame(columns=["notebook", "profile", "seconds", "cpu", "cores", "gpu", "finished_utc",
                                     "networks"])
    if "gpu" not in times:
        times["gpu"] = "none"
    # Rows written before the gpu column existed were all timed on the lab's CPU-only machines; rows written before
    # the networks column existed did not record what was saved (blank).
    times["gpu"] = times["gpu"].fillna("none").astype(str)
    times["networks"] = times["networks"].fillna("").astype(str) if "networks" in times else ""
    return times


def merge_times(times, rows):
    """Return ``times`` with ``rows`` added, oldest first: every row is kept; the tables show the newest of each."""
    import pandas as pd

    new = pd.DataFrame(rows)
    merged = times.copy() if new.empty else new if times.empty else pd.concat([times, new], ignore_index=True)
    merged["gpu"] = merged["gpu"].fillna("none").astype(str)
    merged["networks"] = merged["networks"].fillna("").astype(str) if "networks" in merged else ""
    merged = merged.sort_values("finished_utc", kind="stable")
    return merged.sort_values(["notebook", "profile", "cpu", "gpu"], kind="stable").reset_index(drop=True)


def device_label(row) -> str:
    """Return the machine a row was timed on: its GPU if it had one, else its CPU and core count."""
    gpu = str(row["gpu"])
    if gpu and gpu != "none":
        return f"{gpu} (GPU)"
    return f"{row['cpu']} ({int(row['cores'])} cores)"


def newest_minutes(times, stems):
    """Return ({(notebook, device, profile): minutes}, devices): CPU machines first, then GPUs, each sorted."""
    minutes, devices = {}, []
    rows = times[times["notebook"].isin(stems) & (times.get("networks", "") != "prepared")]
    rows = rows.sort_values("finished_utc", kind="stable")
    for _, row in rows.iterrows():
        device = device_label(row)
        minutes[(row["notebook"], device, row["profile"])] = float(row["seconds"]) / 60
        if device not in devices:
            devices.append(device)
    devices.sort(key=lambda d: (d.endswith("(GPU)"), d))
    return minutes, devices


def _cell(minutes, key) -> str:
    return f"{minutes[key]:.1f}" if key in minutes else MISSING


def readme_markdown(times, stems) -> str:
    """Return the README's table: minutes per notebook and profile, one column pair per machine timed."""
    import pandas as pd

    from bench.records import to_markdown

    if not stems:
        raise ValueError("there is no notebook to list: notebooks/ holds no NN_*.ipynb file.")
    minutes, devices = newest_minutes(times, stems)
    table = {"notebook": list(stems)}
    for device in devices or [None]:
        for profile in PROFILES:
            header = f"{profile} profile (min)" if len(devices) <= 1 else f"{profile} profile, {device} (min)"
            table[header] = [_cell(minutes, (stem, device, profile)) for stem in stems]
    where = f" on {devices[0]}" if len(devices) == 1 else ""
    return to_markdown(pd.DataFrame(table)) + (
        f"\nWall time of *Run All* in a fresh kernel{where}; {MISSING} means not measured yet. Command: `{COMMAND}`.\n")


def guide_markdown(times, stems) -> str:
    """Return the teacher guide's table: like the README's, with the machine in every column and GPU columns always."""
    import pandas as pd

    from bench.records import to_markdown

    if not stems:
        raise ValueError("there is no notebook to list: notebooks/ holds no NN_*.ipynb file.")
    minutes, devices = newest_minutes(times, stems)
    has_gpu = any(d.endswith("(GPU)") for d in devices)
    table = {"notebook": list(stems)}
    for device in devices + ([] if has_gpu else ["a GPU"]):
        for profile in PROFILES:
            table[f"{profile} profile on {device}"] = [_cell(minutes, (stem, device, profile)) for stem in stems]
    notes = [f"Wall time of *Run All* in a fresh kernel, in minutes ({MISSING} means not measured yet). "
             f"Command: `{COMMAND}`; every row is in `results/notebook_times.csv`, with the CPU, cores and GPU it ran "
             "on. `python scripts/run_notebooks.py --table-only` rebuilds this table from that file."]
    if not has_gpu:
        notes.append("GPU: not measured yet. On a machine with a GPU, `python scripts/run_notebooks.py --no-save` "
                     "and `python scripts/run_notebooks.py --profile smoke` add its rows (and columns) here.")
    return to_markdown(pd.DataFrame(table)) + "\n" + "\n\n".join(notes) + "\n"


def time_line(times, stem, exists: bool) -> str:
    """Return one sentence for a notebook's section in the guide: its measured minutes on each machine."""
    if not exists:
        return f"*Run All*: not measured yet (`notebooks/{stem}.ipynb` does not exist yet)."
    minutes, devices = newest_minutes(times, [stem])
    if not devices:
        return "*Run All*: not measured yet, in either profile."
    parts = []
    for device in devices:
        profiles = [f"{profile} profile {minutes[(stem, device, profile)]:.1f} min"
                    if (stem, device, profile) in minutes else f"{profile} profile not measured yet"
                    for profile in PROFILES]
        parts.append(f"on {device}: {', '.join(profiles)}")
    gpu = "" if any(d.endswith("(GPU)") for d in devices) else " On a GPU: not measured yet."
    return "*Run All* " + "; ".join(parts) + "." + gpu


def prepared_markdown(times) -> str:
    """Return the table of runs with prepared networks: minutes per notebook and machine (full profile)."""
    import pandas as pd

    from bench.records import to_markdown

    rows = times[(times.get("networks", "") == "prepared") & (times["profile"] == "full")]
    rows = rows.assign(machine=rows.apply(device_label, axis=1) if len(rows) else "")
    rows = rows.sort_values("finished_utc", kind="stable").drop_duplicates(["notebook", "machine"], keep="last")
    if rows.empty:
        return "No run with prepared networks recorded yet: `python scripts/run_notebooks.py --prepared DIR`.\n"
    table = pd.DataFrame({"notebook": rows["notebook"], "machine": rows["machine"],
                          "minutes": (rows["seconds"].astype(float) / 60).map(lambda m: f"{m:.1f}"),
                          "finished (UTC)": rows["finished_utc"]}).sort_values(["machine", "notebook"])
    return to_markdown(table.reset_index(drop=True)) + (
        "\nFull profile, with a folder that `python -m bench prepare` made, shared read-only "
        "(`python scripts/run_notebooks.py --prepared DIR`): what the notebooks load, they do not train.\n")


def write_tables(times, notebooks_dir=None, readme=None, guide=None) -> list:
    """Write the README's and the guide's blocks from ``times``; return the files that changed.

    Raises ValueError naming the file if a block's markers are missing (``update_block`` refuses to guess).
    """
    from bench.records import update_block

    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    readme, guide = Path(readme or README), Path(guide or GUIDE)
    stems = [path.stem for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))]
    changed = []
    if update_block(readme, BLOCK, readme_markdown(times, stems)) | (
            update_block(readme, f"{BLOCK}-prepared", prepared_markdown(times))):
        changed.append(readme)
    if not guide.is_file():
        raise ValueError(f"{guide} does not exist; it must hold the '<!-- {BLOCK}:start -->' block.")
    guide_changed = update_block(guide, BLOCK, guide_markdown(times, stems))
    for name, stem in TIME_LINE.findall(guide.read_text(encoding="utf-8")):
        guide_changed |= update_block(guide, name, time_line(times, stem, stem in stems))
    if guide_changed:
        changed.append(guide)
    return changed


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.table_only:
        os.environ["LAB_PROFILE"] = args.profile
    if args.prepared is not None:
        os.environ["LAB_ARTIFACTS_DIR"] = str(args.prepared.resolve())  # the kernels inherit it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    from bench.machine import machine_info, utc_timestamp
    from lab_utils import io

    times = read_times(TIMES_CSV)
    if not args.table_only:
        import nbformat

        save = args.profile == "full" and not args.no_save
        machine = machine_info()
        for path in select(args.names):
            print(f"running {path.name} ({args.profile}) ...", flush=True)
            networks = "prepared" if args.prepared else "saved" if saved_networks(args.profile) else "none"
            nb, seconds = run(path, args.timeout)
            print(f"   {seconds:.0f} s", flush=True)
            if save:
                io.write_atomic(path, nbformat.writes(nb) + "\n")
            row = {"notebook": path.stem, "profile": args.profile, "seconds": round(seconds, 1),
                   "cpu": machine["cpu"], "cores": os.cpu_count(), "gpu": machine["gpu"],
                   "finished_utc": utc_timestamp(), "networks": networks}
            times = merge_times(times, [row])
            io.write_atomic(TIMES_CSV, times.to_csv(index=False))  # after each notebook: a failure keeps the rest

    stems = [path.stem for path in select([])]
    print("\n" + readme_markdown(times, stems))
    try:
        changed = write_tables(times)
    except ValueError as problem:
        raise SystemExit(f"{problem}\nThe times are in {_shown(TIMES_CSV)}; restore the markers, then run "
                         "`python scripts/run_notebooks.py --table-only`.") from None
    for path in changed:
        print(f"updated {_shown(path)}")
    if not changed:
        print("the tables were already up to date")
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
