"""Reproduce the two published results over several seeds and record every run.

    python scripts/reproduce.py                      # both recipes, seeds 0 1 2, float32 (full profile)
    python scripts/reproduce.py --precision float32 auto   # also the lab's automatic precision
    LAB_PROFILE=smoke python scripts/reproduce.py    # seconds: proves the command runs, writes under artifacts/

Each finished run is appended to the results CSV at once, so an interrupted command resumes where it
stopped; runs already recorded are skipped. The summary (results/reproduction.md and the README's table)
is rebuilt from the CSV at the end, or alone with --summarize-only.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_README = ROOT / "results" / "README.md"  # the generated tables live there, not in README.md
sys.path.insert(0, str(ROOT))  # so the command also works before `pip install -e .`

import lab_utils as lab  # noqa: E402
from bench import machine, published, records  # noqa: E402
from bench.machine import utc_timestamp  # noqa: E402
from lab_utils import io, precision, profiles, training  # noqa: E402

PUBLISHED = {"dense": 0.9634, "cnn": 0.9941}
BUILDERS = {"dense": (lab.build_dense_baseline, published.DENSE_BASELINE_RECIPE, "flat"),
            "cnn": (lab.build_seed_cnn, published.SEED_CNN_RECIPE, "image")}
MODEL_NAMES = {"dense": "Dense baseline (800 ReLU, SGD, 25 epochs)", "cnn": "Seed CNN (6 layers, Adam, 10 epochs)"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=sorted(BUILDERS), default=["dense", "cnn"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--precision", nargs="+", choices=["float32", "auto"], default=["float32"])
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs (an investigation, not the published recipe)")
    parser.add_argument("--out", type=Path, help="runs CSV (default: results/reproduction_runs.csv in full profile)")
    parser.add_argument("--summarize-only", action="store_true", help="only rebuild the summary from the CSV")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("seeds must be non-negative integers")
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be a positive integer")
    return args


def run_one(model_key, seed, force_float32, data, profile, epochs):
    """Train one recipe for ``epochs`` epochs (already capped by the profile) and return its CSV row."""
    import keras

    keras.backend.clear_session()
    choice = precision.use_best_precision(force_float32=force_float32)
    lab.set_seed(seed)
    builder, recipe, layout = BUILDERS[model_key]
    x_train, y_train, x_test, y_test = data[layout]
    print(f"\n== {MODEL_NAMES[model_key]} | seed {seed} | {choice}", flush=True)
    run = training.fit(builder(), recipe, x_train, y_train, x_test=x_test, y_test=y_test, epochs=epochs, verbose=2)
    print(f"   test accuracy {run.test_accuracy:.4f} in {run.train_seconds:.0f} s", flush=True)
    return {
        "model": model_key,
        "seed": seed,
        "precision": choice.policy,
        "profile": profile.name,
        "epochs": len(run.epoch_seconds),
        "batch_size": recipe.batch_size,
        "test_accuracy": round(run.test_accuracy, 6),
        "test_loss": round(run.test_loss, 6),
        "final_val_accuracy": round(run.history["val_accuracy"][-1], 6),
        "train_seconds": round(run.train_seconds, 1),
        "seconds_per_epoch": round(sum(run.epoch_seconds) / len(run.epoch_seconds), 2),
        **machine.machine_info(),
        "finished_utc": utc_timestamp(),
    }


def summary_markdown(runs) -> str:
    summary = records.summarize_runs(runs, by=["model", "epochs", "precision", "cpu"])
    rows = []
    for r in summary.itertuples(index=False):
        rows.append({
            "network": MODEL_NAMES[r.model] + ("" if r.epochs == BUILDERS[r.model][1].epochs else f" **at {r.epochs} epochs**"),
            "published (1 run)": f"{PUBLISHED[r.model]:.2%}",
            "measured mean ± std": f"{r.test_accuracy_mean:.2%} ± {0 if r.test_accuracy_count < 2 else r.test_accuracy_std:.2%}",
            "min – max": _range(runs, r),
            "seeds": int(r.test_accuracy_count),
            "training time (s)": f"{r.train_seconds_mean:.0f} ± {0 if r.train_seconds_count < 2 else r.train_seconds_std:.0f}",
            "precision": r.precision,
            "CPU (2 cores)": r.cpu,
        })
    import pandas as pd

    versions = runs.iloc[-1]
    return (
        records.to_markdown(pd.DataFrame(rows))
        + f"\n{versions.profile.capitalize()} profile, TensorFlow {versions.tensorflow}, Keras {versions.keras}; every run is a row of "
        "`results/reproduction_runs.csv`. Command: `python scripts/reproduce.py`.\n"
    )


def _range(runs, r):
    mask = (runs.model == r.model) & (runs.epochs == r.epochs) & (runs.precision == r.precision) & (runs.cpu == r.cpu)
    values = runs.loc[mask, "test_accuracy"]
    return f"{values.min():.2%} – {values.max():.2%}"


def main(argv=None) -> int:
    args = parse_args(argv)
    profile = profiles.get_profile()
    out = args.out or (ROOT / ("results" if profile.name == "full" else "artifacts/smoke") / "reproduction_runs.csv")
    if not args.summarize_only:
        (x_train, y_train), (x_test, y_test) = lab.load_mnist()
        x_train, y_train = profile.subset(x_train, y_train, "train")
        x_test, y_test = profile.subset(x_test, y_test, "test")
        data = {layout: (lab.prepare_images(x_train, layout), lab.one_hot(y_train),
                         lab.prepare_images(x_test, layout), lab.one_hot(y_test)) for layout in ("flat", "image")}
        caps = precision.detect_capabilities()
        for model_key in args.models:
            policies = {}
            for setting in args.precision:
                policy = precision.choose_precision(caps, force_float32=setting == "float32").policy
                if policy in policies.values():
                    same = next(other for other, chosen in policies.items() if chosen == policy)
                    print(f"'{setting}' resolves to {policy} on this machine: the same runs as '{same}'.")
                    continue
                policies[setting] = policy
                epochs = profile.epochs(args.epochs or BUILDERS[model_key][1].epochs)
                for seed in args.seeds:
                    if records.is_recorded(out, model=model_key, precision=policy, seed=seed,
                                           cpu=machine.current_cpu(), epochs=epochs):
                        print(f"skip {model_key} seed {seed} {policy}: already in {out}")
                        continue
                    records.append_run(out, run_one(model_key, seed, setting == "float32", data, profile, epochs))
    runs = records.read_runs(out)
    if runs.empty:
        print(f"No runs recorded in {out} yet.")
        return 0
    markdown = summary_markdown(runs)
    print("\n" + markdown)
    if profile.name == "full" and args.out is None:
        io.write_atomic(ROOT / "results" / "reproduction.md", "# Reproduction of the published results\n\n" + markdown)
        records.update_block(RESULTS_README, "reproduction", markdown)
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
