"""Where a fit's time goes after its last step: Keras's own input pipeline beside the lab's, fit by fit.

    python benchmarks/fit_tail.py            # short: 12,000 images, 1 epoch per fit, 4 fits per input path (~1 min)
    python benchmarks/fit_tail.py --full     # 60,000 images (one epoch of the fast recipe), 4 fits each (~5 min)

``model.fit(x, y)`` on NumPy arrays builds a tf.data pipeline with autotuning on. The autotuner's thread sleeps for
doubling periods (10 ms, 20 ms, ... up to a minute), and when the fit ends the pipeline waits for it to wake: the
process sits idle, using no CPU, for up to as long again as the epoch took. ``lab_utils.training.input_pipeline`` turns autotuning
off. Each fit here trains the seed CNN (the lab's precision, batch 128, Adam) for one epoch; the two input paths
take turns. For each fit the script records the wall time of the whole ``fit`` call, the time between the first
epoch's start and the last epoch's end, and the difference (the tail), and appends one row per fit to
results/fit_tail.csv with the machine and library versions.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lab_utils as lab  # noqa: E402
from bench import machine, records  # noqa: E402
from bench.machine import machine_summary, utc_timestamp  # noqa: E402
from lab_utils import precision, training  # noqa: E402

PATHS = ("Keras arrays (autotuned tf.data)", "lab.input_pipeline (autotuning off)")  # recorded values


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="all 60,000 training images per fit")
    parser.add_argument("--images", type=int, help="training images per fit (default 12,000, or 60,000 with --full)")
    parser.add_argument("--fits", type=int, default=4, help="fits per input path (they alternate)")
    parser.add_argument("--batch-size", type=int, default=training.FAST_RECIPE.batch_size)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "fit_tail.csv")
    args = parser.parse_args(argv)
    for name in ("fits", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.images is not None and not 1 <= args.images <= 60_000:
        parser.error("--images must be between 1 and 60,000")
    return args


class Span(training.EpochTimer):
    """EpochTimer that also remembers when the first epoch began and the last one ended."""

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        if epoch == 0:
            self.first_begin = self._start

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self.last_end = time.perf_counter()


def one_fit(path, x, y, seed, batch_size):
    import keras

    keras.backend.clear_session()
    choice = precision.use_best_precision()
    lab.set_seed(seed)
    model = lab.build_seed_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    span = Span()
    start = time.perf_counter()
    if path == PATHS[0]:
        model.fit(x, y, batch_size=batch_size, epochs=1, callbacks=[span], verbose=0)
    else:
        model.fit(training.input_pipeline(x, y, batch_size, shuffle_seed=seed), epochs=1, shuffle=False,
                  callbacks=[span], verbose=0)
    end = time.perf_counter()
    return choice, {"fit_seconds": round(end - start, 2), "epoch_seconds": round(span.last_end - span.first_begin, 2),
                    "tail_seconds": round(end - span.last_end, 2)}


def main(argv=None) -> int:
    args = parse_args(argv)
    images = args.images or (60_000 if args.full else 12_000)
    (x_train, y_train), _ = lab.load_mnist()
    x, y = lab.prepare_images(x_train[:images]), lab.one_hot(y_train[:images])
    session = utc_timestamp()
    rows = []
    for fit in range(args.fits):
        for path in PATHS:
            choice, times = one_fit(path, x, y, fit, args.batch_size)
            print(f"fit {fit + 1}/{args.fits} | {path:38s} | fit {times['fit_seconds']:6.1f} s = epoch "
                  f"{times['epoch_seconds']:6.1f} s + tail {times['tail_seconds']:5.1f} s", flush=True)
            row = {"session": session, "input_path": path, "fit": fit, "images": images,
                   "batch_size": args.batch_size, "precision": choice.policy, **times, **machine.machine_info(),
                   "finished_utc": utc_timestamp()}
            rows.append(row)
            records.append_run(args.out, row)
    import pandas as pd

    table = pd.DataFrame(rows).groupby("input_path", sort=False).agg(
        fits=("fit_seconds", "size"), median_fit_s=("fit_seconds", "median"),
        median_epoch_s=("epoch_seconds", "median"), max_tail_s=("tail_seconds", "max"),
        fits_with_tail_over_1s=("tail_seconds", lambda s: int((s > 1.0).sum()))).round(1)
    print(f"\n{images:,} images per fit, 1 epoch, batch {args.batch_size}, {rows[0]['precision']}, "
          f"{machine_summary()}\n")
    print(records.to_markdown(table.reset_index()))
    print(f"Rows appended to {args.out}")
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
