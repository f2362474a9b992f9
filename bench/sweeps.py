"""Sweeps: train the seed CNN over a grid of knobs, cache every finished run, then summarize and plot the runs.

A *config* is a dict of knobs; a knob left out takes its value from :data:`SWEEP_DEFAULTS` (the seed CNN's layers,
3 epochs of Adam at its default learning rate, batch 200, seed 0; Keras holds out the last 20% of the training
images for validation, as in the published recipe).

    configs = sweeps.grid(filters=[(32, 64), (75, 100)], seed=[0, 1, 2])
    runs = sweeps.run_sweep(configs, lab.load_mnist())      # one row per config, in the order given
    plot_sweep(runs, "filters")                          # lab_utils.plot_sweep

Every finished run is saved as one JSON file in a cache folder (``.lab_cache/sweeps/`` in the repository), named by
the SHA-256 of everything that decides its result: the full config, the profile, the precision policy, the data
and the TensorFlow, Keras and NumPy versions. Running the same sweep again (after an interruption, or in a
re-executed notebook) reads the finished runs back instead of training them again.
"""
from __future__ import annotations

import ast
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

from lab_utils import models
from lab_utils.data import NUM_CLASSES, one_hot, prepare_images
from lab_utils.experiments import check_runs, plot_sweep
from lab_utils.io import write_atomic
from lab_utils.models import SEED_CNN_DEFAULTS, build_seed_cnn, seed_cnn_shapes
from lab_utils.training import OPTIMIZERS, Recipe, fit

from . import cost
from .machine import current_cpu, library_versions, utc_timestamp
from .records import run_id

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_ENV_VAR = "LAB_CACHE_DIR"
CACHE_SCHEMA = 1  # bump when a cache entry's layout or meaning changes: every old entry is then recomputed
VALIDATION_SPLIT = 0.2  # fixed, as in the published recipe: Keras holds out the last 20% of the training arrays

SWEEP_OPTIMIZERS = tuple(OPTIMIZERS)  # "sgd_momentum": SGD with momentum 0.9
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
        raise TypeError(f"configs must be a list of dicts of knobs (see sweeps.grid), got {type(configs).__name__}.")
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
        hint = " To sweep several values, pass a list to sweeps.grid." if isinstance(value, (tuple, list)) else ""
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
    return run_id(full, 12)


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

def estimate_seconds(config: dict, *, rate: float, train_size: int = 60_000, test_size: int = 10_000) -> float:
    """Return a run's estimated wall time from the seed CNN's speed ``rate`` (images/s): see ``bench.cost``."""
    (config,) = validate_configs([config])
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    key = config_id({**config, "seed": 0, "epochs": 1, "optimizer": "adam", "learning_rate": None})  # the layers only
    if key not in _MACS:
        _MACS[key] = cost.multiply_adds(models.build_seed_cnn(**{name: config[name] for name in SEED_CNN_DEFAULTS}))
    n_val = int(train_size * VALIDATION_SPLIT)
    return cost.estimate_seconds(_MACS[key], rate=rate, epochs=config["epochs"], train_images=train_size - n_val,
                                 val_images=n_val, test_images=test_size, batch_size=config["batch_size"])


_MACS = {}  # multiply-adds by layer config: building a network to count them takes a moment


# ---------------------------------------------------------------------------------------------------------------
# The cache: one JSON file per finished run, named by the SHA-256 of everything that decides its result
# ---------------------------------------------------------------------------------------------------------------

def default_cache_dir() -> Path:
    """Return the sweep cache folder: ``$LAB_CACHE_DIR/sweeps``, or ``.lab_cache/sweeps`` in the repository."""
    folder = os.environ.get(CACHE_ENV_VAR, "").strip()
    return (Path(folder).expanduser() if folder else REPO_ROOT / ".lab_cache") / "sweeps"


def cache_payload(config: dict, *, profile, precision: str, train_size: int, test_size: int,
                  data_sha256: str = "", versions: dict | None = None) -> dict:
    """Return everything that decides a run's result, as plain JSON values: the input of its cache key."""
    from lab_utils.profiles import Profile, get_profile

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
    return run_id(cache_payload(config, **context), 64)


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
    from lab_utils.profiles import set_seed

    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(precision)  # clear_session resets the policy to float32
    set_seed(config["seed"])
    model = build_seed_cnn(**{name: config[name] for name in SEED_CNN_DEFAULTS})
    recipe = Recipe("a sweep's run", optimizer=config["optimizer"], learning_rate=config["learning_rate"],
                    batch_size=config["batch_size"], epochs=epochs, validation_split=VALIDATION_SPLIT, pipeline="keras")
    report = _EpochReport(epochs, verbose)
    run = fit(model, recipe, x_train, y_train, x_test=x_test, y_test=y_test, callbacks=[report], verbose=0)
    return {"params": model.count_params(), "history": run.history, "epoch_seconds": report.seconds,
            "train_seconds": run.train_seconds, "test_loss": run.test_loss, "test_accuracy": run.test_accuracy}


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
        "finished_utc": utc_timestamp(),
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
    (set it with ``lab_utils.precision.use_best_precision()``); it is re-applied after each ``keras.backend.clear_session()``.
    ``verbose``: 0 prints only cache problems, 1 one line per run, 2 also one line per epoch.
    ``on_row(index, row)`` is called as each config's row becomes available (the sweep script saves its CSV there).
    A duplicate config is trained once and gets a row at each of its places.
    """
    from lab_utils.profiles import Profile, get_profile

    from .machine import machine_info

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
        key = run_id(payload, 64)
        places.append(key)
        if key not in runs:
            # Only ratios matter here: the time left is scaled by what the finished runs really took.
            estimate = estimate_seconds({**config, "epochs": payload["epochs_trained"]}, rate=1_000.0,
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
    from .records import read_runs

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


def summarize_sweep(runs: pd.DataFrame, knob: str) -> pd.DataFrame:
    """Return one row per value of ``knob``: runs, test accuracy mean/std/min/max, mean time, parameters."""
    check_runs(runs, knob, needed=("test_accuracy", "train_seconds", "params"))
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


# ---------------------------------------------------------------------------------------------------------------
# The five sets of the published "try this" list (scripts/sweep.py and notebook 04 run the same ones)
# ---------------------------------------------------------------------------------------------------------------

SWEEP_SET_BASE = {"epochs": 3}  # the base of every set; the rest at SWEEP_DEFAULTS (the seed CNN, Adam, batch 200)


def sweep_sets() -> dict:
    """Return the five sets: set name -> list of (knob to plot by, the configs that vary it), a fresh copy each call."""
    return {
        "architecture": [("architecture", [
            {"filters": (75,)},
            {},
            {"filters": (75, 100, 125), "padding": "same"},
            {"dense_units": ()},
            {"dense_units": (500, 500)},
        ])],
        "layer_sizes": [
            ("filters", [{"filters": f} for f in ((16, 32), (32, 64), (75, 100), (128, 160))]),
            ("kernel_size", [{"kernel_size": k} for k in (3, 5, 7)]),
            ("dense_units", [{"dense_units": (units,)} for units in (64, 500, 1000)]),
        ],
        "epochs": [("epochs", [{"epochs": e} for e in (1, 2, 3, 4, 8)])],
        "optimizer": [("optimizer", [{"optimizer": name}
                                     for name in ("sgd", "sgd_momentum", "rmsprop", "adagrad", "adam", "adamw")])],
        "batch_size": [("batch_size", [{"batch_size": b} for b in (32, 200, 512, 2048)])],
    }


def _set_names(names, what: str = "names") -> list[str]:
    known = list(sweep_sets())
    if names is None:
        return known
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not names:
        raise TypeError(f"{what} must be a set name or a non-empty list of them ({', '.join(known)}), got {names!r}.")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{what}: each set name must be a str, got {name!r}.")
        if name not in known:
            raise ValueError(f"{what}: unknown sweep set {name!r}.{_suggest(name, known)} "
                             f"The sets are: {', '.join(known)}.")
    return list(dict.fromkeys(names))


def _seed_list(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = [seeds]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (list, tuple, range)) or len(seeds) == 0:
        raise TypeError(f"seeds must be a non-empty list of whole numbers, such as [0, 1, 2], got {seeds!r}.")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"each seed must be a non-negative whole number, got {seed!r} in {seeds!r}.")
    return list(dict.fromkeys(int(seed) for seed in seeds))


def sweep_plan(names=None, seeds=(0, 1, 2)) -> list[tuple[str, str, dict]]:
    """Return (set, knob, config) for every run of the named sets (default: all five), each config with every seed."""
    names, seeds, sets = _set_names(names), _seed_list(seeds), sweep_sets()
    plan = [(name, knob, {**SWEEP_SET_BASE, **override, "seed": seed})
            for name in names for knob, overrides in sets[name] for override in overrides for seed in seeds]
    validate_configs([config for _, _, config in plan])
    return plan


def _plan_minutes(plan, profile, rate: float) -> float:
    """Estimated minutes to train the distinct configs of a plan in a profile (nothing cached) at ``rate``."""
    seen, seconds = set(), 0.0
    for _, _, config in plan:
        identity = config_id(config)
        if identity not in seen:
            seen.add(identity)
            seconds += estimate_seconds({**config, "epochs": profile.epochs(config["epochs"])}, rate=rate,
                                        train_size=profile.train_size or 60_000, test_size=profile.test_size or 10_000)
    return seconds / 60


def run_sweep_sets(data, names=None, seeds=(0, 1, 2), *, cache_dir=None, profile=None,
                   verbose: int = 1) -> pd.DataFrame:
    """Return the runs of the named sets (default: all five), trained with run_sweep (so cached), with the columns
    of results/sweep_runs.csv."""
    from lab_utils.profiles import get_profile

    plan = sweep_plan(names, seeds)
    profile = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    runs = run_sweep([config for _, _, config in plan], data, cache_dir=cache_dir, profile=profile, verbose=verbose)
    runs = runs.drop(columns="cached")  # the CSV does not record it either
    runs.insert(0, "knob", [knob for _, knob, _ in plan])
    runs.insert(0, "sweep", [name for name, _, _ in plan])
    return runs


def _joined(values) -> str:
    return ", ".join(str(value) for value in values)


def _coverage_lines(runs: pd.DataFrame, names, trained) -> list[str]:
    """One line per set: how many of its configs the table holds, with which seeds, from which profile."""
    lines, sets = [], sweep_sets()
    for name in names:
        group = runs[runs["sweep"] == name] if not runs.empty else runs
        wanted = sum(len(overrides) for _, overrides in sets[name])
        if group.empty:
            lines.append(f"  {name:<13} not in the table yet")
            continue
        values = [f"{knob}={_value_label(_as_tuple(value))}" for knob, value in zip(group["knob"], group.apply(
            lambda row: row[row["knob"]], axis=1))]
        seeds = sorted(int(seed) for seed in group["seed"].unique())
        pairs = pd.Series(list(zip(values, group["seed"]))).drop_duplicates()
        per_value = pairs.map(lambda pair: pair[0]).value_counts()  # seeds per config
        uneven = " (some configs lack a seed)" if (per_value < len(seeds)).any() else ""
        profiles = _joined(sorted(group["profile"].astype(str).unique())) if "profile" in group else "unknown"
        source = "run here" if name in trained else "read from the file"
        lines.append(f"  {name:<13} {len(per_value)} of {wanted} configs, seed{'s' * (len(seeds) != 1)} "
                     f"{_joined(seeds)}{uneven}; profile {profiles}, {source}")
    return lines


def load_sweep_results(path, rerun=False, *, data=None, seeds=(0, 1, 2), cache_dir=None, profile=None,
                       verbose: int = 1) -> pd.DataFrame:
    """Return the sweep runs: read from the CSV at ``path``, the sets named in ``rerun`` trained here instead.

    ``rerun`` is False (read only), True (train every set) or a set name or list of names. With no file at
    ``path``, every set is trained here. Training uses ``data`` (default: ``load_mnist()``), ``seeds``, the
    profile and the sweep cache, so a second call reads the runs back. Prints what the table holds, set by set.
    """
    from lab_utils.data import load_mnist
    from lab_utils.profiles import get_profile

    path = Path(path)
    if isinstance(rerun, bool):
        rerun = list(sweep_sets()) if rerun else []
    else:
        rerun = _set_names(rerun, what="rerun")
    seeds = _seed_list(seeds)
    profile = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    names = list(sweep_sets())

    table = read_sweep(path) if path.exists() else pd.DataFrame()
    if path.exists():
        if table.empty:
            raise ValueError(f"{_display(path)} holds no runs; delete it, or pass rerun=True to train every set here.")
        missing = [column for column in ("sweep", "knob", "test_accuracy", *KNOBS) if column not in table.columns]
        if missing:
            raise ValueError(f"{_display(path)} is not a sweep table (it lacks {_joined(missing)}); "
                             f"scripts/sweep.py writes one.")
        table = table[~table["sweep"].isin(rerun)]
        if verbose:
            print(f"Read {len(table)} runs from {_display(path)}.")
    else:
        rerun = names
        if verbose:
            print(f"No file {_display(path)}: running every set here.")
    if rerun:
        plan = sweep_plan(rerun, seeds)
        if verbose:
            cpu = current_cpu()
            rate = cost.benchmarked_rate(cpu)
            when = (f"about {_duration(_plan_minutes(plan, profile, rate) * 60)} on {cpu}, less what is cached"
                    if rate else f"no speed measured on {cpu} yet (python benchmarks/speed.py)")
            print(f"Running {_joined(rerun)} with seed{'s' * (len(seeds) != 1)} {_joined(seeds)} in the {profile.name} "
                  f"profile: {when}.", flush=True)
        fresh = run_sweep_sets(load_mnist() if data is None else data, rerun, seeds, cache_dir=cache_dir,
                               profile=profile, verbose=verbose)
        # Records, not pd.concat: an all-empty column (learning_rate) must not decide the dtypes, nor warn.
        table = pd.DataFrame(table.to_dict("records") + fresh.to_dict("records"))
        order = {name: i for i, name in enumerate(names)}
        table = table.sort_values("sweep", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    if verbose:
        print("The table, set by set:")
        print("\n".join(_coverage_lines(table, names, rerun)) if not table.empty else "  (empty)")
        absent = [name for name in names if table.empty or name not in set(table["sweep"])]
        if absent:
            them = "them" if len(absent) > 1 else "it"
            print(f"Not in the table: {_joined(absent)}. Plots and summaries of {them} say so instead; to train {them} "
                  f"here, pass rerun={absent!r} (notebook 04: RERUN = {absent!r}).")
    return table


def _select_knob(runs: pd.DataFrame, knob: str) -> pd.DataFrame:
    """The runs of one knob: rows whose ``knob`` column names it (a sweep table), or every row (any other table)."""
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"runs must be a DataFrame of runs (run_sweep or load_sweep_results), "
                        f"got {type(runs).__name__}.")
    if not isinstance(knob, str):
        raise TypeError(f"knob must be a column name (str), got {knob!r}.")
    if "knob" in runs.columns:
        known = [k for _, knobs in sweep_sets().items() for k, _ in knobs]
        if knob not in known:
            raise ValueError(f"no sweep set varies {knob!r}.{_suggest(knob, known)} The knobs of the sets are: "
                             f"{_joined(known)}.")
        return runs[runs["knob"] == knob]
    return runs


def _set_of_knob(knob: str) -> str:
    return next((name for name, knobs in sweep_sets().items() if knob in (k for k, _ in knobs)), knob)


def _absent_message(knob: str) -> str:
    name = _set_of_knob(knob)
    return (f"No runs of the {knob} sweep in this table: the {name!r} set is not in it yet. Train it here with "
            f"rerun=[{name!r}] (notebook 04: RERUN = [{name!r}]), or wait for scripts/sweep.py to write it.")


def plot_sweep_set(runs: pd.DataFrame, knob: str, *, against="auto", title=None):
    """Return plot_sweep of the runs of one knob of a sweep table; None, with a message, when the table has none."""
    selected = _select_knob(runs, knob)
    if selected.empty:
        print(_absent_message(knob))
        return None
    return plot_sweep(selected, knob, against=against, title=title)


def _pooled_std(groups) -> float:
    """The standard deviation across seeds, pooled over groups of runs (NaN when no group has two runs)."""
    squares = dof = 0.0
    for values in groups:
        values = np.asarray(values, dtype=float)
        if len(values) > 1:
            squares += ((values - values.mean()) ** 2).sum()
            dof += len(values) - 1
    return math.sqrt(squares / dof) if dof else float("nan")


def _noise_margin(spread: float, n_a: int, n_b: int) -> float:
    """Two standard errors of a difference of two means of n_a and n_b runs with this seed spread."""
    return 2 * spread * math.sqrt(1 / n_a + 1 / n_b)


def _points(accuracy_difference: float) -> str:
    return f"{100 * accuracy_difference:+.2f}"


def describe_sweep(runs: pd.DataFrame, knob: str) -> str:
    """Return a few lines on one knob's runs: each value's mean ± std, and the values within seed noise of the best.

    A difference counts as within seed noise when it is smaller than two standard errors of the difference (a rough
    95% rule), from the spread across seeds of the two values compared, pooled: one erratic value (Adagrad's runs, say)
    does not blur the comparisons of the others. A pair with no spread of its own falls back on the spread pooled over
    all values. A sweep table is narrowed to the rows of ``knob`` first.
    """
    selected = _select_knob(runs, knob)
    if selected.empty:
        return _absent_message(knob)
    summary = summarize_sweep(selected, knob)
    labels = [_value_label(v) for v in summary[knob]]
    keys = [_value_label(_as_tuple(v) if isinstance(v, list) else v) for v in selected[knob]]
    groups = [selected["test_accuracy"].astype(float).to_numpy()[np.array(keys) == label] for label in labels]
    spread, counts = _pooled_std(groups), summary["runs"].tolist()
    seeds = sorted(int(s) for s in selected["seed"].unique()) if "seed" in selected else []
    width = max(len(label) for label in labels + ["value"])
    spread_text = (f"seed spread (pooled std) {100 * spread:.2f} points" if not math.isnan(spread)
                   else "no seed spread yet (one run per value)")
    lines = [f"{knob}: {len(labels)} values, {len(selected)} runs (seed{'s' * (len(seeds) != 1)} {_joined(seeds)}); "
             f"{spread_text}.",
             f"  {'value':<{width}}  {'test accuracy':<18} {'time':>7} {'parameters':>11}"]
    for label, row in zip(labels, summary.itertuples(index=False)):
        std = "" if math.isnan(row.test_accuracy_std) else f" ± {100 * row.test_accuracy_std:.2f}"
        accuracy = f"{row.test_accuracy_mean:.2%}{std} ({row.runs})"
        lines.append(f"  {label:<{width}}  {accuracy:<18} {row.train_seconds_mean:>5.0f} s {row.params:>11,}")
    best = int(np.argmax(summary["test_accuracy_mean"].to_numpy()))
    best_mean = summary["test_accuracy_mean"].iloc[best]
    others = [i for i in range(len(labels)) if i != best]
    lines.append(f"Best: {labels[best]} ({best_mean:.2%}).")
    if not others:
        return "\n".join(lines)
    if math.isnan(spread):
        lines.append("With one run per value there is no seed spread to judge by: "
                     "no difference can be called real yet.")
        return "\n".join(lines)
    within, beyond = [], []
    for i in others:
        difference = summary["test_accuracy_mean"].iloc[i] - best_mean
        pair_spread = _pooled_std([groups[i], groups[best]])
        margin = _noise_margin(spread if math.isnan(pair_spread) else pair_spread, counts[i], counts[best])
        (within if abs(difference) <= margin else beyond).append(
            f"{labels[i]} ({_points(difference)}, noise ±{100 * margin:.2f})")
    lines.append("Within seed noise of the best: " + (_joined(within) if within else "none") + ".")
    lines.append("Clearly below it: " + (_joined(beyond) if beyond else "none") + ".")
    lines.append("(Differences in points. Noise: 2 standard errors of the difference, from the seed spread of the two "
                 "values compared; within seed noise means a smaller difference.)")
    return "\n".join(lines)


def compare_runs(runs: pd.DataFrame, reference: pd.DataFrame, *, names=("your run", "the reference")) -> str:
    """Return a few lines comparing the mean test accuracy of ``runs`` with ``reference``, and whether the
    difference is within seed noise (smaller than 2 standard errors, from the seed spread of both)."""
    for what, table in (("runs", runs), ("reference", reference)):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{what} must be a DataFrame of runs, got {type(table).__name__}.")
        if not table.empty and "test_accuracy" not in table.columns:
            raise ValueError(f"{what} lacks the column test_accuracy: pass runs as run_sweep returns them.")
    if (not isinstance(names, (tuple, list)) or len(names) != 2
            or not all(isinstance(name, str) for name in names)):
        raise TypeError(f"names must be two strings, such as ('your run', 'the reference'), got {names!r}.")
    if runs.empty or reference.empty:
        return f"Nothing to compare: {names[0] if runs.empty else names[1]} has no runs."

    def line(name, table):
        accuracy = table["test_accuracy"].astype(float)
        std = f" ± {100 * accuracy.std():.2f}" if len(accuracy) > 1 else ""
        profiles = _joined(sorted(table["profile"].astype(str).unique())) if "profile" in table else "unknown"
        count = f"{len(accuracy)} run{'s' * (len(accuracy) != 1)}"
        return f"{name[0].upper() + name[1:]}: {accuracy.mean():.2%}{std} ({count}, profile {profiles})."

    lines = [line(names[0], runs), line(names[1], reference)]
    mine, theirs = runs["test_accuracy"].astype(float), reference["test_accuracy"].astype(float)
    difference = mine.mean() - theirs.mean()
    lines.append(f"Difference: {_points(difference)} points.")
    if "profile" in runs and "profile" in reference and set(runs["profile"]) != set(reference["profile"]):
        lines.append("They were trained in different profiles, so the difference says nothing about the knob: "
                     "compare runs of one profile.")
        return "\n".join(lines)
    spread = _pooled_std([mine.to_numpy(), theirs.to_numpy()])
    if math.isnan(spread):
        lines.append("Neither side has two runs, so there is no seed spread to judge by: run more seeds.")
        return "\n".join(lines)
    margin = _noise_margin(spread, len(mine), len(theirs))
    verdict = "within seed noise: it may be luck of the seed" if abs(difference) <= margin else "beyond seed noise"
    lines.append(f"Seeds alone move a difference like this by up to ±{100 * margin:.2f} points (2 standard errors), "
                 f"so it is {verdict}.")
    return "\n".join(lines)


def _config_label(row) -> str:
    """The knobs of a run that differ from the sets' base, as ``filters=(16, 32) epochs=1``; ``base`` for none."""
    base = {**SWEEP_DEFAULTS, **SWEEP_SET_BASE}
    parts = []
    for name in KNOBS:
        if name == "seed":
            continue
        value = row[name]
        if name in ("filters", "dense_units") and isinstance(value, (list, str)):
            value = _as_tuple(value)
        if isinstance(value, float) and math.isnan(value):
            value = None
        if isinstance(value, np.generic):
            value = value.item()
        if value != base[name]:
            parts.append(f"{name}={value!r}" if isinstance(value, tuple) else f"{name}={_value_label(value)}")
    return " ".join(parts) or "base"


def summarize_configs(runs: pd.DataFrame) -> pd.DataFrame:
    """Return one row per config, its seeds averaged: label, architecture, parameters, runs, test accuracy mean and std,
    validation accuracy mean (of ``final_val_accuracy``, when the runs have it) and mean training time.

    ``config`` names the knobs that differ from the sets' base (the seed CNN, 3 epochs, Adam, batch 200), or
    ``base``. A run listed under several sets (the base is in every one) counts once; runs of different profiles
    are kept apart. No runs (a set not in the table yet) give a table with no rows.
    """
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"runs must be a DataFrame of runs (run_sweep or load_sweep_results), "
                        f"got {type(runs).__name__}.")
    missing = [name for name in (*KNOBS, "test_accuracy", "train_seconds", "params") if name not in runs.columns]
    if missing:
        raise ValueError(f"runs lacks the column(s) {_joined(missing)}: pass the runs as run_sweep or "
                         f"load_sweep_results return them.")
    if runs.empty:
        val = ["val_accuracy_mean"] if "final_val_accuracy" in runs.columns else []
        return pd.DataFrame(columns=["config", "architecture", "params", "runs", "test_accuracy_mean",
                                     "test_accuracy_std", *val, "train_seconds_mean", "sweeps", "profile"])
    table = runs.assign(config=[_config_label(row) for row in runs.to_dict("records")],
                        profile=runs["profile"].astype(str) if "profile" in runs else "unknown")
    if "architecture" not in table:
        table["architecture"] = [describe_architecture({name: row[name] for name in SEED_CNN_DEFAULTS})
                                 for row in table.to_dict("records")]
    sets = {}
    if "sweep" in table:
        for (config, profile), group in table.groupby(["config", "profile"], sort=False):
            sets[config, profile] = _joined(dict.fromkeys(group["sweep"]))
    identity = ["config", "profile", "seed"]
    rows = []
    for (config, profile), group in table.drop_duplicates(identity).groupby(["config", "profile"], sort=False):
        accuracy = group["test_accuracy"].astype(float)
        rows.append({
            "config": config,
            "architecture": group["architecture"].iloc[0],
            "params": int(group["params"].iloc[0]),
            "runs": len(group),
            "test_accuracy_mean": accuracy.mean(),
            "test_accuracy_std": accuracy.std(),  # NaN for a single run
            **({"val_accuracy_mean": group["final_val_accuracy"].astype(float).mean()}
               if "final_val_accuracy" in group else {}),
            "train_seconds_mean": group["train_seconds"].astype(float).mean(),
            "sweeps": sets.get((config, profile), ""),
            "profile": profile,
        })
    return pd.DataFrame(rows)
