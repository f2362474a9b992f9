"""Run notebooks top to bottom in a fresh kernel, time them, and record the times.

    python scripts/run_notebooks.py                    # full profile, every notebook, outputs saved in place
    python scripts/run_notebooks.py --profile smoke    # smoke profile: times only, notebooks left untouched
    python scripts/run_notebooks.py 02_seed_cnn        # just one (a name prefix is enough)

The committed notebook outputs come from the full-profile command above. Times go to
results/notebook_times.csv (one row per notebook and profile, the newest kept) and to the README's table.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--profile", choices=["full", "smoke"], default="full")
    parser.add_argument("--no-save", action="store_true", help="do not write outputs back into the notebooks")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    return parser.parse_args(argv)


def select(names):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
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


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["LAB_PROFILE"] = args.profile
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import nbformat
    import pandas as pd

    import lab_utils as lab

    save = args.profile == "full" and not args.no_save
    cpu = lab.machine_info()["cpu"]
    rows = []
    for path in select(args.names):
        print(f"running {path.name} ({args.profile}) ...", flush=True)
        nb, seconds = run(path, args.timeout)
        print(f"   {seconds:.0f} s", flush=True)
        if save:
            lab.write_atomic(path, nbformat.writes(nb) + "\n")
        rows.append({"notebook": path.stem, "profile": args.profile, "seconds": round(seconds, 1), "cpu": cpu,
                     "cores": os.cpu_count(),
                     "finished_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})

    table_path = ROOT / "results" / "notebook_times.csv"
    times = pd.concat([lab.read_runs(table_path), pd.DataFrame(rows)], ignore_index=True)
    times = times.drop_duplicates(["notebook", "profile"], keep="last").sort_values(["notebook", "profile"])
    lab.write_atomic(table_path, times.to_csv(index=False))
    wide = times.pivot(index="notebook", columns="profile", values="seconds")
    markdown = pd.DataFrame({
        "notebook": wide.index,
        **{f"{p} profile (min)": [f"{s / 60:.1f}" if s == s else "–" for s in wide[p]] for p in ("full", "smoke") if p in wide},
    })
    text = lab.results.to_markdown(markdown) + (
        f"\nWall time of *Run All* in a fresh kernel on {', '.join(sorted(times.cpu.unique()))} "
        f"({int(times.cores.iloc[-1])} cores); command: `python scripts/run_notebooks.py [--profile smoke]`.\n")
    print("\n" + text)
    lab.results.update_readme_block(ROOT / "README.md", "notebook-times", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
