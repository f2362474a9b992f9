"""Sweeps: config checks, the result cache (keys, bad entries, resuming), summaries, plots and the sweep command.

Cache and progress tests replace the training function with a fake that counts its calls; one test trains a tiny
real network end to end, so the Keras path is covered too.
"""
import inspect
import json
import logging
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scripts_loader import load_script

import lab_utils as lab
from bench import machine, published, sweeps
from lab_utils import io, profiles

ROOT = Path(__file__).resolve().parents[1]
TINY_NET = {"filters": (4, 8), "dense_units": (16,), "epochs": 1, "batch_size": 64}


sweep_script = load_script("scripts/sweep.py", "sweep_script")


@pytest.fixture(scope="module")
def tiny_data():
    """256 training and 128 test images, raw as load_mnist returns them."""
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    return (x_train[:256], y_train[:256]), (x_test[:128], y_test[:128])


@pytest.fixture
def fake_training(monkeypatch):
    """Replace the Keras training with a fake that records each config it is asked to train."""
    calls = []

    def train(config, x_train, y_train, x_test, y_test, *, epochs, precision, verbose):
        calls.append({**config, "epochs_trained": epochs, "precision": precision,
                      "tf_log_level": logging.getLogger("tensorflow").getEffectiveLevel(),
                      "train_size": len(x_train), "x_shape": x_train.shape[1:], "y_shape": y_train.shape[1:]})
        curve = [0.5 + 0.01 * epoch for epoch in range(epochs)]
        return {"params": 1000 + sum(config["filters"]), "epoch_seconds": [0.01] * epochs, "train_seconds": 0.01 * epochs,
                "history": {"loss": curve, "accuracy": curve, "val_loss": curve, "val_accuracy": curve},
                "test_loss": 0.3, "test_accuracy": 0.9 + 0.01 * config["seed"]}

    monkeypatch.setattr(sweeps, "_train_one", train)
    return calls


def sweep(configs, data, cache_dir, **kwargs):
    return sweeps.run_sweep(configs, data, cache_dir=cache_dir, profile=kwargs.pop("profile", "full"), **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Configs
# ---------------------------------------------------------------------------------------------------------------

def test_knobs_are_the_seed_cnn_arguments_plus_the_training_ones():
    signature = inspect.signature(lab.build_seed_cnn).parameters
    architecture = {name: p.default for name, p in signature.items() if name != "num_classes"}
    assert {name: sweeps.SWEEP_DEFAULTS[name] for name in architecture} == architecture
    assert set(sweeps.KNOBS) == set(architecture) | {"epochs", "optimizer", "learning_rate", "batch_size", "seed"}
    assert (sweeps.SWEEP_DEFAULTS["epochs"], sweeps.SWEEP_DEFAULTS["optimizer"], sweeps.SWEEP_DEFAULTS["learning_rate"],
            sweeps.SWEEP_DEFAULTS["batch_size"], sweeps.SWEEP_DEFAULTS["seed"]) == (3, "adam", None, 200, 0)
    assert sweeps.VALIDATION_SPLIT == published.SEED_CNN_RECIPE.validation_split == 0.2


def test_grid_varies_lists_and_fixes_everything_else():
    configs = sweeps.grid(filters=[(32, 64), (75, 100)], kernel_size=3, seed=range(2))
    assert configs == [
        {"filters": (32, 64), "kernel_size": 3, "seed": 0}, {"filters": (32, 64), "kernel_size": 3, "seed": 1},
        {"filters": (75, 100), "kernel_size": 3, "seed": 0}, {"filters": (75, 100), "kernel_size": 3, "seed": 1},
    ]
    assert sweeps.grid() == [{}]
    assert sweeps.grid(filters=(32, 64)) == [{"filters": (32, 64)}]  # a tuple is one value, not two
    with pytest.raises(ValueError, match=r"grid: epochs=\[\] gives no value"):
        sweeps.grid(epochs=[])
    with pytest.raises(ValueError, match="config 1: epochs must be a positive whole number"):
        sweeps.grid(epochs=[1, 0])


def test_validate_configs_fills_defaults_and_normalizes_values():
    (config,) = sweeps.validate_configs([{"filters": 32, "dense_units": np.int64(64), "optimizer": " Adam ",
                                       "padding": "SAME", "conv_dropout": 0, "learning_rate": 1e-3,
                                       "seed": np.int64(4)}])
    assert config == {**sweeps.SWEEP_DEFAULTS, "filters": (32,), "dense_units": (64,), "optimizer": "adam",
                      "padding": "same", "conv_dropout": 0.0, "learning_rate": 0.001, "seed": 4}
    assert type(config["seed"]) is int and type(config["conv_dropout"]) is float
    assert sweeps.validate_configs([{"dense_units": []}, {"optimizer": "sgd_momentum"}])[0]["dense_units"] == ()


@pytest.mark.parametrize(
    "config, error, message",
    [
        ({"filter": (32, 64)}, ValueError, r"config 2: unknown knob 'filter'\. Did you mean 'filters'\?"),
        ({"validation_split": 0.1}, ValueError, "fixed at 0.2"),
        ({"optimizer": "adamm"}, ValueError, r"config 2: unknown optimizer 'adamm'\. Did you mean 'adam'"),
        ({"optimizer": 3}, TypeError, "config 2: optimizer must be a name"),
        ({"padding": "full"}, ValueError, "config 2: unknown padding 'full'"),
        ({"epochs": 0}, ValueError, "config 2: epochs must be a positive whole number"),
        ({"epochs": 2.0}, TypeError, "config 2: epochs must be a whole number"),
        ({"batch_size": -5}, ValueError, "config 2: batch_size must be a positive whole number"),
        ({"kernel_size": True}, TypeError, "config 2: kernel_size must be a whole number"),
        ({"pool_size": 0}, ValueError, "config 2: pool_size must be a positive"),
        ({"seed": -1}, ValueError, "config 2: seed must be a non-negative whole number"),
        ({"seed": (0, 1)}, TypeError, "pass a list to sweeps.grid"),
        ({"filters": ()}, ValueError, "config 2: filters needs at least one entry"),
        ({"filters": (32, 0)}, ValueError, "config 2: each entry of filters must be at least 1"),
        ({"filters": "32"}, TypeError, "config 2: filters must be a tuple of whole numbers"),
        ({"dense_units": (500, 2.5)}, TypeError, "config 2: each entry of dense_units must be a whole number"),
        ({"conv_dropout": 1.0}, ValueError, r"config 2: conv_dropout must be a dropout rate in \[0, 1\)"),
        ({"dense_dropout": -0.1}, ValueError, "config 2: dense_dropout must be a dropout rate"),
        ({"conv_dropout": "0.2"}, TypeError, "config 2: conv_dropout must be a dropout rate"),
        ({"learning_rate": 0}, ValueError, r"config 2: learning_rate must lie in \(0, 1\)"),
        ({"learning_rate": 1.5}, ValueError, r"learning_rate must lie in \(0, 1\)"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a finite number"),
        ({"learning_rate": "1e-3"}, TypeError, "config 2: learning_rate must be None"),
        ({"filters": (75, 100, 120)}, ValueError, "config 2 .*conv block 3: a 5x5 kernel does not fit the 4x4"),
        ({"kernel_size": 29}, ValueError, "config 2 .*a 29x29 kernel does not fit"),
        ({"filters": (8, 8), "pool_size": 4}, ValueError, "config 2 .*a 4x4 pool does not fit"),
    ],
)
def test_validate_configs_names_the_config_and_the_knob(config, error, message):
    with pytest.raises(error, match=message):
        sweeps.validate_configs([{}, {"seed": 1}, config, {"filters": "never reached"}])


@pytest.mark.parametrize(
    "configs, error, message",
    [
        ({"epochs": 1}, TypeError, r"for a single one, pass \[config\]"),
        ("epochs", TypeError, "configs must be a list of dicts"),
        ([], ValueError, "configs is empty"),
        ([{}, 5], TypeError, "config 1 must be a dict of knobs"),
    ],
)
def test_validate_configs_refuses_what_is_not_a_list_of_configs(configs, error, message):
    with pytest.raises(error, match=message):
        sweeps.validate_configs(configs)


def test_config_id_and_architecture_describe_the_complete_config():
    assert sweeps.config_id({}) == sweeps.config_id({"filters": [75, 100], "optimizer": "ADAM", "conv_dropout": 0.2})
    assert sweeps.config_id({}) != sweeps.config_id({"seed": 1})
    assert len(sweeps.config_id({})) == 12
    assert sweeps.describe_architecture({}) == "conv 75-100 + dense 500"
    assert sweeps.describe_architecture({"filters": (75, 100, 125), "padding": "same", "dense_units": ()}) == \
        "conv 75-100-125 (same), no hidden dense"


def test_estimate_seconds_scales_with_epochs_network_and_batch():
    rate = 2_261.0  # about 23 s per epoch of the seed CNN on 60,000 images (48,000 trained, 12,000 validated)
    base = sweeps.estimate_seconds({}, rate=rate)
    assert 3 * 23 < base < 3 * 23 + 10  # three epochs, plus the test set and the start-up
    assert sweeps.estimate_seconds({"epochs": 6}, rate=rate) > 1.9 * base - 10
    assert sweeps.estimate_seconds({"filters": (128, 160)}, rate=rate) > 2 * base > 2 * sweeps.estimate_seconds(
        {"filters": (16, 32)}, rate=rate)
    assert sweeps.estimate_seconds({"batch_size": 32}, rate=rate) > 1.2 * base
    assert sweeps.estimate_seconds({}, rate=rate, train_size=2_000, test_size=1_000) < 10
    assert sweeps.estimate_seconds({}, rate=2 * rate) < 0.6 * base
    with pytest.raises(ValueError, match="train_size must be a positive whole number"):
        sweeps.estimate_seconds({}, rate=rate, train_size=0)
    with pytest.raises(ValueError, match="unknown knob"):
        sweeps.estimate_seconds({"epoch": 3}, rate=rate)


# ---------------------------------------------------------------------------------------------------------------
# The cache key
# ---------------------------------------------------------------------------------------------------------------

CONTEXT = dict(profile="full", precision="float32", train_size=60_000, test_size=10_000, data_sha256="abc",
               versions={"tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6"})


@pytest.mark.parametrize(
    "change",
    [{"filters": (32, 64)}, {"kernel_size": 3}, {"pool_size": 3}, {"dense_units": (500, 500)}, {"conv_dropout": 0.1},
     {"dense_dropout": 0.4}, {"padding": "same"}, {"epochs": 4}, {"optimizer": "sgd"}, {"learning_rate": 0.001},
     {"batch_size": 64}, {"seed": 1}],
)
def test_cache_key_changes_with_every_knob(change):
    assert set(change) <= set(sweeps.KNOBS)
    assert sweeps.cache_key(change, **CONTEXT) != sweeps.cache_key({}, **CONTEXT)


@pytest.mark.parametrize(
    "change",
    [{"profile": "smoke"}, {"precision": "mixed_bfloat16"}, {"train_size": 2_000}, {"test_size": 1_000},
     {"data_sha256": "abd"}, {"versions": {**CONTEXT["versions"], "tensorflow": "2.22.0"}},
     {"versions": {**CONTEXT["versions"], "keras": "3.16.0"}}, {"versions": {**CONTEXT["versions"], "numpy": "2.5.0"}}],
)
def test_cache_key_changes_with_the_context(change):
    assert sweeps.cache_key({}, **{**CONTEXT, **change}) != sweeps.cache_key({}, **CONTEXT)


def test_cache_key_is_the_same_for_the_same_run_written_differently():
    key = sweeps.cache_key({}, **CONTEXT)
    assert len(key) == 64 and int(key, 16) >= 0
    assert sweeps.cache_key({"filters": [75, 100], "optimizer": "Adam", "conv_dropout": 0.2, "seed": 0}, **CONTEXT) == key
    assert sweeps.cache_key({}, **{**CONTEXT, "profile": profiles.get_profile("full")}) == key
    payload = sweeps.cache_payload({}, **CONTEXT)
    assert payload["config"]["filters"] == [75, 100] and payload["validation_split"] == 0.2
    assert payload["epochs_trained"] == 3
    assert sweeps.cache_payload({}, **{**CONTEXT, "profile": "smoke"})["epochs_trained"] == 1  # the profile caps epochs
    with pytest.raises(ValueError, match="versions must be a dict"):
        sweeps.cache_key({}, **{**CONTEXT, "versions": {"tensorflow": "2"}})


# ---------------------------------------------------------------------------------------------------------------
# run_sweep with a fake trainer: order, columns, cache, resuming, progress
# ---------------------------------------------------------------------------------------------------------------

def test_rows_come_back_in_input_order_with_every_column(tiny_data, fake_training, tmp_path, capsys):
    configs = [{"seed": 2}, {"filters": (4, 8), "seed": 0}, {"seed": 1}, {"seed": 2}]  # the last one repeats the first
    tf_level = logging.getLogger("tensorflow").level
    runs = sweep(configs, tiny_data, tmp_path, verbose=1)
    assert list(runs.columns) == list(sweeps.COLUMNS)
    assert runs.seed.tolist() == [2, 0, 1, 2] and runs.filters.tolist() == [(75, 100), (4, 8), (75, 100), (75, 100)]
    assert runs.test_accuracy.tolist() == pytest.approx([0.92, 0.90, 0.91, 0.92])
    assert len(fake_training) == 3  # the duplicate trained once
    assert not runs.cached.any()
    first = runs.iloc[0]
    assert first.epochs == first.epochs_trained == 3 and first.params == 1175 and first.profile == "full"
    assert first.precision == "float32" and first.train_size == 256 and first.test_size == 128
    assert json.loads(first.val_accuracy_by_epoch) == pytest.approx([0.5, 0.51, 0.52])
    assert first.best_val_accuracy == pytest.approx(0.52) and first.best_epoch == 3
    assert first.architecture == "conv 75-100 + dense 500" and first.config_id == sweeps.config_id({"seed": 2})
    assert first.keras == keras.__version__ and first.cpu == machine.machine_info()["cpu"]
    assert fake_training[0]["x_shape"] == (28, 28, 1) and fake_training[0]["y_shape"] == (10,)
    assert fake_training[0]["tf_log_level"] == logging.ERROR  # no retracing warnings on stderr during a sweep
    assert logging.getLogger("tensorflow").level == tf_level  # and put back afterwards
    out = capsys.readouterr().out
    assert "Sweep of 3 runs (1 duplicate config run once): 0 from the cache, 3 to train" in out
    assert "[1/3] seed=2: test 92.00% in 0 s; about" in out and "[3/3] seed=1: test 91.00% in 0 s; sweep done" in out
    assert "\r" not in out


def test_a_second_sweep_reads_every_run_from_the_cache(tiny_data, fake_training, tmp_path, capsys):
    configs = sweeps.grid(seed=[0, 1])
    first = sweep(configs, tiny_data, tmp_path)
    assert len(fake_training) == 2 and len(list(tmp_path.glob("*.json"))) == 2
    capsys.readouterr()
    again = sweep(configs, tiny_data, tmp_path)
    assert len(fake_training) == 2 and again.cached.all()
    pd.testing.assert_frame_equal(again.drop(columns="cached"), first.drop(columns="cached"))
    assert "[2/2] seed=1: from the cache, test 91.00%" in capsys.readouterr().out


def test_the_cache_is_keyed_by_profile_precision_and_data(tiny_data, fake_training, tmp_path):
    sweep([{}], tiny_data, tmp_path)
    sweep([{}], tiny_data, tmp_path, profile="smoke")  # capped at 1 epoch: another run
    (x_train, y_train), test = tiny_data
    sweep([{}], ((x_train[:200], y_train[:200]), test), tmp_path)  # fewer training images: another run
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        runs = sweep([{}], tiny_data, tmp_path)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert [call["epochs_trained"] for call in fake_training] == [3, 1, 3, 3]
    assert [call["train_size"] for call in fake_training] == [256, 256, 200, 256]
    assert fake_training[-1]["precision"] == "mixed_bfloat16"
    assert runs.precision[0] == "mixed_bfloat16" and len(list(tmp_path.glob("*.json"))) == 4


def test_prepared_data_and_raw_data_share_the_cache(tiny_data, fake_training, tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_data
    sweep([{}], tiny_data, tmp_path)
    prepared = ((lab.prepare_images(x_train), lab.one_hot(y_train)), (lab.prepare_images(x_test), lab.one_hot(y_test)))
    assert sweep([{}], prepared, tmp_path).cached.all() and len(fake_training) == 1


def test_an_interrupted_sweep_resumes_without_retraining(tiny_data, fake_training, monkeypatch, tmp_path, capsys):
    train = sweeps._train_one

    def interrupted(config, *args, **kwargs):
        if len(fake_training) == 2:
            raise KeyboardInterrupt
        return train(config, *args, **kwargs)

    monkeypatch.setattr(sweeps, "_train_one", interrupted)
    configs = sweeps.grid(seed=[0, 1, 2, 3])
    with pytest.raises(KeyboardInterrupt):
        sweep(configs, tiny_data, tmp_path)
    assert "Sweep stopped at run 3 of 4 (KeyboardInterrupt); the 2 finished run(s)" in capsys.readouterr().out
    monkeypatch.setattr(sweeps, "_train_one", train)
    runs = sweep(configs, tiny_data, tmp_path)
    assert [call["seed"] for call in fake_training] == [0, 1, 2, 3]  # seeds 0 and 1 were not trained again
    assert runs.cached.tolist() == [True, True, False, False]


def test_a_crash_mid_sweep_keeps_the_finished_runs(tiny_data, fake_training, monkeypatch, tmp_path):
    train = sweeps._train_one
    monkeypatch.setattr(sweeps, "_train_one", lambda config, *a, **k: 1 / (config["seed"] - 1) and train(config, *a, **k))
    with pytest.raises(ZeroDivisionError):
        sweep(sweeps.grid(seed=[0, 1]), tiny_data, tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1


def edited(change):
    """A damage that parses the entry, changes it, and writes it back as JSON."""
    def damage(text, other):
        entry = json.loads(text)
        change(entry)
        return json.dumps(entry)
    return damage


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda text, other: text[: len(text) // 2], "is not readable JSON"),
        (lambda text, other: "not json at all", "is not readable JSON"),
        (lambda text, other: "\x00\xff binary", "is not readable JSON"),
        (lambda text, other: "", "is not readable JSON"),
        (lambda text, other: "[1, 2, 3]", "does not have the layout this version writes"),
        (edited(lambda entry: entry.update(schema=0)), "does not have the layout"),
        (edited(lambda entry: entry.pop("results")), "does not have the layout"),
        (lambda text, other: other, "holds a different run"),
        (edited(lambda entry: entry["payload"].update(keras="2.15.0")), "holds a different run"),
        (edited(lambda entry: entry["results"].update(test_accuracy="high")), "lacks a valid 'test_accuracy'"),
        (edited(lambda entry: entry["results"].update(test_accuracy=1.5)), "has test_accuracy 1.5, outside [0, 1]"),
        (edited(lambda entry: entry["results"].pop("params")), "lacks a valid 'params'"),
        (edited(lambda entry: entry["results"].update(epochs_trained=2)), "not a list of 2 values"),
    ],
)
def test_a_bad_cache_entry_is_reported_and_recomputed(tiny_data, fake_training, tmp_path, capsys, damage, problem):
    runs = sweep([{}, {"seed": 1}], tiny_data, tmp_path)
    path = tmp_path / f"{sweeps.cache_key({}, **_context(tiny_data))}.json"
    other = tmp_path / f"{sweeps.cache_key({'seed': 1}, **_context(tiny_data))}.json"
    assert path.is_file() and other.is_file()
    path.write_text(damage(path.read_text(), other.read_text()), encoding="utf-8")
    capsys.readouterr()
    again = sweep([{}, {"seed": 1}], tiny_data, tmp_path, verbose=0)
    out = capsys.readouterr().out
    assert out.startswith(f"Cache entry {path} ") and problem in out and out.endswith(": it will be recomputed.\n")
    assert len(fake_training) == 3 and again.cached.tolist() == [False, True]
    assert again.test_accuracy.tolist() == runs.test_accuracy.tolist()  # the right row, not the other run's
    assert json.loads(path.read_text())["payload"]["config"]["seed"] == 0  # the entry is good again


def _context(data):
    return dict(profile="full", precision="float32", train_size=256, test_size=128,
                data_sha256=sweeps._prepare_data(data, profiles.get_profile("full"))[-1])


def test_on_row_sees_every_row_as_it_becomes_available(tiny_data, fake_training, tmp_path):
    seen = []
    sweep([{"seed": 1}, {}, {"seed": 1}], tiny_data, tmp_path, verbose=0, on_row=lambda i, row: seen.append((i, row["seed"])))
    assert seen == [(0, 1), (2, 1), (1, 0)]


def test_run_sweep_validates_every_config_before_training_any(tiny_data, fake_training, tmp_path):
    with pytest.raises(ValueError, match="config 1: unknown knob 'epoch'"):
        sweep([{}, {"epoch": 3}], tiny_data, tmp_path)
    assert fake_training == [] and not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize(
    "data, error, message",
    [
        ("mnist", TypeError, r"data must be \(\(x_train, y_train\), \(x_test, y_test\)\)"),
        (((np.zeros((20, 28, 28), "uint8"), np.zeros(19, int)), (np.zeros((5, 28, 28), "uint8"), np.zeros(5, int))),
         ValueError, "x and y must have the same length"),
        (((np.zeros((20, 28, 28), "uint8"), np.zeros((20, 3))), (np.zeros((5, 28, 28), "uint8"), np.zeros(5, int))),
         ValueError, "must be one-hot rows of 10"),
        (((np.zeros((20, 10, 10), "uint8"), np.zeros(20, int)), (np.zeros((5, 28, 28), "uint8"), np.zeros(5, int))),
         ValueError, "MNIST images shaped"),
        (((np.zeros((5, 28, 28), "uint8"), np.zeros(5, int)), (np.zeros((5, 28, 28), "uint8"), np.zeros(5, int))),
         ValueError, "at least 10 training images"),
    ],
)
def test_run_sweep_refuses_bad_data(data, error, message, fake_training, tmp_path):
    with pytest.raises(error, match=message):
        sweep([{}], data, tmp_path)


def test_run_sweep_refuses_bad_options(tiny_data, fake_training, tmp_path):
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2"):
        sweep([{}], tiny_data, tmp_path, verbose=3)
    with pytest.raises(TypeError, match="on_row must be a function"):
        sweep([{}], tiny_data, tmp_path, on_row="print")
    with pytest.raises(ValueError, match="Unknown run profile 'fast'"):
        sweep([{}], tiny_data, tmp_path, profile="fast")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        sweep([{}], tiny_data, tmp_path / "file")


def test_default_cache_dir_is_in_the_repository_unless_set(monkeypatch, tmp_path):
    monkeypatch.delenv(sweeps.CACHE_ENV_VAR, raising=False)
    assert sweeps.default_cache_dir() == ROOT / ".lab_cache" / "sweeps"
    monkeypatch.setenv(sweeps.CACHE_ENV_VAR, str(tmp_path))
    assert sweeps.default_cache_dir() == tmp_path / "sweeps"


# ---------------------------------------------------------------------------------------------------------------
# A real run, end to end
# ---------------------------------------------------------------------------------------------------------------

def test_a_tiny_real_sweep_trains_caches_and_reads_back(tiny_data, tmp_path, capsys, monkeypatch):
    policies = []

    def build(**knobs):  # spy: the policy each network is built under
        policies.append(keras.mixed_precision.global_policy().name)
        return lab.build_seed_cnn(**knobs)

    monkeypatch.setattr(sweeps, "build_seed_cnn", build)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        runs = sweeps.run_sweep([TINY_NET], tiny_data, cache_dir=tmp_path, profile="full", verbose=2)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    row = runs.iloc[0]
    assert policies == ["mixed_bfloat16"] and row.precision == "mixed_bfloat16"  # kept across clear_session()
    assert row.params == lab.build_seed_cnn(filters=(4, 8), dense_units=(16,)).count_params()
    assert row.epochs_trained == 1 and len(json.loads(row.val_accuracy_by_epoch)) == 1
    assert 0.0 <= row.test_accuracy <= 1.0 and row.best_val_accuracy == row.final_val_accuracy
    assert row.train_seconds > 0 and not row.cached
    out = capsys.readouterr().out
    assert "[1/1] filters=(4, 8) dense_units=(16,) epochs=1 batch_size=64: training 1 epoch(s) ..." in out
    assert "    epoch 1/1: loss " in out and "val_accuracy " in out and "\r" not in out

    monkeypatch.setattr(sweeps, "_train_one", lambda *a, **k: pytest.fail("a cached run was trained again"))
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        again = sweeps.run_sweep([TINY_NET], tiny_data, cache_dir=tmp_path, profile="full", verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert again.cached.all() and again.test_accuracy[0] == row.test_accuracy


# ---------------------------------------------------------------------------------------------------------------
# Summaries, plots and saved sweeps
# ---------------------------------------------------------------------------------------------------------------

def fake_runs():
    rows = []
    for filters, params, accs in (((32, 64), 300_000, [0.990, 0.992, 0.991]), ((16, 32), 100_000, [0.985, 0.987, 0.986]),
                                  ((75, 100), 995_060, [0.993, 0.994, 0.992])):
        for seed, accuracy in enumerate(accs):
            rows.append({**sweeps.SWEEP_DEFAULTS, "filters": filters, "seed": seed, "params": params,
                         "test_accuracy": accuracy, "train_seconds": 30.0 + seed})
    return pd.DataFrame(rows)


def test_summarize_sweep_gives_mean_spread_and_cost_per_value():
    summary = sweeps.summarize_sweep(fake_runs(), "filters")
    assert summary.filters.tolist() == [(32, 64), (16, 32), (75, 100)]  # the order of the sweep
    first = summary.iloc[0]
    assert first.runs == 3 and first.test_accuracy_mean == pytest.approx(0.991)
    assert first.test_accuracy_std == pytest.approx(0.001) and first.test_accuracy_min == 0.990
    assert first.test_accuracy_max == 0.992 and first.train_seconds_mean == 31.0 and first.params == 300_000
    numbers = fake_runs().assign(batch_size=[512, 512, 512, 32, 32, 32, 200, 200, 200])
    assert sweeps.summarize_sweep(numbers, "batch_size").batch_size.tolist() == [32, 200, 512]  # numbers are sorted
    single = sweeps.summarize_sweep(fake_runs().iloc[:1], "learning_rate")
    assert single.runs[0] == 1 and np.isnan(single.test_accuracy_std[0])


@pytest.mark.parametrize(
    "runs, knob, error, message",
    [
        (pd.DataFrame(), "filters", ValueError, "runs is empty"),
        (fake_runs(), "filter", ValueError, r"runs has no column 'filter'\. Did you mean 'filters'"),
        (fake_runs().drop(columns="params"), "filters", ValueError, "lacks the column"),
        ([1, 2], "filters", TypeError, "runs must be a DataFrame"),
        (fake_runs(), ["filters"], TypeError, "knob must be a column name"),
    ],
)
def test_summarize_sweep_refuses_bad_inputs(runs, knob, error, message):
    with pytest.raises(error, match=message):
        sweeps.summarize_sweep(runs, knob)


def test_plot_sweep_returns_a_figure_with_a_panel_per_view():
    fig = sweeps.plot_sweep(fake_runs(), "filters", title="Feature maps")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    accuracy, against_params = fig.axes
    assert [t.get_text() for t in accuracy.get_xticklabels()] == ["32, 64", "16, 32", "75, 100"]
    assert against_params.get_xscale() == "log" and "parameters" in against_params.get_xlabel()
    assert "training time" in sweeps.plot_sweep(fake_runs(), "seed").axes[1].get_xlabel()
    assert len(sweeps.plot_sweep(fake_runs(), "filters", against=None).axes) == 1
    assert len(sweeps.plot_sweep(fake_runs().iloc[:1], "learning_rate").axes) == 2  # one run, no spread: still a plot


@pytest.mark.parametrize(
    "runs, knob, kwargs, message",
    [
        (pd.DataFrame(), "filters", {}, "runs is empty"),
        (fake_runs(), "kernel", {}, "runs has no column 'kernel'"),
        (fake_runs(), "filters", {"against": "flops"}, "against must be 'auto', 'params', 'train_seconds' or None"),
        (fake_runs().drop(columns="params"), "filters", {}, "lacks the column"),
    ],
)
def test_plot_sweep_refuses_bad_inputs(runs, knob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sweeps.plot_sweep(runs, knob, **kwargs)


def test_read_sweep_restores_layer_tuples_from_csv(tmp_path):
    path = tmp_path / "runs.csv"
    io.write_atomic(path, fake_runs().assign(dense_units=[(), (500,), (500, 500)] * 3).to_csv(index=False))
    runs = sweeps.read_sweep(path)
    assert runs.filters[0] == (32, 64) and runs.dense_units.tolist()[:3] == [(), (500,), (500, 500)]
    assert sweeps.summarize_sweep(runs, "filters").filters.tolist() == [(32, 64), (16, 32), (75, 100)]
    assert sweeps.read_sweep(tmp_path / "none.csv").empty


# ---------------------------------------------------------------------------------------------------------------
# The sweep command
# ---------------------------------------------------------------------------------------------------------------

FIVE_KNOBS = {"architecture", "layer_sizes", "epochs", "optimizer", "batch_size"}


def test_the_plan_covers_the_five_knobs_with_three_seeds_each():
    args = sweep_script.parse_args([])
    assert set(args.sweeps) == FIVE_KNOBS and args.seeds == [0, 1, 2] and not args.dry_run
    plan = sweep_script.build_plan(args.sweeps, args.seeds)
    lines = sweep_script.plan_cost(plan, profiles.get_profile("full"), rate=2_400)
    assert {line["sweep"] for line in lines} == FIVE_KNOBS
    assert {line["knob"] for line in lines if line["sweep"] == "layer_sizes"} == {"filters", "kernel_size", "dense_units"}
    for line in lines:
        assert len(line["seeds"]) >= 3 and len(line["values"]) >= 3, line
    assert all(config["epochs"] == 3 for name, _, config in plan if name != "epochs")
    assert len({sweeps.config_id(config) for _, _, config in plan}) < len(plan)  # the shared base trains once
    assert 80 <= sum(line["minutes"] for line in lines) <= 105  # about 100 minutes on the lab's 2-core CPU


def test_dry_run_prints_the_plan_and_trains_nothing(capsys, monkeypatch):
    monkeypatch.setattr(sweeps, "run_sweep", lambda *a, **k: pytest.fail("a dry run trained"))
    assert sweep_script.main(["--dry-run", "--images-per-second", "2400"]) == 0
    out = capsys.readouterr().out
    for name in FIVE_KNOBS:
        assert f"  {name:<12} " in out
    assert "seeds 0, 1, 2; profile smoke" in out and "Estimated total: about" in out
    assert "Runs CSV: artifacts/smoke/sweep_runs.csv" in out  # the tests run in the smoke profile


@pytest.mark.parametrize("argv", [["--seeds", "-1"], ["--sweeps", "dropout"], ["--images-per-second", "0"]])
def test_sweep_command_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        sweep_script.parse_args(argv)


def test_sweep_csv_rows_are_replaced_in_place_and_other_rows_kept():
    old = pd.DataFrame([{"sweep": "epochs", "knob": "epochs", "config_id": "a", "test_accuracy": 0.1},
                        {"sweep": "optimizer", "knob": "optimizer", "config_id": "b", "test_accuracy": 0.2}])
    new = [{"sweep": "epochs", "knob": "epochs", "config_id": "a", "test_accuracy": 0.9},
           {"sweep": "epochs", "knob": "epochs", "config_id": "c", "test_accuracy": 0.8}]
    merged = sweep_script.merge_rows(old, new)
    assert merged.config_id.tolist() == ["a", "b", "c"] and merged.test_accuracy.tolist() == [0.9, 0.2, 0.8]
    with pytest.raises(ValueError, match="not a sweep table"):
        sweep_script.merge_rows(pd.DataFrame([{"model": "cnn"}]), new)


def test_sweep_command_writes_its_csv_after_each_run(tiny_data, fake_training, monkeypatch, tmp_path):
    monkeypatch.setattr(sweep_script.lab, "load_mnist", lambda: tiny_data)
    monkeypatch.setattr(sweep_script.precision, "use_best_precision", lambda: "float32: forced in this test")
    out = tmp_path / "runs.csv"
    argv = ["--sweeps", "epochs", "batch_size", "--seeds", "0", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert sweep_script.main(argv) == 0
    runs = sweeps.read_sweep(out)
    assert len(runs) == 9 and runs.sweep.tolist() == ["epochs"] * 5 + ["batch_size"] * 4
    assert len(fake_training) == 8  # the base config is in both sets and trains once
    assert runs[runs.knob == "epochs"].epochs.tolist() == [1, 2, 3, 4, 8]
    assert list(runs.columns) == ["sweep", "knob", *(c for c in sweeps.COLUMNS if c != "cached")]
    before = out.read_text()
    assert sweep_script.main(argv) == 0 and len(fake_training) == 8  # all from the cache
    assert out.read_text() == before  # a rerun rewrites the same CSV
