"""Sweeps: train the seed CNN over a grid of knobs, cache every finished run, then summarize and plot the runs.

A *config* is a dict of knobs; a knob left out takes its value from :data:`SWEEP_DEFAULTS` (the seed CNN's layers,
3 epochs of Adam at its default learning rate, batch 200, seed 0; Keras holds out the last 20% of the training
images for validation, as in the published recipe).

    configs = lab.grid(filters=[(32, 64), (75, 100)], seed=[0, 1, 2])
    runs = lab.run_sweep(configs, lab.load_mnist())      # one row per config, in the order given
    lab.plot_sweep(runs, "filters")

Every finished run is saved as one JSON file in a cache folder (``.lab_cache/sweeps/`` in the repository), named by
the SHA-256 of everything that decides its result: the full config, the profile, the precision policy, the data
and the TensorFlow, Keras and NumPy versions. Running the same sweep again (after an interruption, or in a
re-executed notebook) reads the finished runs back instead of training them again.
"""
from __future__ import annotations

import ast
import datetime
import difflib
import hashlib
import itertools
import json
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator, PercentFormatter

from .data import IMAGE_SIZE, NUM_CLASSES, one_hot, prepare_images
from .io import write_atomic
from .models import SEED_CNN_DEFAULTS, build_seed_cnn, seed_cnn_shapes
from .training import OPTIMIZERS

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_ENV_VAR = "LAB_CACHE_DIR"
CACHE_SCHEMA = 1  # bump when a cache entry's layout or meaning changes: every old entry is then recomputed
VALIDATION_SPLIT = 0.2  # fixed, as in the published recipe: Keras holds out the last 20% of the training arrays

SWEEP_OPTIMIZERS = (*OPTIMIZERS, "sgd_momentum")  # "sgd_momentum": SGD with momentum 0.9
SWEEP_DEFAULTS = {
    **SEED_CNN_DEFAULTS,
    "epochs": 3,
    "optimizer": "adam",
    "learning_rate": None,  # None: the optimizer's Keras default
    "batch_size": 200,
    "seed": 0,
}
KNOBS = tuple(SWEEP_DEFAULTS)
ARCHITECTURE_KNOBS = ("filters", "kernel_size", "pool_size", "dense_units", "padding", "architecture")

# The rough cost model behind estimate_seconds (and the time left that run_sweep prints): one epoch of the seed CNN
# at batch 200 on all 60,000 images took about 23 s on a 2-core AMD EPYC in mixed_bfloat16. Other networks scale
# with their multiply-adds per image, plus a share that does not (data, pooling, dropout), plus a cost per step
# that makes small batches slower. A count for planning, not a measurement.
REFERENCE_SECONDS_PER_EPOCH = 23.0
_FIXED_SHARE = 0.15
_STEP_SECONDS = 0.007
_RUN_OVERHEAD_SECONDS = 3.0  # build, compile and the first step's graph tracing

_HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
_RESULT_FIELDS = {  # what a cache entry must hold, with its type
    "params": int, "epochs_trained": int, "test_accuracy": float, "test_loss": float, "best_val_accuracy": float,
    "best_epoch": int, "final_val_accuracy": float, "train_seconds": float, "seconds_per_epoch": float,
    "loss_by_epoch": str, "accuracy_by_epoch": str, "val_loss_by_epoch": str, "val_accuracy_by_epoch": str,
    "epoch_seconds": str, "cpu": str, "cores": int, "cpu_flags": str, "gpu": str, "python": str, "finished_utc": str,
}
_CONTEXT_FIELDS = ("validation_split", "precision", "profile", "train_size", "test_size", "tensorflow", "keras", "numpy")
COLUMNS = (*KNOBS, "architecture", "config_id", *_RESULT_FIELDS, *_CONTEXT_FIELDS, "cached")


# ---------------------------------------------------------------------------------------------------------------
# Configs: a grid, and checks of every knob before anything trains
# ---------------------------------------------------------------------------------------------------------------

def grid(**knob_values) -> list[dict]:
    """Return one config per combination of knob values, the last knob varying fastest.

    A list (or range) is a set of values to try; anything else, a tuple such as ``filters=(32, 64)`` included,
    is one value used in every config. ``grid()`` alone is ``[{}]``: the base config.
    """
    names, choices = list(knob_values), []
    for name, values in knob_values.items():
        if isinstance(values, (list, range, np.ndarray)):
            values = list(values)
            if not values:
                raise ValueError(f"grid: {name}=[] gives no value to try; give at least one, or leave {name} out.")
        else:
            values = [values]
        choices.append(values)
    configs = [dict(zip(names, combination)) for combination in itertools.product(*choices)]
    validate_configs(configs)
    return configs


def validate_configs(configs) -> list[dict]:
    """Check every config before anything trains; return them complete (defaults filled in, values normalized).

    Raises TypeError for a value of the wrong type and ValueError for a wrong value, naming the config's index
    and the knob.
    """
    if isinstance(configs, dict):
        raise TypeError("configs must be a list of configs (dicts); for a single one, pass [config].")
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Sequence):
        raise TypeError(f"configs must be a list of dicts of knobs (see lab.grid), got {type(configs).__name__}.")
    if not configs:
        raise ValueError("configs is empty: give at least one config ({} is the base config).")
    return [_complete(index, config) for index, config in enumerate(configs)]


def _complete(index: int, config) -> dict:
    where = f"config {index}"
    if not isinstance(config, dict):
        raise TypeError(f"{where} must be a dict of knobs, got {type(config).__name__}: {config!r}.")
    for name in config:
        if name not in SWEEP_DEFAULTS:
            raise ValueError(f"{where}: unknown knob {name!r}.{_suggest(name, KNOBS)} The knobs are: {', '.join(KNOBS)}.")
    full = {**SWEEP_DEFAULTS, **config}
    for name in ("kernel_size", "pool_size", "epochs", "batch_size"):
        full[name] = _whole(where, name, full[name], minimum=1)
    full["seed"] = _whole(where, "seed", full["seed"], minimum=0)
    full["filters"] = _sizes(where, "filters", full["filters"], allow_empty=False)
    full["dense_units"] = _sizes(where, "dense_units", full["dense_units"], allow_empty=True)
    for name in ("conv_dropout", "dense_dropout"):
        full[name] = _rate(where, name, full[name])
    if full["learning_rate"] is not None:
        value = _real(where, "learning_rate", full["learning_rate"], "None (the optimizer's default) or a number")
        if not 0.0 < value < 1.0:
            raise ValueError(f"{where}: learning_rate must lie in (0, 1), got {value!r}; typical values are 1e-4 to 0.1, "
                             f"and None keeps the optimizer's default.")
        full["learning_rate"] = value
    for name, allowed in (("optimizer", SWEEP_OPTIMIZERS), ("padding", ("valid", "same"))):
        value = full[name]
        if not isinstance(value, str):
            raise TypeError(f"{where}: {name} must be a name (str), one of {', '.join(allowed)}; got {value!r}.")
        if value.strip().lower() not in allowed:
            raise ValueError(f"{where}: unknown {name} {value!r}.{_suggest(value.strip().lower(), allowed)} "
                             f"Use one of {', '.join(allowed)}.")
        full[name] = value.strip().lower()
    try:
        seed_cnn_shapes(full["filters"], full["kernel_size"], full["pool_size"], full["padding"])
    except ValueError as error:
        raise ValueError(f"{where} (filters={full['filters']}, kernel_size={full['kernel_size']}, "
                         f"pool_size={full['pool_size']}, padding={full['padding']!r}): {error}") from None
    return full


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(str(name), list(choices), n=2, cutoff=0.6)
    if name == "validation_split":
        return " It is fixed at 0.2 (the published recipe), so a sweep cannot vary it."
    return f" Did you mean {' or '.join(map(repr, close))}?" if close else ""


def _whole(where: str, name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        hint = " To sweep several values, pass a list to lab.grid." if isinstance(value, (tuple, list)) else ""
        raise TypeError(f"{where}: {name} must be a whole number, got {value!r} ({type(value).__name__}).{hint}")
    if value < minimum:
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{where}: {name} must be a {what} whole number, got {value!r}; "
                         f"leave it out to use the default ({SWEEP_DEFAULTS[name]}).")
    return int(value)


def _sizes(where: str, name: str, value, allow_empty: bool) -> tuple:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)):
        raise TypeError(f"{where}: {name} must be a tuple of whole numbers (one per layer), such as "
                        f"{SWEEP_DEFAULTS[name]}, got {value!r}.")
    if len(value) == 0 and not allow_empty:
        raise ValueError(f"{where}: {name} needs at least one entry (one per conv block), got {value!r}.")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"{where}: each entry of {name} must be a whole number, got {item!r} in {value!r}.")
        if item < 1:
            raise ValueError(f"{where}: each entry of {name} must be at least 1, got {item!r} in {value!r}; "
                             f"to drop a layer, leave its entry out.")
    return tuple(int(item) for item in value)


def _real(where: str, name: str, value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be {what}, got {value!r} ({type(value).__name__}).")
    if not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be a finite number, got {value!r}.")
    return float(value)


def _rate(where: str, name: str, value) -> float:
    value = _real(where, name, value, "a dropout rate (a number in [0, 1))")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: {name} must be a dropout rate in [0, 1), got {value!r}; 0 means no dropout.")
    return value


def config_id(config: dict) -> str:
    """Return 12 hex digits that name a config (after defaults are filled in), the same on every machine."""
    (full,) = validate_configs([config])
    return hashlib.sha256(_canonical_json(full).encode()).hexdigest()[:12]


def describe_architecture(config: dict) -> str:
    """Return the layers of a config in a few words, such as ``conv 75-100 + dense 500``."""
    (full,) = validate_configs([config])
    conv = "conv " + "-".join(map(str, full["filters"])) + (" (same)" if full["padding"] == "same" else "")
    dense = " + dense " + "-".join(map(str, full["dense_units"])) if full["dense_units"] else ", no hidden dense"
    return conv + dense


def _canonical_json(value) -> str:
    """JSON with sorted keys and no spaces (tuples become lists): equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


# ---------------------------------------------------------------------------------------------------------------
# Cost: a rough count for plans and for the time left
# ---------------------------------------------------------------------------------------------------------------

def _forward_macs(config: dict) -> int:
    """Multiply-adds for one image's forward pass through the network a (complete) config describes."""
    side, channels, macs, k = IMAGE_SIZE, 1, 0, config["kernel_size"]
    for maps in config["filters"]:
        out = side if config["padding"] == "same" else side - k + 1
        macs += out * out * k * k * channels * maps
        side, channels = out // config["pool_size"], maps
    units = side * side * channels
    for width in (*config["dense_units"], NUM_CLASSES):
        macs += units * width
        units = width
    return macs


def estimate_seconds(config: dict, *, train_size: int = 60_000, test_size: int = 10_000,
                     reference_seconds_per_epoch: float = REFERENCE_SECONDS_PER_EPOCH) -> float:
    """Return a rough wall time for one run, scaled from the seed CNN's epoch time by multiply-adds and batch count.

    ``reference_seconds_per_epoch`` is one epoch of the seed CNN at batch 200 on all 60,000 images on the
    machine in question (23 s on the lab's 2-core CPU).
    """
    (config,) = validate_configs([config])
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    if not reference_seconds_per_epoch > 0:
        raise ValueError(f"reference_seconds_per_epoch must be positive, got {reference_seconds_per_epoch!r}.")

    def steps(n, batch):
        return math.ceil(n / batch) if n else 0

    def epoch_parts(n_images, batch):  # training images cost a forward and a backward pass, validation a forward
        n_val = int(n_images * VALIDATION_SPLIT)
        return (n_images - n_val) + n_val / 3, steps(n_images - n_val, batch) + steps(n_val, batch)

    ref_images, ref_steps = epoch_parts(60_000, SWEEP_DEFAULTS["batch_size"])
    per_image = (reference_seconds_per_epoch - ref_steps * _STEP_SECONDS) / ref_images
    factor = _FIXED_SHARE + (1 - _FIXED_SHARE) * _forward_macs(config) / _forward_macs(validate_configs([{}])[0])
    images, n_steps = epoch_parts(int(train_size), config["batch_size"])
    epoch = per_image * factor * images + n_steps * _STEP_SECONDS
    return config["epochs"] * epoch + per_image * factor * test_size / 3 + _RUN_OVERHEAD_SECONDS


# ---------------------------------------------------------------------------------------------------------------
# The cache: one JSON file per finished run, named by the SHA-256 of everything that decides its result
# ---------------------------------------------------------------------------------------------------------------

def default_cache_dir() -> Path:
    """Return the sweep cache folder: ``$LAB_CACHE_DIR/sweeps``, or ``.lab_cache/sweeps`` in the repository."""
    folder = os.environ.get(CACHE_ENV_VAR, "").strip()
    return (Path(folder).expanduser() if folder else REPO_ROOT / ".lab_cache") / "sweeps"


def library_versions() -> dict:
    """Return the TensorFlow, Keras and NumPy versions (part of every cache key)."""
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


def cache_payload(config: dict, *, profile, precision: str, train_size: int, test_size: int,
                  data_sha256: str = "", versions: dict | None = None) -> dict:
    """Return everything that decides a run's result, as plain JSON values: the input of its cache key."""
    from .profiles import Profile, get_profile

    (full,) = validate_configs([config])
    profile = get_profile(profile) if isinstance(profile, str) else profile
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile or a profile name, got {type(profile).__name__}.")
    versions = library_versions() if versions is None else versions
    if not isinstance(versions, dict) or set(versions) != {"tensorflow", "keras", "numpy"}:
        raise ValueError("versions must be a dict with exactly the keys 'tensorflow', 'keras' and 'numpy'.")
    payload = {
        "schema": CACHE_SCHEMA,
        "config": full,
        "epochs_trained": profile.epochs(full["epochs"]),
        "validation_split": VALIDATION_SPLIT,
        "profile": profile.name,
        "precision": str(precision),
        "train_size": int(train_size),
        "test_size": int(test_size),
        "data_sha256": str(data_sha256),
        **{name: str(versions[name]) for name in ("tensorflow", "keras", "numpy")},
    }
    return json.loads(_canonical_json(payload))  # tuples become lists, exactly as they come back from a file


def cache_key(config: dict, **context) -> str:
    """Return the SHA-256 (hex) of a run's canonical payload (see :func:`cache_payload` for the context)."""
    return hashlib.sha256(_canonical_json(cache_payload(config, **context)).encode()).hexdigest()


def _read_cache_entry(path: Path, payload: dict):
    """Return ``(results, None)`` for a good entry, ``(None, None)`` for none, ``(None, problem)`` for a bad one."""
    if not path.exists():
        return None, None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, f"is not readable JSON (truncated or corrupt: {type(error).__name__})"
    if not isinstance(entry, dict) or entry.get("schema") != CACHE_SCHEMA or not isinstance(entry.get("results"), dict):
        return None, f"does not have the layout this version writes (schema {CACHE_SCHEMA})"
    if entry.get("payload") != payload:
        return None, "holds a different run (its config or context does not match the one asked for)"
    results = entry["results"]
    for name, kind in _RESULT_FIELDS.items():
        value = results.get(name)
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok:
            return None, f"lacks a valid {name!r}"
    for name in ("test_accuracy", "best_val_accuracy", "final_val_accuracy"):
        if not 0.0 <= results[name] <= 1.0:
            return None, f"has {name} {results[name]!r}, outside [0, 1]"
    for name in (*(f"{key}_by_epoch" for key in _HISTORY_KEYS), "epoch_seconds"):
        try:
            curve = json.loads(results[name])
        except ValueError:
            curve = None
        if not isinstance(curve, list) or len(curve) != results["epochs_trained"]:
            return None, f"has a {name} that is not a list of {results['epochs_trained']} values"
    return results, None


def _display(path: Path) -> str:
    """A path relative to the repository when it is inside it (shorter, and the same on every machine)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------------------------
# Training one config
# ---------------------------------------------------------------------------------------------------------------

def make_optimizer(name: str, learning_rate: float | None = None):
    """Return a Keras optimizer by its sweep name (``sgd_momentum`` is SGD with momentum 0.9); None keeps its default rate."""
    key = str(name).strip().lower()
    classes = {"sgd": keras.optimizers.SGD, "sgd_momentum": keras.optimizers.SGD, "adam": keras.optimizers.Adam,
               "rmsprop": keras.optimizers.RMSprop, "adamw": keras.optimizers.AdamW, "nadam": keras.optimizers.Nadam,
               "adagrad": keras.optimizers.Adagrad}
    if key not in classes:
        raise ValueError(f"unknown optimizer {name!r}.{_suggest(key, classes)} Use one of {', '.join(classes)}.")
    kwargs = {} if learning_rate is None else {"learning_rate": float(learning_rate)}
    if key == "sgd_momentum":
        kwargs["momentum"] = 0.9
    return classes[key](**kwargs)


class _EpochReport(keras.callbacks.Callback):
    """Records each epoch's wall time and, when verbose, prints one plain line per epoch with the time left."""

    def __init__(self, epochs: int, verbose: int):
        super().__init__()
        self.epochs, self.verbose, self.seconds = epochs, verbose, []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        if self.verbose < 2:
            return
        logs = logs or {}
        metrics = ", ".join(f"{key} {logs[key]:.2%}" if key.endswith("accuracy") else f"{key} {logs[key]:.4f}"
                            for key in _HISTORY_KEYS if key in logs)
        left = (self.epochs - epoch - 1) * sum(self.seconds) / len(self.seconds)
        tail = f"; about {_duration(left)} left in this run" if left > 0 else ""
        print(f"    epoch {epoch + 1}/{self.epochs}: {metrics} ({self.seconds[-1]:.0f} s{tail})", flush=True)


def _train_one(config: dict, x_train, y_train, x_test, y_test, *, epochs: int, precision: str, verbose: int) -> dict:
    """Build, compile, fit and evaluate one complete config from a fresh start; return its parameters, history,
    times and test scores."""
    from .profiles import set_seed

    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(precision)  # clear_session resets the policy to float32
    set_seed(config["seed"])
    model = build_seed_cnn(**{name: config[name] for name in SEED_CNN_DEFAULTS})
    model.compile(optimizer=make_optimizer(config["optimizer"], config["learning_rate"]),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    report = _EpochReport(epochs, verbose)
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=config["batch_size"], epochs=epochs,
                        validation_split=VALIDATION_SPLIT, callbacks=[report], verbose=0)
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return {"params": model.count_params(), "history": history.history, "epoch_seconds": report.seconds,
            "train_seconds": train_seconds, "test_loss": float(test_loss), "test_accuracy": float(test_accuracy)}


def _results(run: dict, machine: dict) -> dict:
    """Turn what _train_one returned into the JSON-ready result fields of a row (and of its cache entry)."""
    history = {key: [float(v) for v in run["history"][key]] for key in _HISTORY_KEYS}
    val = history["val_accuracy"]
    best = int(np.argmax(val))
    seconds = [float(s) for s in run["epoch_seconds"]]
    return {
        "params": int(run["params"]),
        "epochs_trained": len(val),
        "test_accuracy": round(float(run["test_accuracy"]), 6),
        "test_loss": round(float(run["test_loss"]), 6),
        "best_val_accuracy": round(val[best], 6),
        "best_epoch": best + 1,
        "final_val_accuracy": round(val[-1], 6),
        "train_seconds": round(float(run["train_seconds"]), 2),
        "seconds_per_epoch": round(sum(seconds) / len(seconds), 2) if seconds else 0.0,
        **{f"{key}_by_epoch": json.dumps([round(v, 6) for v in history[key]]) for key in _HISTORY_KEYS},
        "epoch_seconds": json.dumps([round(s, 2) for s in seconds]),
        **{name: machine[name] for name in ("cpu", "cores", "cpu_flags", "gpu", "python")},
        "finished_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _prepare_data(data, profile):
    """Return the profile's share of ``data`` as float32 images (n, 28, 28, 1) and one-hot labels, and their SHA-256."""
    shape_ok = isinstance(data, (tuple, list)) and len(data) == 2 and all(
        isinstance(part, (tuple, list)) and len(part) == 2 for part in data)
    if not shape_ok:
        raise TypeError("data must be ((x_train, y_train), (x_test, y_test)), as lab.load_mnist() returns.")
    arrays, digest = [], hashlib.sha256()
    for (x, y), split in zip(data, ("train", "test")):
        x, y = profile.subset(np.asarray(x), np.asarray(y), split)
        x = prepare_images(x, "image")
        if y.ndim == 2:
            if y.shape[1] != NUM_CLASSES or not np.isin(y, (0, 1)).all() or not (y.sum(axis=1) == 1).all():
                raise ValueError(f"{split} labels of shape {y.shape} must be one-hot rows of {NUM_CLASSES} "
                                 f"(or digits 0..9, which run_sweep one-hot encodes).")
            y = y.astype("float32")
        else:
            y = one_hot(y)
        if split == "train" and len(x) < 10:
            raise ValueError(f"run_sweep needs at least 10 training images (20% are held out), got {len(x)}.")
        for array in (x, y):
            digest.update(np.ascontiguousarray(array).tobytes())
        arrays += [x, y]
    return (*arrays, digest.hexdigest())


# ---------------------------------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------------------------------

def run_sweep(configs, data, *, cache_dir=None, profile=None, verbose: int = 2, on_row=None) -> pd.DataFrame:
    """Train (or read from the cache) one run per config; return a DataFrame with one row per config, in order.

    ``data`` is ``((x_train, y_train), (x_test, y_test))``: the raw arrays ``lab.load_mnist()`` returns, or
    already prepared ones (float images in [0, 1], one-hot labels). The profile (default: ``$LAB_PROFILE``) takes
    its share of the images and caps the epochs. The precision is Keras's global policy when the sweep starts
    (set it with ``lab.use_best_precision()``); it is re-applied after each ``keras.backend.clear_session()``.
    ``verbose``: 0 prints only cache problems, 1 one line per run, 2 also one line per epoch.
    ``on_row(index, row)`` is called as each config's row becomes available (the sweep script saves its CSV there).
    A duplicate config is trained once and gets a row at each of its places.
    """
    from .environment import machine_info
    from .profiles import Profile, get_profile

    full = validate_configs(configs)
    profile = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile, a profile name or None, got {type(profile).__name__}.")
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}.")
    if on_row is not None and not callable(on_row):
        raise TypeError(f"on_row must be a function (index, row) or None, got {type(on_row).__name__}.")
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    if cache_dir.exists() and not cache_dir.is_dir():
        raise NotADirectoryError(f"cache_dir {cache_dir} is a file; give a folder for the sweep cache.")
    x_train, y_train, x_test, y_test, data_sha256 = _prepare_data(data, profile)
    precision = keras.mixed_precision.global_policy().name
    context = dict(profile=profile, precision=precision, train_size=len(x_train), test_size=len(x_test),
                   data_sha256=data_sha256, versions=library_versions())

    # One run per distinct payload, in the order of first appearance; the cache is read once, up front.
    runs, places = {}, []  # key -> run state; input index -> key
    for index, config in enumerate(full):
        payload = cache_payload(config, **context)
        key = hashlib.sha256(_canonical_json(payload).encode()).hexdigest()
        places.append(key)
        if key not in runs:
            estimate = estimate_seconds({**config, "epochs": payload["epochs_trained"]},
                                        train_size=len(x_train), test_size=len(x_test))
            runs[key] = {"config": config, "payload": payload, "path": cache_dir / f"{key}.json", "estimate": estimate,
                         "label": _label_config({name: config[name] for name in configs[index]}),
                         "results": None, "cached": False}
    for run in runs.values():
        results, problem = _read_cache_entry(run["path"], run["payload"])
        if problem:
            print(f"Cache entry {_display(run['path'])} {problem}: it will be recomputed.", flush=True)
        run["results"], run["cached"] = results, results is not None
    n_runs, n_cached = len(runs), sum(run["cached"] for run in runs.values())
    if verbose:
        duplicates = len(full) - n_runs
        print(f"Sweep of {n_runs} run{'s' * (n_runs != 1)}"
              + (f" ({duplicates} duplicate config{'s' * (duplicates != 1)} run once)" if duplicates else "")
              + f": {n_cached} from the cache, {n_runs - n_cached} to train; profile {profile.name}, {precision}, "
              f"{len(x_train):,} training images; cache {_display(cache_dir)}", flush=True)

    rows = [None] * len(full)
    machine = machine_info() if n_cached < n_runs else None
    trained_seconds = trained_estimate = 0.0
    done = 0
    # Building one model after another makes TensorFlow warn about retracing on stderr; here that is expected,
    # and a stderr stream in a committed notebook output would only alarm (and fail nbval's comparison).
    tf_logger = logging.getLogger("tensorflow")
    tf_level = tf_logger.level
    tf_logger.setLevel(max(tf_level, logging.ERROR))
    try:
        for number, (key, run) in enumerate(runs.items(), start=1):
            tag = f"[{number}/{n_runs}] {run['label']}"
            if not run["cached"]:
                if verbose >= 2:
                    print(f"{tag}: training {run['payload']['epochs_trained']} epoch(s) ...", flush=True)
                start = time.perf_counter()
                outcome = _train_one(run["config"], x_train, y_train, x_test, y_test,
                                     epochs=run["payload"]["epochs_trained"], precision=precision, verbose=verbose)
                trained_seconds += time.perf_counter() - start
                trained_estimate += run["estimate"]
                run["results"] = _results(outcome, machine)
                entry = {"schema": CACHE_SCHEMA, "key": key, "payload": run["payload"], "results": run["results"]}
                write_atomic(run["path"], json.dumps(entry, indent=1) + "\n")
            done += 1
            if verbose:
                accuracy = run["results"]["test_accuracy"]
                if run["cached"]:
                    print(f"{tag}: from the cache, test {accuracy:.2%}", flush=True)
                else:
                    left = sum(r["estimate"] for r in runs.values() if r["results"] is None)
                    left *= trained_seconds / trained_estimate if trained_estimate else 0.0
                    tail = f"; about {_duration(left)} left" if left > 0 else "; sweep done"
                    print(f"{tag}: test {accuracy:.2%} in {run['results']['train_seconds']:.0f} s{tail}", flush=True)
            for index, place in enumerate(places):
                if place == key:
                    rows[index] = _row(run["config"], run["payload"], run["results"], run["cached"])
                    if on_row is not None:
                        on_row(index, dict(rows[index]))
    except BaseException as error:
        print(f"Sweep stopped at run {done + 1} of {n_runs} ({type(error).__name__}); the {done} finished run(s) are "
              f"in {_display(cache_dir)}: run the same sweep again to resume.", flush=True)
        raise
    finally:
        tf_logger.setLevel(tf_level)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _row(config: dict, payload: dict, results: dict, cached: bool) -> dict:
    return {
        **config,
        "architecture": describe_architecture(config),
        "config_id": config_id(config),
        **{name: results[name] for name in _RESULT_FIELDS},
        **{name: payload[name] for name in _CONTEXT_FIELDS},
        "cached": cached,
    }


def _label_config(config: dict) -> str:
    """The knobs a config sets, as ``filters=(32, 64) seed=1``; ``base config`` when it sets none."""
    return " ".join(f"{name}={value!r}" for name, value in config.items()) or "base config"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {seconds % 3600 / 60:.0f} min"


# ---------------------------------------------------------------------------------------------------------------
# Reading, summarizing and plotting sweep results
# ---------------------------------------------------------------------------------------------------------------

def read_sweep(path) -> pd.DataFrame:
    """Return sweep runs saved as CSV, with ``filters`` and ``dense_units`` as tuples again."""
    from .results import read_runs

    runs = read_runs(path)
    for name in ("filters", "dense_units"):
        if name in runs.columns:
            runs[name] = [_as_tuple(value) for value in runs[name]]
    return runs


def _as_tuple(value):
    if isinstance(value, str):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return tuple(parsed) if isinstance(parsed, (tuple, list)) else (parsed,)
    if isinstance(value, list):
        return tuple(value)
    return value


def _check_runs(runs, knob: str, needed=("test_accuracy",)) -> None:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"runs must be the DataFrame that run_sweep returns, got {type(runs).__name__}.")
    if not isinstance(knob, str):
        raise TypeError(f"knob must be a column name (str), got {knob!r}.")
    if runs.empty:
        raise ValueError("runs is empty: there is no run to summarize. Did a filter select nothing?")
    if knob not in runs.columns:
        raise ValueError(f"runs has no column {knob!r}.{_suggest(knob, runs.columns)} "
                         f"The knobs are: {', '.join(name for name in KNOBS if name in runs.columns)}.")
    missing = [name for name in needed if name not in runs.columns]
    if missing:
        raise ValueError(f"runs lacks the column(s) {', '.join(missing)}: pass the DataFrame that run_sweep returns.")


def _values_in_order(column: pd.Series) -> list:
    """The distinct values of a column: sorted when they are numbers, else in the order they first appear."""
    values = list(dict.fromkeys(_as_tuple(v) if isinstance(v, list) else v for v in column))
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values):
        if not any(isinstance(v, float) and math.isnan(v) for v in values):
            return sorted(values)
    return values


def _value_label(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "default"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) if value else "none"
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _compact_number(value, _position=None) -> str:
    """10,000 as 10k and 2,000,000 as 2M, for axis labels."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def summarize_sweep(runs: pd.DataFrame, knob: str) -> pd.DataFrame:
    """Return one row per value of ``knob``: runs, test accuracy mean/std/min/max, mean time, parameters."""
    _check_runs(runs, knob, needed=("test_accuracy", "train_seconds", "params"))
    keys = [_as_tuple(v) if isinstance(v, list) else v for v in runs[knob]]
    table = runs.assign(_value=[_value_label(v) for v in keys])
    rows = []
    for value in _values_in_order(pd.Series(keys)):
        group = table[table["_value"] == _value_label(value)]
        accuracy = group["test_accuracy"].astype(float)
        rows.append({
            knob: value,
            "runs": len(group),
            "test_accuracy_mean": accuracy.mean(),
            "test_accuracy_std": accuracy.std(),  # NaN for a single run: no spread to measure
            "test_accuracy_min": accuracy.min(),
            "test_accuracy_max": accuracy.max(),
            "train_seconds_mean": group["train_seconds"].astype(float).mean(),
            "params": int(round(group["params"].astype(float).mean())),
        })
    return pd.DataFrame(rows)


def plot_sweep(runs: pd.DataFrame, knob: str, *, against="auto", title=None) -> Figure:
    """Return a Figure of test accuracy for each value of ``knob``: every run a point, mean ± std a bar.

    ``against`` adds a second panel of test accuracy against ``"params"`` or ``"train_seconds"``; ``"auto"``
    picks parameters for architecture knobs and training time for the others; None leaves it out.
    """
    if against not in ("auto", "params", "train_seconds", None):
        raise ValueError(f"against must be 'auto', 'params', 'train_seconds' or None, got {against!r}.")
    if against == "auto":
        against = "params" if knob in ARCHITECTURE_KNOBS else "train_seconds"
    _check_runs(runs, knob, needed=("test_accuracy",) + ((against,) if against else ()))
    summary_keys = [_as_tuple(v) if isinstance(v, list) else v for v in runs[knob]]
    labels = [_value_label(v) for v in summary_keys]
    order = [_value_label(v) for v in _values_in_order(pd.Series(summary_keys))]
    accuracy = runs["test_accuracy"].astype(float).to_numpy()

    fig = Figure(figsize=(11.5, 4.4) if against else (6.5, 4.4), layout="constrained")
    axes = fig.subplots(1, 2 if against else 1, squeeze=False)[0]
    ax = axes[0]
    for position, value in enumerate(order):
        mask = np.array([label == value for label in labels])
        points = accuracy[mask]
        offsets = np.linspace(-0.12, 0.12, len(points)) if len(points) > 1 else np.zeros(1)
        ax.scatter(position + offsets, points, s=22, color="tab:blue", alpha=0.6, zorder=2,
                   label="one run (seed)" if position == 0 else None)
        spread = points.std(ddof=1) if len(points) > 1 else 0.0
        ax.errorbar(position, points.mean(), yerr=spread, fmt="_", markersize=18, capsize=6, color="black",
                    zorder=3, label="mean ± std" if position == 0 else None)
    ax.set_xticks(range(len(order)), order, rotation=20 if max(map(len, order)) > 8 else 0,
                  ha="right" if max(map(len, order)) > 8 else "center")
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_xlabel(knob, fontsize=11)
    ax.set_ylabel("test accuracy", fontsize=11)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"Test accuracy by {knob} ({len(runs)} runs)", fontsize=12)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=9)

    if against:
        ax2 = axes[1]
        x = runs[against].astype(float).to_numpy()
        for position, value in enumerate(order):
            mask = np.array([label == value for label in labels])
            ax2.scatter(x[mask], accuracy[mask], s=26, alpha=0.75, color=f"C{position % 10}", label=value)
        if against == "params":
            ax2.set_xscale("log")
            ax2.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax2.xaxis.set_minor_locator(NullLocator())
            ax2.xaxis.set_major_formatter(FuncFormatter(_compact_number))
        ax2.set_xlabel("parameters (log scale)" if against == "params" else "training time (s)", fontsize=11)
        ax2.set_ylabel("test accuracy", fontsize=11)
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax2.set_title("... against " + ("the number of parameters" if against == "params" else "training time"),
                      fontsize=12)
        ax2.grid(alpha=0.3)
        ax2.legend(title=knob, fontsize=8, title_fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig
