"""Speed benchmark: the seed CNN in plain Keras float32 beside the lab's defaults, in one run on one machine.

    python benchmarks/speed.py            # short mode: 6,000 images, 1 epoch each, under a minute on 2 cores
    python benchmarks/speed.py --full     # the published recipe: 48,000 training images, 10 epochs each
    python benchmarks/speed.py --also mixed_bfloat16 --also xla   # also time options the lab did not choose

Each configuration first trains on a few batches to warm up (graph tracing is not what we measure), then the
two are timed alternately. Prints images per second, seconds per epoch and the speed-up, and appends one row
per configuration to results/benchmark_speed.csv with the CPU, its flags, the library versions and the precision.
"""
from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lab_utils as lab  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the published recipe instead of the short mode")
    parser.add_argument("--also", action="append", default=[], choices=["mixed_bfloat16", "xla"],
                        help="also time bfloat16 mixed precision, or float32 with XLA (jit_compile=True)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_speed.csv")
    return parser.parse_args(argv)


def train(policy, x, y, epochs, jit_compile=False, batch_size=200):
    """Return (seconds per epoch, images per second) for the seed CNN under one dtype policy."""
    import keras

    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(policy)
    lab.set_seed(0)
    model = lab.build_seed_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=True if jit_compile else "auto")
    model.fit(x[: 4 * batch_size], y[: 4 * batch_size], batch_size=batch_size, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    return seconds / epochs, len(x) * epochs / seconds


def main(argv=None) -> int:
    args = parse_args(argv)
    (x_train, y_train), _ = lab.load_mnist()
    size, epochs = (48_000, 10) if args.full else (6_000, 1)
    x, y = lab.prepare_images(x_train[:size]), lab.one_hot(y_train[:size])
    lab_choice = lab.choose_precision(lab.detect_capabilities())
    configs = {"plain Keras float32": ("float32", False), f"lab defaults ({lab_choice.policy})": (lab_choice.policy, False)}
    if "mixed_bfloat16" in args.also:
        configs["mixed_bfloat16 (forced)"] = ("mixed_bfloat16", False)
    if "xla" in args.also:
        configs["float32 + XLA (forced)"] = ("float32", True)
    print(f"Seed CNN, {size:,} images x {epochs} epoch(s), batch 200. Lab precision: {lab_choice}")
    results = {}
    for name, (policy, jit) in configs.items():
        seconds_per_epoch, images_per_second = train(policy, x, y, epochs, jit)
        results[name] = (policy, seconds_per_epoch, images_per_second)
        print(f"  {name:34} {seconds_per_epoch:7.1f} s/epoch  {images_per_second:7.0f} images/s", flush=True)
    plain, lab_default = list(results.values())[:2]
    speedup = plain[1] / lab_default[1]
    print(f"Speed-up of the lab's defaults over plain Keras: {speedup:.2f}x")
    info = lab.machine_info()
    print("Machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, (policy, seconds_per_epoch, images_per_second) in results.items():
        lab.append_run(args.out, {
            "mode": "full" if args.full else "short", "configuration": name, "precision": policy, "images": size,
            "epochs": epochs, "seconds_per_epoch": round(seconds_per_epoch, 2),
            "images_per_second": round(images_per_second, 1), "speedup_vs_plain": round(plain[1] / seconds_per_epoch, 3),
            "jit_compile": configs[name][1],
            "lab_choice_reason": lab_choice.reason, **info, "finished_utc": stamp,
        })
    return 0


if __name__ == "__main__":
    sys.exit(main())
