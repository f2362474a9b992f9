"""Ensembles: members trained once and kept as .keras files, their softmax outputs averaged.

    members = ensemble.train_or_load_members(train_member, seeds=5, folder=artifacts_dir() / "ladder",
                                                 name="long", config=step.config())
    probabilities = ensemble.ensemble_predict([m.model for m in members], x_test)
    with_tta = ensemble.tta_predict([m.model for m in members], x_test)  # + test-time augmentation

Member ``s`` (trained with seed ``s``) is saved atomically as ``<folder>/<name>_<s>.keras`` with its facts beside it
in ``<name>_<s>.json``: the seed, a hash of the config that made it, its parameter count and whatever the training
function reported. A rerun loads the member in safe mode instead of training it again, if the facts say it was made
from the same config. A missing, truncated or foreign file, a model of the wrong shape, or facts from another config
are reported in one line and the member is trained again: never a crash.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lab_utils.artifacts import (
    ModelFileError,
    display_path,
    load_model_file,
    read_model_info,
    save_model_atomic,
)
from lab_utils.data import IMAGE_SIZE, NUM_CLASSES
from lab_utils.io import write_atomic

from .machine import utc_timestamp
from .records import run_id


@dataclass
class Member:
    """One member of an ensemble: its model, seed, file, facts, and whether it was trained in this call."""

    seed: int
    model: object
    path: Path
    facts: dict = field(default_factory=dict)
    trained: bool = False


def member_path(folder, name: str, seed: int) -> Path:
    """Return the file of the member trained with ``seed``: ``<folder>/<name>_<seed>.keras``."""
    if not isinstance(name, str) or not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"name must be a non-empty word of letters, digits, '-' and '_', got {name!r}.")
    return Path(folder) / f"{name}_{_seed(seed)}.keras"


def train_or_load_members(train_member, seeds, *, folder, name: str, config: dict,
                          input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), num_classes: int = NUM_CLASSES,
                          on_member=None) -> list[Member]:
    """Return one Member per seed: loaded from ``folder`` when a valid file made from ``config`` is there, else trained.

    ``seeds`` is a count ``n`` (seeds 0 .. n-1) or a list of seeds. ``train_member(seed)`` must build, train and
    return a Keras model, or a ``(model, facts)`` pair with a dict of JSON-ready facts to keep beside it (validation
    accuracy, training seconds, ...); the seed is already set when it is called. ``on_member(member)``, if given, is
    called as each member is ready, so a long run can record each one as it finishes.
    """
    if not callable(train_member):
        raise TypeError(f"train_member must be a function of the seed, got {type(train_member).__name__}.")
    if on_member is not None and not callable(on_member):
        raise TypeError(f"on_member must be a function of a Member or None, got {type(on_member).__name__}.")
    seeds = _seeds(seeds)
    wanted = run_id(config)
    members = []
    for seed in seeds:
        path = member_path(folder, name, seed)
        member = _load_member(path, seed, wanted, input_shape, num_classes)
        if member is None:
            member = _train_member(train_member, seed, path, config, wanted)
        members.append(member)
        if on_member is not None:
            on_member(member)
    return members


def _load_member(path: Path, seed: int, wanted: str, input_shape, num_classes) -> Member | None:
    """The saved member, or None (after saying why) when it must be trained again."""
    if not path.exists():
        if path.with_suffix(".json").exists():
            print(f"No model file at {display_path(path)}, only its facts: training seed {seed} again.", flush=True)
        return None
    facts = read_model_info(path)
    problem = None
    if not facts:
        problem = f"{display_path(path)} has no readable facts file beside it ({path.with_suffix('.json').name})"
    elif facts.get("config_hash") != wanted:
        problem = f"{display_path(path)} was trained with another config (hash {facts.get('config_hash')}, now {wanted})"
    elif facts.get("seed") != seed:
        problem = f"{display_path(path)} was trained with seed {facts.get('seed')}, not {seed}"
    else:
        try:
            model = load_model_file(path, input_shape=input_shape, num_classes=num_classes)
        except ModelFileError as error:
            problem = str(error).rstrip(".")
        else:
            if facts.get("params") not in (None, model.count_params()):
                problem = (f"{display_path(path)} holds a model of {model.count_params():,} parameters, but its facts say "
                           f"{facts['params']!r}")
            else:
                print(f"Loaded model {display_path(path)} (seed {seed}).", flush=True)
                return Member(seed=seed, model=model, path=path, facts=facts, trained=False)
    print(f"{problem}: training seed {seed} again.", flush=True)
    return None


def _train_member(train_member, seed: int, path: Path, config: dict, wanted: str) -> Member:
    import keras

    from lab_utils.profiles import set_seed

    set_seed(seed)
    result = train_member(seed)
    model, facts = result if isinstance(result, tuple) else (result, {})
    if not isinstance(model, keras.Model):
        raise TypeError(f"train_member must return a Keras model or (model, facts), got {type(model).__name__}.")
    if not isinstance(facts, dict):
        raise TypeError(f"the facts train_member returns must be a dict, got {type(facts).__name__}.")
    facts = {**facts, "seed": seed, "config_hash": wanted, "config": config, "params": model.count_params(),
             "keras": keras.__version__,
             "saved_utc": utc_timestamp()}
    try:
        text = json.dumps(facts, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise TypeError(f"the facts train_member returns must be JSON-ready: {error}") from None
    save_model_atomic(model, path)
    write_atomic(path.with_suffix(".json"), text)  # written last: a model without its facts is trained again
    print(f"Saved model {display_path(path)} (seed {seed}).", flush=True)
    return Member(seed=seed, model=model, path=path, facts=facts, trained=True)


def predict_members(models, x, batch_size: int = 1000) -> np.ndarray:
    """Return each model's softmax outputs for ``x``, stacked: shape (models, images, classes)."""
    if isinstance(models, (str, bytes)) or not isinstance(models, Sequence) or len(models) == 0:
        raise ValueError("models must be a non-empty list of models (an ensemble needs at least one member).")
    outputs = []
    for i, model in enumerate(models):
        if not callable(getattr(model, "predict", None)):
            raise TypeError(f"member {i} has no predict method: {type(model).__name__} is not a model.")
        probabilities = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float64")
        if probabilities.ndim != 2 or len(probabilities) != len(x):
            raise ValueError(f"member {i} returned outputs of shape {probabilities.shape}; expected one row per image.")
        if outputs and probabilities.shape != outputs[0].shape:
            raise ValueError(f"member {i} returned outputs of shape {probabilities.shape}, member 0 "
                             f"{outputs[0].shape}: the members must predict the same classes.")
        if (probabilities < -1e-6).any() or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
            raise ValueError(f"member {i} does not output probabilities (rows that sum to 1): averaging needs a "
                             "softmax output layer.")
        outputs.append(probabilities)
    return np.stack(outputs)


def ensemble_predict(models, x, batch_size: int = 1000) -> np.ndarray:
    """Return the ensemble's probabilities for ``x``: the mean of its members' softmax outputs."""
    return predict_members(models, x, batch_size).mean(axis=0)


def accuracy(probabilities, y) -> float:
    """Return the share of rows whose most probable class is the label (``y``: digits or one-hot rows)."""
    probabilities, y = np.asarray(probabilities), np.asarray(y)
    labels = y.argmax(axis=1) if y.ndim == 2 else y
    if probabilities.ndim != 2 or labels.ndim != 1 or len(labels) != len(probabilities) or len(labels) == 0:
        raise ValueError(f"need one row of probabilities per label, got shapes {probabilities.shape} and {y.shape}.")
    return float((probabilities.argmax(axis=1) == labels).mean())


def ensemble_accuracy(models, x, y, batch_size: int = 1000) -> float:
    """Return the accuracy of the averaged softmax outputs of ``models`` on images ``x`` with labels ``y``."""
    return accuracy(ensemble_predict(models, x, batch_size), y)


# Test-time augmentation: the image itself and the four copies shifted by one pixel (up, down, left, right). A
# trained network's answer should not depend on a one-pixel shift; averaging over the shifts smooths out the cases
# where it does. Which shifts, if any, is a choice like any other: make it on the validation split.
TTA_SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))


def shift_images(x, dy: int, dx: int) -> np.ndarray:
    """Return ``x`` (images, height, width[, channels]) moved ``dy`` pixels down and ``dx`` right; the gap is black."""
    x = np.asarray(x)
    if x.ndim not in (3, 4) or len(x) == 0:
        raise ValueError(f"x must be a non-empty batch of images, shape (n, height, width[, channels]), got {x.shape}.")
    height, width = x.shape[1:3]
    for name, value, side in (("dy", dy, height), ("dx", dx, width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or abs(value) >= side:
            raise ValueError(f"{name} must be a whole number of pixels smaller than the image side ({side}), "
                             f"got {value!r}.")
    shifted = np.zeros_like(x)
    rows_to, rows_from = _span(int(dy), height)
    cols_to, cols_from = _span(int(dx), width)
    shifted[:, rows_to, cols_to] = x[:, rows_from, cols_from]
    return shifted


def _span(offset: int, side: int) -> tuple[slice, slice]:
    """Destination and source slices of one axis for a shift of ``offset`` pixels."""
    if offset >= 0:
        return slice(offset, side), slice(0, side - offset)
    return slice(0, side + offset), slice(-offset, side)


def tta_predict(models, x, shifts=TTA_SHIFTS, batch_size: int = 1000) -> np.ndarray:
    """Return the mean softmax output of ``models`` over ``x`` shifted by each ``(dy, dx)`` in ``shifts``.

    With ``shifts=((0, 0),)`` it is ``ensemble_predict``. The cost is one prediction per shift and model; nothing
    is trained.
    """
    if isinstance(shifts, (str, bytes)) or not isinstance(shifts, Sequence) or len(shifts) == 0:
        raise ValueError(f"shifts must be a non-empty list of (dy, dx) pixel pairs, got {shifts!r}.")
    for shift in shifts:
        if isinstance(shift, (str, bytes)) or not isinstance(shift, Sequence) or len(shift) != 2:
            raise ValueError(f"each shift must be a (dy, dx) pair of whole pixels, got {shift!r}.")
    copies = [shift_images(x, dy, dx) for dy, dx in shifts]  # checks x and every shift before any prediction
    return np.mean([ensemble_predict(models, copy, batch_size) for copy in copies], axis=0)


def tta_accuracy(models, x, y, shifts=TTA_SHIFTS, batch_size: int = 1000) -> float:
    """Return the accuracy of ``models`` on images ``x`` with labels ``y`` with test-time augmentation (tta_predict)."""
    return accuracy(tta_predict(models, x, shifts, batch_size), y)


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"each seed must be a non-negative integer, got {seed!r}.")
    return int(seed)


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"an ensemble needs at least one member, got seeds={seeds!r}.")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise ValueError(f"seeds must be a count of members or a non-empty list of seeds, got {seeds!r}.")
    seeds = [_seed(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must differ (each member is trained independently), got {seeds!r}.")
    return seeds
