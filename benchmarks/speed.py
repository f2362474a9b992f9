"""Speed benchmark: the seed CNN in plain Keras float32 beside the lab's defaults, in one run on one machine.

    python benchmarks/speed.py            # short mode: 6,000 images, 1 epoch each, under a minute on 2 cores
    python benchmarks/speed.py --full     # the published recipe: 48,000 training images, 10 epochs each
    python benchmarks/speed.py --also mixed_bfloat16 --also xla --also tfdata   # also time options the lab did not choose
    python benchmarks/speed.py --summarize-only   # time nothing; rebuild the README's table from the CSV

Each configuration is built once and warmed up on a few batches (graph tracing is not what we measure); then
the configurations are timed alternately, --repeats times each, and the median is reported, because a shared
2-core machine has slow spells of its own. Prints images per second, seconds per epoch and the speed-up, and appends one row
per configuration to results/benchmark_speed.csv with the CPU, its flags, the library versions, the precision and the
command. The README's table shows the newest run on each CPU: a speed-up is a ratio within one run, on one machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERFORMANCE_MD = ROOT / "docs" / "performance.md"  # where the benchmark table lives
sys.path.insert(0, str(ROOT))

import lab_utils as lab  # noqa: E402
from bench import machine, records  # noqa: E402
from bench.machine import utc_timestamp  # noqa: E402
from lab_utils import precision  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the published recipe instead of the short mode")
    parser.add_argument("--also", action="append", default=[], choices=["mixed_bfloat16", "xla", "tfdata"],
                        help="also time bfloat16 mixed precision, float32 with XLA (jit_compile=True), or the lab's "
                             "precision fed by a tf.data pipeline (shuffle, batch, prefetch) instead of NumPy arrays")
    parser.add_argument("--images", type=int, help="training images per fit (default 6,000 short, 48,000 --full)")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per configuration (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_speed.csv")
    parser.add_argument("--summarize-only", action="store_true",
                        help="time nothing: rebuild the README's table (the newest run on each CPU) from the CSV")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def as_dataset(x, y, batch_size=200):
    """Return a tf.data pipeline over the arrays: shuffled each epoch, batched, prefetched."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def build(policy, x, y, jit_compile=False, batch_size=200):
    """Return the seed CNN built under one dtype policy, compiled, and warmed up (graph tracing is not measured)."""
    import keras

    keras.mixed_precision.set_global_policy(policy)
    lab.set_seed(0)
    model = lab.build_seed_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=True if jit_compile else "auto")
    model.fit(x[: 4 * batch_size], y[: 4 * batch_size], batch_size=batch_size, epochs=1, verbose=0)
    keras.mixed_precision.set_global_policy("float32")
    return model


def time_fit(model, x, y, epochs, batch_size=200, dataset=None):
    """Return the seconds one fit of ``epochs`` epochs takes (from the arrays, or from ``dataset`` if given)."""
    start = time.perf_counter()
    if dataset is not None:
        model.fit(dataset, epochs=epochs, shuffle=False, verbose=0)  # the pipeline shuffles itself
    else:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.summarize_only:
        text = readme_markdown(records.read_runs(args.out))
        print(text)
        if args.out == parse_args([]).out:
            records.update_block(PERFORMANCE_MD, "benchmark", text)
        return 0
    (x_train, y_train), _ = lab.load_mnist()
    size, epochs = (48_000, 10) if args.full else (6_000, 1)
    size = args.images or size
    if not 200 <= size <= len(x_train):
        raise SystemExit(f"--images must lie between 200 and {len(x_train):,}, got {size:,}.")
    x, y = lab.prepare_images(x_train[:size]), lab.one_hot(y_train[:size])
    lab_choice = precision.choose_precision(precision.detect_capabilities())
    configs = {"plain Keras float32": ("float32", False), f"lab defaults ({lab_choice.policy})": (lab_choice.policy, False)}
    if "mixed_bfloat16" in args.also:
        configs["mixed_bfloat16 (forced)"] = ("mixed_bfloat16", False)
    if "xla" in args.also:
        configs["float32 + XLA (forced)"] = ("float32", True)
    if "tfdata" in args.also:
        configs[f"lab defaults + tf.data ({lab_choice.policy})"] = (lab_choice.policy, False)
    datasets = {name: as_dataset(x, y) if "tf.data" in name else None for name in configs}
    print(f"Seed CNN, {size:,} images x {epochs} epoch(s), batch 200. Lab precision: {lab_choice}")
    models = {name: build(policy, x, y, jit) for name, (policy, jit) in configs.items()}
    seconds = {name: [] for name in configs}
    for _ in range(args.repeats):  # alternate the configurations, so a slow spell of the machine hits them all
        for name, model in models.items():
            seconds[name].append(time_fit(model, x, y, epochs, dataset=datasets[name]))
    results = {}
    for name, (policy, _) in configs.items():
        seconds_per_epoch = statistics.median(seconds[name]) / epochs
        results[name] = (policy, seconds_per_epoch, size / seconds_per_epoch)
        spread = f"{min(seconds[name]) / epochs:.1f}-{max(seconds[name]) / epochs:.1f}"
        print(f"  {name:42} {seconds_per_epoch:7.2f} s/epoch (median of {args.repeats}; {spread})  "
              f"{size / seconds_per_epoch:7.0f} images/s", flush=True)
    plain, lab_default = list(results.values())[:2]
    speedup = plain[1] / lab_default[1]
    print(f"Speed-up of the lab's defaults over plain Keras: {speedup:.2f}x")
    info = machine.machine_info()
    print("Machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    stamp = utc_timestamp()
    command = ("python benchmarks/speed.py " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    rows = []
    for name, (policy, seconds_per_epoch, images_per_second) in results.items():
        rows.append({
            "mode": "full" if args.full else "short", "configuration": name, "precision": policy, "images": size,
            "epochs": epochs, "repeats": args.repeats, "seconds_per_epoch": round(seconds_per_epoch, 2),
            "images_per_second": round(images_per_second, 1), "speedup_vs_plain": round(plain[1] / seconds_per_epoch, 3),
            "jit_compile": configs[name][1],
            "lab_choice_reason": lab_choice.reason, **info, "finished_utc": stamp, "command": command,
        })
        records.append_run(args.out, rows[-1])
    print("\n" + summary_markdown(rows, command))
    if args.out == parse_args([]).out:
        records.update_block(PERFORMANCE_MD, "benchmark", readme_markdown(records.read_runs(args.out)))
    return 0


def newest_runs(runs):
    """Return [(cpu, rows of its newest run)], one entry per CPU, in the order the CPUs were first measured."""
    if runs.empty or not {"cpu", "finished_utc", "configuration"} <= set(runs.columns):
        raise ValueError("the benchmark table is empty or lacks its cpu, finished_utc and configuration columns.")
    newest = []
    for cpu, group in runs.groupby("cpu", sort=False):
        last = group[group.finished_utc == group.finished_utc.max()]
        newest.append((cpu, last.to_dict("records")))
    return newest


def readme_markdown(runs) -> str:
    """Return the README's benchmark block: the newest run on each CPU, one table each (ratios only within a table)."""
    parts = []
    for cpu, rows in newest_runs(runs):
        command = rows[0].get("command")
        if not isinstance(command, str) or not command:  # rows from before the command was recorded
            command = "python benchmarks/speed.py"
        parts.append(f"**{cpu}**\n\n" + summary_markdown(rows, command))
    return "\n".join(parts)


def summary_markdown(rows, command) -> str:
    """Return the README's benchmark table for the rows of one run."""
    import pandas as pd

    first = rows[0]
    table = pd.DataFrame({
        "configuration": [r["configuration"] for r in rows],
        "seconds per epoch": [f"{r['seconds_per_epoch']:.2f}" for r in rows],
        "images per second": [f"{r['images_per_second']:,.0f}" for r in rows],
        "speed-up over plain Keras": [f"{r['speedup_vs_plain']:.2f}x" for r in rows],
    })
    return records.to_markdown(table) + (
        f"\nSeed CNN, {first['images']:,} training images x {first['epochs']} epoch(s), batch 200, median of "
        f"{first['repeats']} alternating timed fits; {first['cpu']} ({first['cores']} cores; flags: {first['cpu_flags']}), "
        f"TensorFlow {first['tensorflow']}, Keras {first['keras']}. The lab chose {rows[1]['precision'] if len(rows) > 1 else '?'}: "
        f"{first['lab_choice_reason']}. "
        f"Command: `{command}`; every row is in `results/benchmark_speed.csv`.\n"
    )


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
