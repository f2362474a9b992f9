"""The lab's one cost model: how long a training run will take, from the seed CNN's speed measured on this machine.

The seed CNN's training speed (images per second, under the lab's defaults) comes from this CPU's newest
``python benchmarks/speed.py`` row in results/benchmark_speed.csv, else from a short timed fit here
(:func:`calibrate`, about a minute on a slow 2-core CPU), so that an estimate printed on a Colab GPU or an AVX2
laptop is about right. Another network scales by its multiply-adds per image, plus a share that does not scale
(data, pooling, dropout) and the measured extras of augmentation and batch normalisation; small batches add a cost
per step. A plan, not a measurement: the commands print it before they train, and the records say what it took.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from lab_utils.checks import check_positive_int

from . import records

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCHMARK_CSV = REPO_ROOT / "results" / "benchmark_speed.csv"
SEED_CNN_MULTIPLY_ADDS = 13_885_000  # multiply_adds(build_seed_cnn()), checked by the tests
FIXED_SHARE = 0.15  # of an image's training time that does not scale with multiply-adds
EXTRA_COST = {"augment": 1.05, "after_pool": 1.05, "after_conv": 1.6}  # measured: benchmarks/batch_norm_place.py
REFERENCE_BATCH = 200  # the batch size the seed CNN's speed is measured at
STEP_SECONDS = 0.007  # each optimizer step's own cost (small batches take more steps per epoch)
RUN_OVERHEAD_SECONDS = 5.0  # build, compile and the first step's graph tracing


def multiply_adds(model) -> int:
    """Return the multiply-adds of one image's forward pass through a built model's Conv2D and Dense layers."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")

    def flat(layers):
        for layer in layers:
            yield from flat(layer.layers) if isinstance(layer, keras.Model) else (layer,)

    total = 0
    for layer in flat(model.layers):
        if isinstance(layer, keras.layers.Conv2D):
            out_h, out_w, out_c = layer.output.shape[1:]
            kernel_h, kernel_w, in_per_group, _ = layer.kernel.shape
            total += int(out_h) * int(out_w) * int(out_c) * int(kernel_h) * int(kernel_w) * int(in_per_group)
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
    return total


def benchmarked_rate(cpu: str, path=None) -> float | None:
    """Return the seed CNN's images/s under the lab's defaults in ``cpu``'s newest benchmark row, or None."""
    if not isinstance(cpu, str) or not cpu.strip():
        raise ValueError(f"cpu must be a CPU name such as 'AMD EPYC with AVX2', got {cpu!r}.")
    try:
        runs = records.read_runs(Path(path) if path is not None else BENCHMARK_CSV)
    except ValueError:
        return None
    if runs.empty or not {"cpu", "configuration", "images_per_second"} <= set(runs.columns):
        return None
    mine = runs[(runs.cpu == cpu) & runs.configuration.astype(str).str.startswith("lab defaults (")]
    return float(mine.images_per_second.iloc[-1]) if not mine.empty else None


def calibrate(images: int = 2_000, batch_size: int = REFERENCE_BATCH) -> float:
    """Return the seed CNN's training speed here (images/s): a short timed fit on random images, after a warm-up."""
    import keras

    from lab_utils.models import build_seed_cnn

    check_positive_int("images", images)
    check_positive_int("batch_size", batch_size)
    rng = np.random.default_rng(0)
    x = rng.random((images + 2 * batch_size, 28, 28, 1), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, len(x)), 10)
    model = build_seed_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x[: 2 * batch_size], y[: 2 * batch_size], batch_size=batch_size, epochs=1, verbose=0)  # tracing
    start = time.perf_counter()
    model.fit(x[2 * batch_size:], y[2 * batch_size:], batch_size=batch_size, epochs=1, verbose=0)
    return images / (time.perf_counter() - start)


def seed_cnn_rate(cpu: str, path=None, measure: bool = True) -> tuple[float, str]:
    """Return the seed CNN's images/s on ``cpu`` and where the figure comes from: the benchmark, else a timed fit."""
    rate = benchmarked_rate(cpu, path)
    if rate is not None:
        return rate, f"measured on {cpu} by benchmarks/speed.py"
    if not measure:
        raise ValueError(f"results/benchmark_speed.csv has no row for {cpu}: run `python benchmarks/speed.py`, or "
                         "give the speed (images per second) yourself.")
    return calibrate(), f"a short timed fit on {cpu} (no benchmarks/speed.py row for it yet)"


def network_factor(macs: int, options: dict | None = None) -> float:
    """Return how much slower than the seed CNN a network trains per image, from its multiply-adds and options."""
    check_positive_int("macs", macs)
    factor = FIXED_SHARE + (1 - FIXED_SHARE) * macs / SEED_CNN_MULTIPLY_ADDS
    options = options or {}
    if options.get("augment"):
        factor *= EXTRA_COST["augment"]
    if options.get("batch_norm") in EXTRA_COST:
        factor *= EXTRA_COST[options["batch_norm"]]
    return factor


def estimate_seconds(macs: int, *, rate: float, epochs: int, train_images: int, val_images: int = 0,
                     test_images: int = 0, batch_size: int = REFERENCE_BATCH, options: dict | None = None) -> float:
    """Return a run's estimated wall time: training images forward and back, validation and test forward only."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
        raise ValueError(f"rate must be a positive number of images per second, got {rate!r}.")
    epochs, batch_size = check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size)
    train_images = check_positive_int("train_images", train_images)
    for name, value in (("val_images", val_images), ("test_images", test_images)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a whole number of at least 0, got {value!r}.")
    per_image = network_factor(macs, options) / rate
    extra_steps = math.ceil(train_images / batch_size) - math.ceil(train_images / REFERENCE_BATCH)
    epoch = (train_images + val_images / 3) * per_image + extra_steps * STEP_SECONDS
    return epochs * epoch + test_images / 3 * per_image + RUN_OVERHEAD_SECONDS
