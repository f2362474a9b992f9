"""Where batch normalisation goes in the ladder's network: after each pooling layer, or after every convolution.

    python benchmarks/batch_norm_place.py                  # 10 epochs, seeds 0 and 1, both places (~17 min, 2 cores)
    python benchmarks/batch_norm_place.py --short          # 6,000 images, 1 epoch, seed 0: proves it runs (~1 min)

The network is the ladder's deeper network (improved.ladder_steps()[4]: two 3x3 convolutions per block, augmentation,
dropout 0.2 and 0.5), trained with the longer step's recipe shortened to ``--epochs`` (the one-cycle schedule spans
them) on the ladder's 55,000 images.
Only the place of BatchNormalization differs: ``after_pool`` (Conv -> ReLU -> MaxPool -> BN, the ladder's choice) or
``after_conv`` (Conv -> BN -> ReLU after every convolution, the textbook place). Each run is scored on the ladder's
5,000 validation images; the test set is never read. One row per run goes to results/batch_norm_place.csv with the
training time, the machine and the library versions; the two places take turns, so both see the same machine state.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lab_utils as lab  # noqa: E402
from bench import improved, machine, records  # noqa: E402
from bench import ladder as bench_ladder  # noqa: E402
from bench.machine import machine_summary, utc_timestamp  # noqa: E402
from lab_utils import precision, training  # noqa: E402

PLACES = improved.BATCH_NORM_PLACES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10, help="epochs per run (the one-cycle schedule spans them)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds; each trains both places")
    parser.add_argument("--images", type=int, help="training images per run (default: the ladder's 55,000)")
    parser.add_argument("--short", action="store_true", help="6,000 images, 1 epoch, seed 0: a check that it runs")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "batch_norm_place.csv")
    args = parser.parse_args(argv)
    if args.short:
        args.images, args.epochs, args.seeds = args.images or 6_000, 1, [0]
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if any(seed < 0 for seed in args.seeds) or len(set(args.seeds)) != len(args.seeds):
        parser.error("--seeds must be distinct non-negative integers")
    if args.images is not None and not 1 <= args.images <= 55_000:
        parser.error("--images must be between 1 and 55,000 (the ladder's training split)")
    return args


def build_network(place):
    """Return the ladder's deeper network (step 4) with batch normalisation at ``place`` (one of PLACES)."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {PLACES}, got {place!r}.")
    return improved.build_improved_cnn(**{**improved.ladder_steps()[4].model_options, "batch_norm": place})


def one_run(place, data, seed, recipe):
    import keras

    keras.utils.clear_session()
    choice = precision.use_best_precision()
    lab.set_seed(seed)
    model = build_network(place)
    (x, y), (x_val, y_val) = data
    run = training.fit(model, recipe, x, y, x_val=x_val, y_val=y_val, verbose=0)
    history = run.history
    return choice, {"val_accuracy": round(float(history["val_accuracy"][-1]), 4),
                    "val_loss": round(float(history["val_loss"][-1]), 4),
                    "train_seconds": round(run.train_seconds, 1),
                    "seconds_per_epoch": round(run.train_seconds / len(run.epoch_seconds), 2),
                    "params": model.count_params()}


def main(argv=None) -> int:
    args = parse_args(argv)
    ladder_data = bench_ladder.load_ladder_data("full")
    (x, y), val = ladder_data["fit"], ladder_data["val"]
    data = ((x[:args.images], y[:args.images]) if args.images else (x, y)), val
    recipe = dataclasses.replace(improved.ladder_steps()[5].recipe, epochs=args.epochs, early_stopping_patience=None,
                                 name=f"the longer step's recipe over {args.epochs} epochs")
    session = utc_timestamp()
    rows = []
    for seed in args.seeds:
        for place in PLACES:
            choice, scores = one_run(place, data, seed, recipe)
            print(f"seed {seed} | {place:10s} | validation {scores['val_accuracy']:.2%}, loss {scores['val_loss']:.4f} "
                  f"| {scores['train_seconds']:6.1f} s", flush=True)
            row = {"session": session, "batch_norm": place, "seed": seed, "epochs": args.epochs,
                   "images": len(data[0][0]), "precision": choice.policy, **scores, **machine.machine_info(),
                   "finished_utc": utc_timestamp()}
            rows.append(row)
            records.append_run(args.out, row)
    import pandas as pd

    table = pd.DataFrame(rows).groupby("batch_norm", sort=False).agg(
        runs=("seed", "size"), val_accuracy=("val_accuracy", "mean"), val_loss=("val_loss", "mean"),
        train_seconds=("train_seconds", "mean")).round(4)
    epochs = f"{args.epochs} epoch{'s' if args.epochs > 1 else ''}"
    print(f"\n{len(data[0][0]):,} images, {epochs}, {rows[0]['precision']}, {machine_summary()}\n")
    print(records.to_markdown(table.reset_index()))
    print(f"Rows appended to {args.out}")
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
