"""The set-up cell's one call: versions, profile, precision, threads and seed; on Colab without a GPU, a hint."""
from __future__ import annotations

import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .checks import check_positive_int
from .environment import THREADS_ENV_VAR, apply_thread_cap, check_versions
from .precision import use_best_precision
from .profiles import Profile, get_profile, set_seed

GPU_HOW = "Runtime > Change runtime type > a GPU (then run the notebook again from the top)."
TIMES_CSV = Path(__file__).resolve().parents[1] / "results" / "notebook_times.csv"  # the recorded Run All times


def setup(seed: int = 0, *, float32: bool = False, notebook: str | None = None) -> Profile:
    """Check the versions, set the run profile, precision and seed, print one line of them; return the profile."""
    # float32=True keeps float32 whatever the hardware (the reproductions use it); else bfloat16 where a CPU has it.
    # notebook ("02"): on Colab without a GPU, one more line says how to get one and how long this notebook trains.
    from . import precision
    if not isinstance(float32, bool):
        raise ValueError(f"float32 must be True or False, got {float32!r}.")
    set_seed(seed)  # first: a bad seed is refused before anything global changes
    # Keras 3 warns that fit's shuffle=True is ignored for a tf.data pipeline, which shuffles itself: not the lesson.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed, but will be ignored", category=UserWarning)
    versions = check_versions()
    profile = get_profile()
    capabilities = precision.detect_capabilities()
    choice = use_best_precision(force_float32=True if float32 else None, capabilities=capabilities)
    print(f"Python {versions['python']}, TensorFlow {versions['tensorflow']}, Keras {versions['keras']}; "
          f"{choice.policy} ({choice.reason.split(' (')[0].replace('float32 forced', 'forced')}); seed {int(seed)}")
    if f"{THREADS_ENV_VAR}=" in (threads := apply_thread_cap()):  # a cap was asked for: say whether it took
        print(f"Threads:   {threads}")
    if profile.smoke:  # the tests' and the grader's runs; a student's run is full and prints nothing more
        print(f"Profile:   {profile}")
    if "google.colab" in sys.modules and not capabilities.gpus and notebook is not None:
        print(gpu_hint(recorded_units(notebook), epoch_unit_seconds(steps=10)))
    return profile


def recorded_units(notebook: str) -> float | None:
    """Return how many units (epochs of the published CNN recipe) the notebook's Run All took when last recorded."""
    if not isinstance(notebook, str) or not notebook.strip():
        raise ValueError(f"notebook must be the notebook's number, such as '02', got {notebook!r}.")
    try:
        with TIMES_CSV.open(newline="", encoding="utf-8") as file:
            rows = [row for row in csv.DictReader(file) if row["notebook"].startswith(notebook.strip())
                    and row["profile"] == "full" and row.get("networks") == "none" and row.get("units")]
    except (OSError, KeyError, csv.Error):
        return None
    return float(max(rows, key=lambda row: row["finished_utc"])["units"]) if rows else None


def gpu_hint(units: float | None, unit_seconds: float) -> str:
    """Return the line that tells a Colab student without a GPU how to get one, and how long training takes here."""
    if units is None:
        return "No GPU:    this runtime trains on its CPU; for a GPU: " + GPU_HOW
    return (f"No GPU:    this notebook's training takes about {units:.1f} epochs of the published CNN, about "
            f"{units * unit_seconds / 60:.0f} min on this CPU; a GPU runtime trains much faster: {GPU_HOW}")


def epoch_unit_seconds(steps: int = 10) -> float:
    """Return an estimate of the seconds one epoch of the published CNN recipe takes here, in float32."""
    # The unit of class time (scripts/epoch_unit.py times a whole one): ``steps`` batches of 200 timed after a warm-up
    # one, the median scaled to the epoch's 240 steps (48,000 images) plus its validation (about 0.1 of them).
    import keras

    from .data import one_hot
    from .models import build_seed_cnn
    steps = check_positive_int("steps", steps)
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    try:
        model = build_seed_cnn()
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        x, y = np.random.default_rng(0).random((200, 28, 28, 1), dtype=np.float32), one_hot(np.arange(200) % 10)
        model.train_on_batch(x, y)  # traces the step: not part of a step's time
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            model.train_on_batch(x, y)
            times.append(time.perf_counter() - start)
        return float(np.median(times)) * 240 * 1.1  # the median: a shared machine's hiccups do not count
    finally:
        keras.mixed_precision.set_global_policy(policy)
