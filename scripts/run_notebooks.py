"""Run notebooks top to bottom in a fresh kernel, time them, and record the times.

    python scripts/run_notebooks.py                    # full profile, every notebook, outputs saved in place
    python scripts/run_notebooks.py --profile smoke    # smoke profile: times only, notebooks left untouched
    python scripts/run_notebooks.py 02_seed_cnn        # just one (a name prefix is enough)
    python scripts/run_notebooks.py --table-only       # rebuild the tables from the CSV; runs no notebook
    python scripts/run_notebooks.py 03 05 06 --prepared /srv/lab-networks   # with a teacher's prepared networks
    LAB_PRECISION=float32 python scripts/run_notebooks.py --no-save   # the class-time budget, as a CPU without bf16
    LAB_THREADS=1 python scripts/run_notebooks.py 02 --profile smoke --kernels 4   # 4 kernels at once, as on a hub

A full-profile run first times the lab's unit of class time (one epoch of the published CNN recipe, float32:
scripts/epoch_unit.py) and records each notebook's time in those units too; every row also records the precision
setting, the threads cap and the kernel's peak memory (resident set). Budget: at most 6 units per notebook in the
full profile with LAB_PRECISION=float32 and no saved networks (docs/teacher_guide.md). `--kernels N` runs N kernels
of each notebook at once after one alone, never saves outputs, and records each kernel's wall time and peak memory
in results/concurrent_kernels.csv.

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
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOTEBOOKS_DIR = ROOT / "notebooks"
TIMES_CSV = ROOT / "results" / "notebook_times.csv"
KERNELS_CSV = ROOT / "results" / "concurrent_kernels.csv"
BUDGET_UNITS = 6  # a notebook's Run All in class: at most 6 epochs of the published CNN recipe (issue 26)
SLOWEST_UNIT = 154  # seconds a unit takes on the slowest 2-core CPU met (AVX2 only: notebook 02's epochs, 2026-12-04)
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
    parser.add_argument("--unit-repeat", type=int, default=1, metavar="N",
                        help="full profile: time the unit of class time N times first and use the median (default 1)")
    parser.add_argument("--kernels", type=int, default=0, metavar="N",
                        help="run N kernels of each notebook at once (after one alone); record results/"
                             "concurrent_kernels.csv; outputs are never saved")
    parser.add_argument("--prepared", type=Path, metavar="DIR",
                        help="run with LAB_ARTIFACTS_DIR=DIR, a folder of prepared networks (python -m bench prepare)")
    parser.add_argument("--table-only", action="store_true",
                        help="run no notebook: rebuild the README's and the teacher guide's tables from the CSV")
    args = parser.parse_args(argv)
    if args.table_only and args.names:
        parser.error("--table-only rebuilds the tables for every notebook; it takes no notebook names")
    if args.kernels < 0 or args.unit_repeat < 1 or (args.kernels and args.table_only):
        parser.error("--kernels takes a number of at least 1 (not with --table-only); --unit-repeat at least 1")
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


def peak_memory_mb(pid: int) -> float | None:
    """Return a process's peak resident set (VmHWM) in MB, or None where /proc does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(found.group(1)) / 1024, 1) if found else None


def _client(path: Path, timeout: int, peak: dict):
    """Return an nbclient client for ``path`` that keeps the kernel's peak memory in ``peak['mb']`` after each cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})

    def after_cell(**_):
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        mb = peak_memory_mb(pid) if pid else None
        if mb is not None:
            peak["mb"] = max(peak.get("mb") or 0.0, mb)

    client.on_cell_executed = after_cell
    return client


def run(path: Path, timeout: int) -> tuple[object, float, float | None]:
    """Run a notebook in a fresh kernel; return it executed, the seconds it took, and the kernel's peak memory (MB)."""
    peak = {}
    client = _client(path, timeout, peak)
    start = time.perf_counter()
    client.execute()
    return client.nb, time.perf_counter() - start, peak.get("mb")


def run_at_once(path: Path, timeout: int, kernels: int) -> list[tuple[float, float | None, str]]:
    """Run ``kernels`` kernels of one notebook at the same time; return each one's seconds, peak MB and error."""
    async def one():
        peak = {}
        client = _client(path, timeout, peak)
        start = time.perf_counter()
        try:
            await client.async_execute()
            error = ""
        except Exception as problem:  # a kernel that fails is recorded as failed; the others go on
            error = f"{type(problem).__name__}: {str(problem).strip().splitlines()[-1][:120] if str(problem).strip() else ''}"
        return time.perf_counter() - start, peak.get("mb"), error

    async def together():
        return await asyncio.gather(*(one() for _ in range(kernels)))

    return asyncio.run(together())


def measure_unit(repeat: int) -> float:
    """Return the unit of class time on this machine, in seconds (scripts/epoch_unit.py in a process of its own)."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "epoch_unit.py"), "--json", "--repeat", str(repeat)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"timing the unit of class time failed:\n{done.stderr.strip()[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["unit_seconds"])


def precision_setting() -> str:
    """Return the precision the notebooks get by default here: 'float32' under LAB_PRECISION=float32, else the best."""
    from lab_utils.precision import choose_precision, detect_capabilities

    forced = os.environ.get("LAB_PRECISION", "").strip().lower() == "float32"
    return choose_precision(detect_capabilities(), force_float32=forced).policy


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


def budget_rows(times, stems):
    """Return the newest class-time row of each notebook: full profile, no saved networks, unit measured beside it."""
    if "units" not in times:
        return times.iloc[0:0]
    rows = times[times["notebook"].isin(stems) & (times["profile"] == "full") & (times["networks"] == "none")
                 & times["units"].notna()]
    return rows.sort_values("finished_utc", kind="stable").drop_duplicates("notebook", keep="last")


def budget_markdown(times, stems) -> str:
    """Return the class-time table: each notebook's Run All in units of the published recipe's epoch, and minutes."""
    import pandas as pd

    from bench.records import to_markdown

    rows = budget_rows(times, stems).set_index("notebook")
    if rows.empty:
        return (f"No class-time run recorded yet: `LAB_PRECISION=float32 python scripts/run_notebooks.py --no-save` "
                f"times each notebook in units of the published CNN recipe's epoch (budget: {BUDGET_UNITS}).\n")

    def cell(stem, show):
        return show(rows.loc[stem]) if stem in rows.index else MISSING

    def memory(row):
        return f"{float(row['peak_rss_mb']) / 1024:.1f}" if pd.notna(row.get("peak_rss_mb")) else MISSING

    table = pd.DataFrame({
        "notebook": list(stems),
        "Run All (units)": [cell(s, lambda r: f"{float(r['units']):.1f}") for s in stems],
        "minutes": [cell(s, lambda r: f"{float(r['seconds']) / 60:.1f}") for s in stems],
        "slowest CPU met, est. (min)": [cell(s, lambda r: f"{float(r['units']) * SLOWEST_UNIT / 60:.0f}")
                                          for s in stems],
        "peak memory (GB)": [cell(s, memory) for s in stems],
        "precision": [cell(s, lambda r: str(r["precision"])) for s in stems],
        "machine, unit": [cell(s, lambda r: f"{device_label(r)}, {float(r['unit_seconds']):.0f} s") for s in stems],
    })
    over = [s for s in stems if s in rows.index and float(rows.loc[s, "units"]) > BUDGET_UNITS]
    return to_markdown(table) + (
        f"\nA unit is one epoch of the published CNN recipe (float32), timed by the same command just before the "
        f"notebooks; budget: {BUDGET_UNITS} units per notebook. Full profile, no saved networks, "
        f"`LAB_PRECISION=float32 python scripts/run_notebooks.py --no-save`. The slowest CPU met so far (2 cores, "
        f"AVX2 only) took about {SLOWEST_UNIT} s a unit; its column is an estimate, units x {SLOWEST_UNIT} s, not "
        f"a measurement."
        + (f" Over budget: {', '.join(over)}." if over else " Every notebook measured is within budget.") + "\n")


def write_tables(times, notebooks_dir=None, readme=None, guide=None) -> list:
    """Write the README's and the guide's blocks from ``times``; return the files that changed.

    Raises ValueError naming the file if a block's markers are missing (``update_block`` refuses to guess).
    """
    from bench.records import update_block

    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    readme, guide = Path(readme or README), Path(guide or GUIDE)
    stems = [path.stem for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))]
    changed = []
    budget = budget_markdown(times, stems)
    if update_block(readme, BLOCK, readme_markdown(times, stems)) | (
            update_block(readme, f"{BLOCK}-prepared", prepared_markdown(times))) | (
            update_block(readme, "notebook-budget", budget)):
        changed.append(readme)
    if not guide.is_file():
        raise ValueError(f"{guide} does not exist; it must hold the '<!-- {BLOCK}:start -->' block.")
    guide_changed = update_block(guide, BLOCK, guide_markdown(times, stems)) | update_block(guide, "notebook-budget",
                                                                                             budget)
    for name, stem in TIME_LINE.findall(guide.read_text(encoding="utf-8")):
        guide_changed |= update_block(guide, name, time_line(times, stem, stem in stems))
    if guide_changed:
        changed.append(guide)
    return changed


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def record(path: Path, text: str, what: str) -> bool:
    """Write ``text`` to ``path`` atomically; on a read-only checkout say what was not recorded and return False."""
    from lab_utils import io

    try:
        io.write_atomic(path, text)
    except OSError as error:
        print(f"could not record {what} in {_shown(path)} ({error.strerror or error}): the run itself is done, and "
              "its figures are printed above. Run from a copy you can write to record them.", file=sys.stderr)
        return False
    return True


def run_kernels(args, machine) -> bool:
    """Run each chosen notebook alone, then ``args.kernels`` at once; print and record every kernel; return success."""
    import pandas as pd

    from bench.machine import utc_timestamp
    from bench.records import read_runs

    rows = []
    for path in select(args.names):
        for kernels in (1, args.kernels):
            print(f"running {path.name} ({args.profile}), {kernels} kernel{'s' * (kernels > 1)} at once ...", flush=True)
            started = time.perf_counter()
            results = run_at_once(path, args.timeout, kernels)
            wall = time.perf_counter() - started
            for index, (seconds, mb, error) in enumerate(results):
                print(f"   kernel {index + 1}: {seconds:.0f} s, peak {mb or 0:.0f} MB" + (f", FAILED: {error}" if error
                                                                                          else ""), flush=True)
                rows.append({"notebook": path.stem, "profile": args.profile, "kernels": kernels, "kernel": index + 1,
                             "seconds": round(seconds, 1), "wall_seconds": round(wall, 1), "peak_rss_mb": mb,
                             "error": error, "threads": os.environ.get("LAB_THREADS", ""), "cpu": machine["cpu"],
                             "cores": os.cpu_count(), "finished_utc": utc_timestamp()})
    old = read_runs(KERNELS_CSV)
    table = pd.concat([old, pd.DataFrame(rows)], ignore_index=True) if not old.empty else pd.DataFrame(rows)
    record(KERNELS_CSV, table.to_csv(index=False), "the kernels' times and memory")
    return not any(row["error"] for row in rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.table_only:
        os.environ["LAB_PROFILE"] = args.profile
    if args.prepared is not None:
        os.environ["LAB_ARTIFACTS_DIR"] = str(args.prepared.resolve())  # the kernels inherit it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    from bench.machine import machine_info, utc_timestamp

    if args.kernels:
        return 0 if run_kernels(args, machine_info()) else 1
    times = read_times(TIMES_CSV)
    recorded = True
    if not args.table_only:
        import nbformat

        save = args.profile == "full" and not args.no_save
        machine = machine_info()
        unit = measure_unit(args.unit_repeat) if args.profile == "full" else None
        if unit:
            print(f"unit of class time (one epoch of the published CNN recipe, float32): {unit:.1f} s", flush=True)
        for path in select(args.names):
            print(f"running {path.name} ({args.profile}) ...", flush=True)
            networks = "prepared" if args.prepared else "saved" if saved_networks(args.profile) else "none"
            nb, seconds, peak = run(path, args.timeout)
            units = round(seconds / unit, 2) if unit else None
            print(f"   {seconds:.0f} s" + (f" = {units:.1f} units" if units else "")
                  + (f", peak memory {peak:.0f} MB" if peak else ""), flush=True)
            if save:
                recorded &= record(path, nbformat.writes(nb) + "\n", "the notebook's outputs")
            row = {"notebook": path.stem, "profile": args.profile, "seconds": round(seconds, 1),
                   "cpu": machine["cpu"], "cores": os.cpu_count(), "gpu": machine["gpu"],
                   "finished_utc": utc_timestamp(), "networks": networks, "precision": precision_setting(),
                   "threads": os.environ.get("LAB_THREADS", ""), "unit_seconds": round(unit, 1) if unit else None,
                   "units": units, "peak_rss_mb": peak}
            times = merge_times(times, [row])
            # after each notebook: a failure keeps the rest
            recorded &= record(TIMES_CSV, times.to_csv(index=False), "the notebook's time")

    stems = [path.stem for path in select([])]
    print("\n" + readme_markdown(times, stems))
    try:
        changed = write_tables(times)
    except ValueError as problem:
        raise SystemExit(f"{problem}\nThe times are in {_shown(TIMES_CSV)}; restore the markers, then run "
                         "`python scripts/run_notebooks.py --table-only`.") from None
    except OSError as error:
        print(f"could not update the tables ({error.strerror or error}).", file=sys.stderr)
        return 1
    for path in changed:
        print(f"updated {_shown(path)}")
    if not changed:
        print("the tables were already up to date")
    return 0 if recorded else 1


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
