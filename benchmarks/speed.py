"""Speed benchmark: the seed CNN in plain Keras float32 beside the lab's real defaults, in one run on one machine.

    python benchmarks/speed.py            # short mode: 6,000 images, 1 epoch each (a few minutes on 2 cores)
    python benchmarks/speed.py --full     # the published recipe: 48,000 training images, 10 epochs each
    python benchmarks/speed.py --also mixed_bfloat16 --also xla   # also time options the lab did not choose
    python benchmarks/speed.py --summarize-only   # time nothing; rebuild docs/performance.md's table from the CSV

"plain Keras float32" is ``model.fit`` on NumPy arrays in float32, as the published recipe. "lab defaults" is what
the lab really runs: the precision ``lab_utils.precision`` chooses for this machine, fed by
``lab_utils.training.input_pipeline`` (tf.data with autotuning off). Each configuration is built once and warmed up
on a few batches (graph tracing is not what we measure); then the configurations are timed alternately, --repeats
times each, and medians are reported, because a shared 2-core machine has slow spells of its own. Two times per
fit: the steps (first batch's start to last batch's end: the compute) and the whole ``fit`` call (with Keras's
input pipeline start-up and, on arrays, the idle wait of tf.data's autotuner at the end). One row per configuration
goes to results/benchmark_speed.csv with the CPU, its flags, the library versions and the command; the table in
docs/performance.md shows the newest run on each CPU: a speed-up is a ratio within one run, on one machine.
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
from lab_utils import precision, training  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the published recipe instead of the short mode")
    parser.add_argument("--also", action="append", default=[], choices=["mixed_bfloat16", "xla"],
                        help="also time bfloat16 mixed precision or float32 with XLA (jit_compile=True), on arrays")
    parser.add_argument("--images", type=int, help="training images per fit (default 6,000 short, 48,000 --full)")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per configuration (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_speed.csv")
    parser.add_argument("--summarize-only", action="store_true",
                        help="time nothing: rebuild docs/performance.md's table (the newest run on each CPU)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


class StepSpan(training.EpochTimer):
    """EpochTimer that also records when the first training batch began and the last one ended."""

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.first = self.last = None

    def on_train_batch_begin(self, batch, logs=None):
        if self.first is None:
            self.first = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.last = time.perf_counter()


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


def time_fit(model, x, y, epochs, batch_size=200, lab_path=False):
    """Return (step seconds, whole-fit seconds) of one fit: on the arrays, or through the lab's input pipeline."""
    span = StepSpan()
    start = time.perf_counter()
    if lab_path:
        model.fit(training.input_pipeline(x, y, batch_size, shuffle_seed=0), epochs=epochs, shuffle=False,
                  callbacks=[span], verbose=0)
    else:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, callbacks=[span], verbose=0)
    return span.last - span.first, time.perf_counter() - start


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
    configs = {"plain Keras float32": ("float32", False, False),
               f"lab defaults ({lab_choice.policy})": (lab_choice.policy, False, True)}
    if "mixed_bfloat16" in args.also:
        configs["mixed_bfloat16 (forced)"] = ("mixed_bfloat16", False, False)
    if "xla" in args.also:
        configs["float32 + XLA (forced)"] = ("float32", True, False)
    print(f"Seed CNN, {size:,} images x {epochs} epoch(s), batch 200. Lab precision: {lab_choice}")
    models = {name: build(policy, x, y, jit) for name, (policy, jit, _) in configs.items()}
    times = {name: [] for name in configs}
    for _ in range(args.repeats):  # alternate the configurations, so a slow spell of the machine hits them all
        for name, model in models.items():
            times[name].append(time_fit(model, x, y, epochs, lab_path=configs[name][2]))
    medians = {name: (statistics.median(s for s, _ in t) / epochs, statistics.median(w for _, w in t) / epochs)
               for name, t in times.items()}
    plain_step, plain_fit = medians["plain Keras float32"]
    for name, (step, whole) in medians.items():
        print(f"  {name:34} steps {step:6.2f} s/epoch, whole fit {whole:6.2f} s/epoch (medians of {args.repeats}); "
              f"speed-up {plain_step / step:.2f}x steps, {plain_fit / whole:.2f}x whole fit", flush=True)
    info = machine.machine_info()
    print("Machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    stamp = utc_timestamp()
    command = ("python benchmarks/speed.py " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    rows = []
    for name, (step, whole) in medians.items():
        policy, jit, lab_path = configs[name]
        rows.append({
            "mode": "full" if args.full else "short", "configuration": name, "precision": policy, "images": size,
            "epochs": epochs, "repeats": args.repeats, "seconds_per_epoch": round(whole, 2),
            "images_per_second": round(size / whole, 1), "speedup_vs_plain": round(plain_fit / whole, 3),
            "step_seconds_per_epoch": round(step, 2), "step_speedup_vs_plain": round(plain_step / step, 3),
            "input": "lab_utils.training.input_pipeline" if lab_path else "NumPy arrays", "jit_compile": jit,
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
    """Return the benchmark table for the rows of one run (runs before 2026-12-04 timed whole fits only)."""
    import pandas as pd

    def number(row, key, text):
        value = row.get(key)
        return text.format(value) if isinstance(value, (int, float)) and value == value else "not timed"

    first = rows[0]
    table = pd.DataFrame({
        "configuration": [r["configuration"] for r in rows],
        "steps: s per epoch": [number(r, "step_seconds_per_epoch", "{:.2f}") for r in rows],
        "whole fit: s per epoch": [f"{r['seconds_per_epoch']:.2f}" for r in rows],
        "speed-up, steps": [number(r, "step_speedup_vs_plain", "{:.2f}x") for r in rows],
        "speed-up, whole fit": [f"{r['speedup_vs_plain']:.2f}x" for r in rows],
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
