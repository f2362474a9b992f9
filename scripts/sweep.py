"""Train the seed CNN over the five "try this" knobs of the published text and record every run.

    python scripts/sweep.py --dry-run                  # the plan and its estimated cost; nothing is trained
    python scripts/sweep.py                            # all five sets, seeds 0 1 2 (full profile, about 100 min on 2 cores)
    python scripts/sweep.py --sweeps epochs optimizer --seeds 0
    LAB_PROFILE=smoke python scripts/sweep.py          # minutes: proves the command runs, writes under artifacts/smoke/

Five sets, each varying one thing around a base of the seed CNN's layers trained for 3 epochs (Adam, batch 200,
20% of the training images held out for validation), on all 60,000 training images in the lab's fastest precision
(precision.use_best_precision()):

    architecture  conv+pool blocks and hidden dense layers (3 blocks need padding "same": a 5x5 kernel no longer fits)
    layer_sizes   feature maps, kernel size, dense width: one varied at a time, the others at the base
    epochs        1, 2, 3 (the base), 4, 8
    optimizer     each at its Keras default learning rate (sgd_momentum: SGD with momentum 0.9)
    batch_size    32 to 2048

Every finished run is cached in .lab_cache/sweeps/ (one JSON file per run) and results/sweep_runs.csv is rewritten
atomically after each one, so an interrupted command resumes where it stopped without retraining anything. A config
shared by several sets (the base, in every one) is trained once. The CSV has one row per (sweep, knob, config):
`sweep` names the set, `knob` the column to plot it by (lab.plot_sweep(runs[runs.knob == knob], knob)); rows of
sets and seeds not run this time are kept.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_README = ROOT / "results" / "README.md"  # the generated tables live there, not in README.md
sys.path.insert(0, str(ROOT))  # so the command also works before `pip install -e .`

import lab_utils as lab  # noqa: E402
from bench import cost, machine, records, sweeps  # noqa: E402
from lab_utils import io, precision, profiles  # noqa: E402

BASE = sweeps.SWEEP_SET_BASE  # everything else at bench.sweeps.SWEEP_DEFAULTS: the seed CNN, Adam, batch 200
# Each set is a list of (knob to plot by, the configs that vary it); every config runs once per seed. Nadam and batch
# 64 are left out to keep the whole plan near 100 minutes: they differ least from Adam and from batch 32.
SWEEPS = sweeps.sweep_sets()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweeps", nargs="+", choices=list(SWEEPS), default=list(SWEEPS), help="the sets to run")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--dry-run", action="store_true", help="print the plan and its estimated cost, train nothing")
    parser.add_argument("--out", type=Path, help="runs CSV (default: results/sweep_runs.csv in full profile)")
    parser.add_argument("--cache-dir", type=Path, help="sweep cache (default: .lab_cache/sweeps, or $LAB_CACHE_DIR/sweeps)")
    parser.add_argument("--images-per-second", type=float,
                        help="the seed CNN's training speed here, for the estimate (default: this CPU's newest "
                             "`python benchmarks/speed.py` row, else a short timed fit)")
    parser.add_argument("--summarize-only", action="store_true",
                        help="train nothing; rewrite results/sweeps.md and the README's table from the runs CSV")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("seeds must be non-negative integers")
    if args.images_per_second is not None and not args.images_per_second > 0:
        parser.error("--images-per-second must be positive")
    args.seeds = list(dict.fromkeys(args.seeds))
    args.sweeps = list(dict.fromkeys(args.sweeps))
    return args


def build_plan(names, seeds) -> list[tuple[str, str, dict]]:
    """Return (sweep, knob, config) for every run of the chosen sets, each value with every seed."""
    return sweeps.sweep_plan(names, seeds)


def plan_cost(plan, profile, rate: float) -> list[dict]:
    """Return one line per (sweep, knob): its runs, those not shared with an earlier line, and their estimated minutes."""
    train_size, test_size = profile.train_size or 60_000, profile.test_size or 10_000
    seen, lines = set(), {}
    for name, knob, config in plan:
        line = lines.setdefault((name, knob), {"sweep": name, "knob": knob, "values": [], "seeds": set(),
                                               "runs": 0, "new_runs": 0, "minutes": 0.0})
        value = sweeps.describe_architecture(config) if knob == "architecture" else config.get(knob, sweeps.SWEEP_DEFAULTS[knob])
        if value not in line["values"]:
            line["values"].append(value)
        line["seeds"].add(config["seed"])
        line["runs"] += 1
        identity = sweeps.config_id(config)
        if identity not in seen:
            seen.add(identity)
            capped = {**config, "epochs": profile.epochs(config["epochs"])}
            line["new_runs"] += 1
            line["minutes"] += sweeps.estimate_seconds(capped, rate=rate, train_size=train_size,
                                                       test_size=test_size) / 60
    return list(lines.values())


def print_plan(plan, profile, out, rate: float, source: str) -> float:
    """Print the plan, one line per (sweep, knob), and the total estimated time; return the total minutes."""
    lines = plan_cost(plan, profile, rate)
    seeds = sorted(set().union(*(line["seeds"] for line in lines)))
    print(f"Sweep plan: {len(plan)} runs, {sum(line['new_runs'] for line in lines)} distinct (a config shared by several "
          f"sets is trained once); seeds {', '.join(map(str, seeds))}; profile {profile.name}; base: the seed CNN, "
          f"{BASE['epochs']} epochs, Adam, batch 200.")
    for line in lines:
        values = " | ".join(sweeps._value_label(v) for v in line["values"])
        print(f"  {line['sweep']:<12} {line['knob']:<12} {len(line['values'])} values x {len(line['seeds'])} seeds: "
              f"{values}  -> {line['new_runs']} new runs, about {_minutes(line['minutes'])} min")
    total = sum(line["minutes"] for line in lines)
    print(f"Estimated total: about {_minutes(total)} min with nothing cached yet, from the seed CNN's {rate:,.0f} "
          f"images/s ({source}), scaled by multiply-adds and batch count (bench/cost.py).")
    print(f"Runs CSV: {_display(out)}")
    return total


def _minutes(minutes: float) -> str:
    return f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def merge_rows(old, new_rows):
    """Return the CSV table: old rows in place, each replaced by a new row with the same (sweep, knob, config_id)."""
    import pandas as pd

    identity = ["sweep", "knob", "config_id"]
    if not old.empty and any(column not in old.columns for column in identity):
        raise ValueError(f"the existing runs CSV lacks the columns {identity}; it is not a sweep table (move it away).")
    merged = {tuple(row[c] for c in identity): row for row in old.to_dict("records")}
    for row in new_rows:
        merged[tuple(row[c] for c in identity)] = row
    return pd.DataFrame(list(merged.values()))


def summary_markdown(runs, csv_name: str = "results/sweep_runs.csv") -> str:
    """Return the sweeps in short: per knob, each value's test accuracy (mean ± std over seeds), time and parameters."""
    import pandas as pd

    rows = []
    for (name, knob), group in runs.groupby(["sweep", "knob"], sort=False):
        summary = sweeps.summarize_sweep(group, knob)
        best = summary.test_accuracy_mean.max()
        for r in summary.to_dict("records"):
            value = r[knob]
            label = sweeps._value_label(value) if knob != "architecture" else str(value)
            spread = f" ± {r['test_accuracy_std']:.2%}" if r["runs"] > 1 else ""
            mark = "**" if r["test_accuracy_mean"] == best else ""
            rows.append({"knob": f"{name}: {knob}" if name != knob else knob, "value": label,
                         "seeds": r["runs"], "test accuracy (mean ± std)": f"{mark}{r['test_accuracy_mean']:.2%}{spread}{mark}",
                         "parameters": f"{r['params']:,}", "training time (s)": f"{r['train_seconds_mean']:.0f}"})
    last = runs.iloc[-1]
    config = {**sweeps.SWEEP_DEFAULTS, **BASE}
    base = (f"{sweeps.describe_architecture(config)}, kernel {config['kernel_size']}, {config['epochs']} epochs, "
            f"{config['optimizer']}, batch {config['batch_size']}")
    return (records.to_markdown(pd.DataFrame(rows))
            + f"\nEach set varies one knob of the base run ({base}); bold: the best mean of its set. Full profile, "
              f"{last.get('precision', '')}, {last.get('cpu', '')} ({last.get('cores', '')} cores); every run is a row "
              f"of `{csv_name}`. Command: `python scripts/sweep.py` (resumable; `--summarize-only` rebuilds this "
              "table).\n")


def write_summary(out: Path) -> None:
    """Write results/sweeps.md and the README's `sweeps` block from the runs CSV (full profile only)."""
    runs = sweeps.read_sweep(out) if Path(out).exists() else None
    if runs is None or runs.empty:
        print(f"No sweep runs in {_display(out)} yet.")
        return
    markdown = summary_markdown(runs, _display(out))
    print("\n" + markdown)
    io.write_atomic(ROOT / "results" / "sweeps.md", "# The five knobs: sweep results\n\n" + markdown)
    try:
        records.update_block(RESULTS_README, "sweeps", markdown)
    except ValueError as error:
        print(f"results/README.md not updated: {error}")


def main(argv=None) -> int:
    args = parse_args(argv)
    profile = profiles.get_profile()
    out = args.out or (ROOT / ("results" if profile.name == "full" else "artifacts/smoke") / "sweep_runs.csv")
    if args.summarize_only:
        if profile.name == "full":
            write_summary(out)
        return 0
    plan = build_plan(args.sweeps, args.seeds)
    if args.images_per_second is not None:
        rate, source = args.images_per_second, "given"
    else:
        precision.use_best_precision()  # the speed measured is the lab's defaults'
        rate, source = cost.seed_cnn_rate(machine.current_cpu())
    print_plan(plan, profile, out, rate, source)
    if args.dry_run:
        return 0

    choice = precision.use_best_precision()
    print(f"Precision: {choice}", flush=True)
    old = records.read_runs(out)
    merge_rows(old, [])  # refuse a CSV that is not a sweep table before anything trains
    finished = {}

    def record(index, row):
        name, knob, _ = plan[index]
        row.pop("cached")  # whether a run came from the cache says nothing about it, and would churn the CSV
        finished[index] = {"sweep": name, "knob": knob, **row}
        table = merge_rows(old, [finished[i] for i in sorted(finished)])
        io.write_atomic(out, table.to_csv(index=False))

    runs = sweeps.run_sweep([config for _, _, config in plan], lab.load_mnist(), cache_dir=args.cache_dir,
                            profile=profile, verbose=2, on_row=record)
    runs.insert(0, "knob", [knob for _, knob, _ in plan])
    runs.insert(0, "sweep", [name for name, _, _ in plan])
    for (name, knob), group in runs.groupby(["sweep", "knob"], sort=False):
        summary = sweeps.summarize_sweep(group, knob)
        print(f"\n{name} / {knob}:\n{summary.to_string(index=False, float_format=lambda v: f'{v:.4f}')}")
    print(f"\nEvery run is a row of {_display(out)}.")
    if profile.name == "full" and args.out is None:
        write_summary(out)
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
