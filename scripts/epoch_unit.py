"""Print the lab's unit of class time: one epoch of the published CNN recipe on this machine, in float32.

    python scripts/epoch_unit.py            # the same as: python -m bench epoch-unit
    python scripts/epoch_unit.py --repeat 3 # the median of three epochs (a shared machine is noisy)

The seed CNN, Adam, batches of 200, 48,000 training images and 12,000 for validation, one epoch in a fresh model,
as notebook 02's first epoch. Every notebook's Run All is budgeted in these units (at most 6, docs/teacher_guide.md),
so that one figure holds on every machine: a unit is about 40 s on a 2-core CPU with AVX512-BF16 and about 154 s
on a 2-core AVX2-only one. `LAB_THREADS` caps the threads, as in the notebooks.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def epoch_seconds() -> float:
    """Return the seconds one epoch of the published CNN recipe takes in a fresh model here, in float32."""
    import keras

    from bench.published import SEED_CNN_RECIPE
    from lab_utils.data import load_mnist, one_hot, prepare_images
    from lab_utils.models import build_seed_cnn

    keras.mixed_precision.set_global_policy("float32")
    (x_train, y_train), _ = load_mnist()
    x, y = prepare_images(x_train), one_hot(y_train)
    model = build_seed_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=SEED_CNN_RECIPE.batch_size, epochs=1, validation_split=SEED_CNN_RECIPE.validation_split,
              verbose=0)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="epochs to time, each in a fresh model (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a sentence")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    from bench.machine import current_cpu
    from lab_utils.environment import thread_cap

    times = [epoch_seconds() for _ in range(args.repeat)]
    seconds = statistics.median(times)
    facts = {"unit_seconds": round(seconds, 1), "epochs_timed": [round(t, 1) for t in times], "cpu": current_cpu(),
             "cores": os.cpu_count(), "threads": thread_cap()}
    threads = facts["threads"]
    if args.json:
        print(json.dumps(facts))
    else:
        where = f"{facts['cores']} cores" + (f", {threads} thread{'s' * (threads != 1)}" if threads else "")
        print(f"One epoch of the published CNN recipe (float32): {seconds:.1f} s on {facts['cpu']} ({where})"
              + (f"; median of {', '.join(f'{t:.1f}' for t in times)} s" if len(times) > 1 else "") + ".")
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
