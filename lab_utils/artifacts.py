"""Trained models on disk: saved atomically, loaded in safe mode, retrained when a file is missing or bad."""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from .io import replacing, write_atomic

ARTIFACTS_ENV_VAR = "LAB_ARTIFACTS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]


class ModelFileError(ValueError):
    """A model file that is missing, unreadable, truncated, unsafe, not a Keras model, or not the model asked for."""


def artifacts_dir() -> Path:
    """Return the folder for trained models: ``$LAB_ARTIFACTS_DIR``, or ``artifacts/`` in the repository."""
    folder = os.environ.get(ARTIFACTS_ENV_VAR, "").strip()
    return Path(folder).expanduser() if folder else REPO_ROOT / "artifacts"


def _is_writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def save_model_atomic(model, path) -> Path:
    """Save ``model`` to the ``.keras`` file ``path`` through a temporary file and a rename; return the path."""
    # Two processes saving the same file at once leave one whole model or the other, never a mix of the two.
    import keras
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Keras 3 saves models to files ending in .keras, got {path.name!r}.")
    with replacing(path, suffix=".tmp.keras") as tmp:  # Keras saves only to names ending in .keras
        model.save(tmp)
    return path


def load_model_file(path, *, input_shape=None, num_classes=None):
    """Load a ``.keras`` model in safe mode; raise ModelFileError if it is missing, broken or the wrong shape."""
    import keras
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}.")
    try:
        with open(path, "rb") as handle:  # not is_zipfile(path), which calls a file it may not read "not a zip"
            if not zipfile.is_zipfile(handle):
                raise ModelFileError(f"{path} is not a .keras model file (a zip archive): truncated or something else.")
    except PermissionError:
        raise ModelFileError(f"{path} is unreadable: permission denied. Ask whoever prepared the folder to run "
                             f"`chmod a+r` on it.") from None
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # a zip, JSON or HDF5 error deep inside Keras: say what it means here
        text = str(error).strip()
        if "safe_mode" in text or "unsafe" in text.lower():  # Keras 3.3 to 3.15 word it differently, all with these
            raise ModelFileError(f"{path} holds a layer that would run arbitrary code (a Lambda layer): refused for "
                                 f"safety (Keras's safe_mode). Build the network from Keras's own layers.") from None
        raise ModelFileError(f"{path} is not a readable Keras model (truncated or from another version?): "
                             f"{text.splitlines()[0][:200] if text else type(error).__name__}") from None
    if input_shape is not None and tuple(model.input_shape[1:]) != tuple(input_shape):
        raise ModelFileError(f"{path} expects inputs of shape {model.input_shape[1:]}, not {tuple(input_shape)}.")
    if num_classes is not None and tuple(model.output_shape[1:]) != (num_classes,):
        raise ModelFileError(f"{path} has outputs of shape {model.output_shape[1:]}, not ({num_classes},).")
    return model


def read_model_info(path) -> dict:
    """Return the facts saved beside a model (``<name>.json``), or an empty dict if there are none."""
    try:
        info = json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def trained_seed_cnn(profile=None, *, path=None, retrain: bool = False, verbose: int = 0):
    """Return the seed CNN trained with the fast recipe: loaded from ``artifacts/`` if valid, else trained and saved."""
    import keras
    from .data import load_mnist, one_hot, prepare_images
    from .models import build_seed_cnn
    from .profiles import get_profile, set_seed
    from .training import FAST_RECIPE, fit
    profile = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    # The file is seed_cnn_<profile>.keras in artifacts_dir(), trained in the current precision on the profile's data.
    # A read-only artifacts_dir() (a teacher's shared folder) is never written: a network missing there, or failing
    # its check, is trained and saved in the repository's artifacts/ instead, and found there the next time.
    folders = dict.fromkeys([artifacts_dir(), REPO_ROOT / "artifacts"])
    name = "smoke" if profile.name == "grading" else profile.name  # grading trains on smoke's data: one network
    places = [Path(path)] if path is not None else [folder / f"seed_cnn_{name}.keras" for folder in folders]
    for place in [] if retrain else places:
        try:
            model = load_model_file(place, input_shape=(28, 28, 1), num_classes=10)
        except ModelFileError as problem:
            if place.exists():
                print(problem)
            continue
        accuracy = read_model_info(place).get("test_accuracy")
        print(f"Loaded the trained seed CNN from {display_path(place)}"
              + (f" (test accuracy {accuracy:.2%})." if isinstance(accuracy, float) else "."))
        return model
    target = next((place for place in places if _is_writable(place.parent)), None)
    if target is None:
        raise OSError(f"Cannot save a trained seed CNN: {' and '.join(str(p.parent) for p in places)} are read-only. "
                      f"Set {ARTIFACTS_ENV_VAR} to a folder you can write, with the prepared networks copied into it.")
    if target != places[0]:
        print(f"{display_path(places[0].parent)} is read-only: the network trained now goes to {display_path(target)}.")
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, y_train = profile.subset(x_train, y_train, "train")
    x_test, y_test = profile.subset(x_test, y_test, "test")
    set_seed(0)
    model = build_seed_cnn()  # the published layers and dropout
    epochs = profile.epochs(FAST_RECIPE.epochs)
    print(f"Training the seed CNN with the lab's fast recipe ({epochs} epoch{'s' * (epochs != 1)}, "
          f"{len(x_train):,} images, {keras.mixed_precision.global_policy().name}) ...")
    run = fit(model, FAST_RECIPE, prepare_images(x_train), one_hot(y_train), x_test=prepare_images(x_test),
              y_test=one_hot(y_test), epochs=epochs, verbose=verbose)
    save_model_atomic(model, target)
    info = {"test_accuracy": round(run.test_accuracy, 6), "train_seconds": round(run.train_seconds, 1),
            "epochs": epochs, "profile": profile.name, "precision": keras.mixed_precision.global_policy().name,
            "keras": keras.__version__}
    write_atomic(target.with_suffix(".json"), json.dumps(info, indent=2) + "\n")
    print(f"Test accuracy {run.test_accuracy:.2%} after {run.train_seconds:.0f} s; saved to {display_path(target)}.")
    return model


def load_prepared_networks(folder: str, pattern: str = "*.keras") -> list:
    """Return the models matching ``pattern`` in ``artifacts_dir()/folder``, loaded read-only; print what was found."""
    # Networks a teacher trained once and shared (LAB_ARTIFACTS_DIR): nothing is trained or written. An unreadable file
    # is reported and left out; no folder, or no file, gives an empty list.
    for name, value in (("folder", folder), ("pattern", pattern)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string, got {value!r}.")
    if Path(folder).is_absolute() or ".." in Path(folder).parts:
        raise ValueError(f"folder must be a name inside the artifacts folder, such as 'ladder', got {folder!r}.")
    where = artifacts_dir() / folder
    models, names = [], []
    for path in sorted(where.glob(pattern)) if where.is_dir() else []:
        try:
            models.append(load_model_file(path, input_shape=(28, 28, 1), num_classes=10))
            names.append(path.stem)
        except ModelFileError as problem:
            print(f"Left out: {problem}")
    if models:
        print(f"Loaded {len(models)} prepared network{'s' * (len(models) != 1)} from {display_path(where)}: "
              + ", ".join(names) + ".")
    else:
        print(f"No prepared networks ({pattern}) in {display_path(where)}.")
    return models


def display_path(path: Path) -> str:
    """A path relative to the repository or to $LAB_ARTIFACTS_DIR, else its name: never one machine's folders."""
    for root, prefix in ((REPO_ROOT, ""), (artifacts_dir(), f"${ARTIFACTS_ENV_VAR}/")):
        if Path(path).resolve().is_relative_to(root.resolve()):
            return (prefix + str(Path(path).resolve().relative_to(root.resolve()))).removesuffix("/.")
    return Path(path).name
