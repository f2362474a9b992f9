"""The ablation ladder's data split, configs and models, shared by scripts/ladder.py and notebook 05.

Every model of the ladder trains on the first 55,000 training images; the last 5,000 are the validation split that
early stopping and every choice use. The test set only reports.
"""
from __future__ import annotations

from pathlib import Path

from lab_utils import training
from lab_utils.artifacts import artifacts_dir
from lab_utils.data import load_mnist, one_hot, prepare_images
from lab_utils.precision import use_best_precision
from lab_utils.profiles import Profile, get_profile, set_seed

from . import ensemble, improved
from .machine import machine_info, utc_timestamp

VALIDATION_SIZE = 5_000  # the last 5,000 training images (full profile)
TEST_SIZE = 10_000


def _profile(profile) -> Profile:
    if profile is None:
        return get_profile()
    if isinstance(profile, str):
        return get_profile(profile)
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile, a profile name or None, got {type(profile).__name__}.")
    return profile


def split_sizes(profile=None) -> tuple[int, int, int]:
    """Return the (training, validation, test) image counts of the ladder under ``profile``."""
    profile = _profile(profile)
    train_total = profile.train_size or 60_000
    val = VALIDATION_SIZE if profile.name == "full" else train_total // 5
    return train_total - val, val, profile.test_size or TEST_SIZE


def step_sizes(step, profile=None) -> tuple[int, int]:
    """Return the (training, validation) image counts of one ladder step: the final network trains on both."""
    if not isinstance(step, improved.LadderStep):
        raise TypeError(f"step must be a LadderStep (bench.improved.ladder_steps()), got {type(step).__name__}.")
    train_size, val_size, _ = split_sizes(profile)
    return (train_size + val_size, 0) if step.train_on_validation else (train_size, val_size)


def ladder_folder(profile=None) -> Path:
    """Return where the ladder's saved models go: artifacts/ladder/, or artifacts/smoke/ladder/ outside the full profile."""
    profile = _profile(profile)
    return artifacts_dir() / "ladder" if profile.name == "full" else artifacts_dir() / "smoke" / "ladder"


# How the models are fed: the lab's tf.data pipeline with autotuning off (lab.input_pipeline). Part of each step's
# config, so models fed NumPy arrays (the ladders before 2026-11-25) count as another config.
INPUT_PATH = "lab.input_pipeline"


def step_config(step, profile=None, policy: str = "float32", members_hash: str | None = None) -> dict:
    """Return what decides a step's results: the step, the epochs its profile allows, the data split, the precision."""
    if not isinstance(step, improved.LadderStep):
        raise TypeError(f"step must be a LadderStep (bench.improved.ladder_steps()), got {type(step).__name__}.")
    if not isinstance(policy, str) or not policy:
        raise ValueError(f"policy must be a Keras dtype policy name such as 'float32', got {policy!r}.")
    profile = _profile(profile)
    train_size, val_size = step_sizes(step, profile)
    context = dict(profile=profile.name, train_size=train_size, val_size=val_size, precision=policy,
                   input_path=INPUT_PATH)
    if step.ensemble_of is None:
        return step.config(epochs=profile.epochs(step.recipe.epochs), **context)
    return step.config(seeds=list(step.seeds), members_config_hash=members_hash, **context)


def load_ladder_data(profile=None) -> dict:
    """Return the ladder's data as {"fit": (x, y), "val": (x, y), "test": (x, y)}: images scaled, labels one-hot."""
    profile = _profile(profile)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, y_train = profile.subset(x_train, y_train, "train")
    x_test, y_test = profile.subset(x_test, y_test, "test")
    train_size, _, _ = split_sizes(profile)
    x_train, y_train, x_test = prepare_images(x_train), one_hot(y_train), prepare_images(x_test)
    return {"fit": (x_train[:train_size], y_train[:train_size]), "val": (x_train[train_size:], y_train[train_size:]),
            "test": (x_test, one_hot(y_test))}


def _check_data(data) -> None:
    if not isinstance(data, dict) or not {"fit", "val", "test"} <= set(data):
        raise ValueError("data must be the dict that bench.ladder.load_ladder_data() returns, with 'fit', 'val' and 'test'.")


def train_ladder_model(step, seed: int, data: dict, epochs: int | None = None, verbose: int = 2):
    """Train one model of a ladder step from a fresh start; return (model, facts about the run).

    The final network (``step.train_on_validation``) trains on the validation images too, so its facts have no
    validation accuracy (None).
    """
    import keras
    import numpy as np

    if not isinstance(step, improved.LadderStep) or step.ensemble_of is not None:
        raise ValueError("step must be a ladder step that trains a network (not the ensemble step).")
    _check_data(data)
    epochs = step.recipe.epochs if epochs is None else epochs
    keras.backend.clear_session()  # this also resets the precision policy, so choose it again
    choice = use_best_precision()
    set_seed(seed)
    model = step.build()
    if verbose:
        print(f"\n== step {step.number}: {step.name} | seed {seed} | {choice.policy}", flush=True)
    if step.train_on_validation:
        x_fit, y_fit = (np.concatenate(parts) for parts in zip(data["fit"], data["val"]))
        run = training.fit(model, step.recipe, x_fit, y_fit, epochs=epochs, verbose=verbose)
        val_accuracy = None
    else:
        run = training.fit(model, step.recipe, *data["fit"], x_val=data["val"][0], y_val=data["val"][1],
                           epochs=epochs, verbose=verbose)
        val_accuracy = round(ensemble.ensemble_accuracy([model], *data["val"]), 6)
    if verbose:
        scored = "no validation images left" if val_accuracy is None else f"validation accuracy {val_accuracy:.4f}"
        print(f"   {scored} after {len(run.epoch_seconds)} epochs in {run.train_seconds:.0f} s", flush=True)
    kept_epoch = len(run.epoch_seconds)  # the epoch whose weights the model ends with
    history = run.history.get(step.recipe.monitor, [])
    if step.recipe.early_stopping_patience is not None and history:  # early stopping restored its best epoch
        kept_epoch = history.index(max(history) if step.recipe.monitor == "val_accuracy" else min(history)) + 1
    facts = {"val_accuracy": val_accuracy, "train_seconds": round(run.train_seconds, 1),
             "epochs_run": len(run.epoch_seconds), "kept_epoch": kept_epoch,
             "seconds_per_epoch": round(sum(run.epoch_seconds) / len(run.epoch_seconds), 2),
             "history": {key: [round(float(v), 6) for v in values] for key, values in run.history.items()},
             "precision": choice.policy, **machine_info(),
             "finished_utc": utc_timestamp()}
    return model, facts


def ladder_members(data: dict | None = None, *, members: int | None = None, profile=None, verbose: int = 2,
                   on_member=None) -> list:
    """Return the ensemble's members (the ladder's longest step): loaded from artifacts/ when saved, else trained.

    ``members`` defaults to the ladder's ensemble size, ``lab_utils.improved.ENSEMBLE_MEMBERS``.

    The files are those ``python scripts/ladder.py`` saves, so after it has run, this only loads them (safe mode on).
    A missing, truncated or mismatched file is reported and its member trained again.
    """
    return _train_or_load_step(members_step(members), data, profile, verbose, on_member)


def members_step(members: int | None = None):
    """Return the ladder step whose networks the ensemble averages (one per seed)."""
    steps = improved.ladder_steps(members)
    ensemble_step = next(step for step in steps if step.ensemble_of is not None)
    return next(s for s in steps if s.number == ensemble_step.ensemble_of)


def ladder_final_network(data: dict | None = None, *, profile=None, verbose: int = 2):
    """Return the ladder's final single network (its last step) as a Member: loaded from artifacts/, else trained.

    It is the longest step's network and recipe, trained once on the training and the validation images, after the
    validation split has made every choice. ``python scripts/ladder.py`` saves it; this then only loads it.
    """
    step = next(s for s in improved.ladder_steps() if s.train_on_validation)
    return _train_or_load_step(step, data, profile, verbose)[0]


def _train_or_load_step(step, data, profile, verbose, on_member=None) -> list:
    """The models of one ladder step, one per seed: loaded from ladder_folder(profile) when saved, else trained."""
    profile = _profile(profile)
    data = load_ladder_data(profile) if data is None else data
    _check_data(data)
    policy = use_best_precision().policy
    epochs = profile.epochs(step.recipe.epochs)
    return ensemble.train_or_load_members(
        lambda seed: train_ladder_model(step, seed, data, epochs, verbose=verbose),
        list(step.seeds), folder=ladder_folder(profile), name=f"step{step.number}",
        config=step_config(step, profile, policy), on_member=on_member)


def _check_runs(runs, columns) -> None:
    """Raise a clear error unless ``runs`` is a DataFrame with ``columns`` (as scripts/ladder.py writes them)."""
    import pandas as pd

    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"runs must be a DataFrame of ladder runs (results/ladder_runs.csv), got {type(runs).__name__}.")
    missing = [column for column in columns if column not in runs.columns]
    if missing:
        raise ValueError(f"runs lacks the columns {missing}; expected those scripts/ladder.py writes.")


def newest_ladder_runs(runs):
    """Return the rows of the newest ladder in ``runs``: per step, those made with the config of its last row.

    ``results/ladder_runs.csv`` keeps the rows of earlier ladders (another ``config_hash``) when a step changes; this
    drops them, so that a table or a total counts each step once, as it was last run.
    """
    _check_runs(runs, ("step", "config_hash"))
    if runs.empty:
        return runs
    hashes = runs.config_hash.astype(str)
    newest = hashes.groupby(runs.step).transform("last")
    return runs[hashes == newest]


def ladder_step_versions(runs, step: int):
    """Return every version of one ladder step in ``runs``, oldest first: its networks, epochs, mean accuracies.

    A version is one config (``config_hash``) of the step; ``results/ladder_runs.csv`` keeps the rows of the earlier
    ones, so this shows what a change to the step did, on validation first. Accuracies in %.
    """
    import pandas as pd

    _check_runs(runs, ("step", "config_hash", "name", "members", "epochs_run", "val_accuracy", "test_accuracy",
                       "finished_utc"))
    rows = runs[runs.step == step]
    if rows.empty:
        raise ValueError(f"runs has no rows of step {step!r}; its steps are {sorted(runs.step.unique().tolist())}.")
    versions = (rows.assign(config_hash=rows.config_hash.astype(str))
                .groupby("config_hash", sort=False)
                .agg(finished=("finished_utc", "max"), name=("name", "last"), rows=("step", "size"),
                     members=("members", "max"), epochs=("epochs_run", "max"),
                     val=("val_accuracy", "mean"), test=("test_accuracy", "mean"))
                .sort_values("finished"))
    ensemble = (rows.network == "ensemble").any() if "network" in rows.columns else False
    return pd.DataFrame({
        "finished": versions.finished.str[:10].to_numpy(),
        "what it adds": versions.name.to_numpy(),
        "networks": [f"{int(m)} averaged" if ensemble else int(n) for m, n in zip(versions.members, versions.rows)],
        "epochs": [int(e / m) if ensemble else int(e) for e, m in zip(versions.epochs, versions.members)],
        "validation accuracy (mean)": ["(trained on it)" if pd.isna(v) else f"{v:.2%}" for v in versions.val],
        "test accuracy (mean)": [f"{t:.2%}" for t in versions.test],
    })


def ladder_table(runs):
    """Return the ladder's summary as a table to read: one row per step, accuracies in %, mean ± std over seeds."""
    import pandas as pd

    summary = improved.summarize_ladder(runs)
    rows = []
    for r in summary.itertuples(index=False):
        is_ensemble = r.network == "ensemble"
        rows.append({
            "step": int(r.step), "what it adds": r.name,
            "models": f"{int(r.members)} averaged" if is_ensemble else int(r.models),
            "validation accuracy": "(trained on it)" if pd.isna(r.val_accuracy) else f"{r.val_accuracy:.2%}",
            "test accuracy (mean ± std)": f"{r.test_accuracy:.2%}" + (f" ± {r.test_std:.2%}" if r.models > 1 else ""),
            "min – max": f"{r.test_min:.2%} – {r.test_max:.2%}" if r.models > 1 else "",
            "training time per model (s)": f"{r.train_seconds:.0f}" + (" (all members)" if is_ensemble else ""),
        })
    return pd.DataFrame(rows)
