"""Notebook 05's helpers: augmentation, the improved CNN, schedules, the ladder, ensembles and their model files."""
import dataclasses
import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from scripts_loader import load_script

import lab_utils as lab
from bench import cost, ensemble, improved, machine, records
from bench import ladder as bench_ladder
from lab_utils import artifacts, training

ROOT = Path(__file__).resolve().parents[1]
ladder = load_script("scripts/ladder.py")

TINY = dict(filters=(4, 8), convs_per_block=1, dense_units=(16,))


pytestmark = pytest.mark.usefixtures("keep_the_precision_policy")


@pytest.fixture()
def mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype="float32")


# ---------------------------------------------------------------------------------------------------------------
# Augmentation
# ---------------------------------------------------------------------------------------------------------------

def test_augmentation_block_shifts_rotates_and_zooms_but_never_flips():
    block = improved.augmentation_block(shift=0.1, rotation_degrees=10, zoom=0.1)
    kinds = [type(layer).__name__ for layer in block.layers]
    assert kinds == ["RandomTranslation", "RandomRotation", "RandomZoom"]
    factor = block.layers[1].get_config()["factor"]  # the layer's public config, in every Keras 3
    assert tuple(factor) == pytest.approx((-10 / 360, 10 / 360))  # a fraction of a full turn, not degrees
    assert all(layer.fill_mode == "constant" and layer.fill_value == 0.0 for layer in block.layers)
    assert [type(layer).__name__ for layer in improved.augmentation_block(rotation_degrees=0).layers] == [
        "RandomTranslation", "RandomZoom"]


@pytest.mark.parametrize("kwargs, message", [
    ({"shift": 0.5}, "shift"), ({"shift": -0.1}, "shift"), ({"zoom": 0.6}, "zoom"), ({"zoom": "0.1"}, "zoom"),
    ({"rotation_degrees": 90}, "rotation_degrees"), ({"rotation_degrees": True}, "rotation_degrees"),
    ({"seed": -1}, "seed"), ({"shift": 0, "rotation_degrees": 0, "zoom": 0}, "nothing to augment"),
])
def test_augmentation_block_refuses_bad_ranges(kwargs, message):
    with pytest.raises(ValueError, match=message):
        improved.augmentation_block(**kwargs)


def test_augmentation_changes_training_images_only(mixed_precision):
    x = images()
    block = improved.augmentation_block(seed=3)
    assert not np.allclose(np.asarray(block(x, training=True)), x)
    np.testing.assert_array_equal(np.asarray(block(x, training=False)), x)
    with_block = improved.build_improved_cnn(**TINY, augment=block)
    without = improved.build_improved_cnn(**TINY)
    without.set_weights(with_block.get_weights())  # the block has no weights: the rest is the same network
    first, second = with_block.predict(x, verbose=0), with_block.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, without.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------------------------------------------
# The improved network
# ---------------------------------------------------------------------------------------------------------------

def test_seed_layout_without_batch_norm_is_the_seed_cnn():
    model = improved.build_improved_cnn(**improved.SEED_CNN_LAYOUT, batch_norm=False)
    assert model.count_params() == 995_060  # the published seed CNN's parameters
    # 24x24x75x25 + 8x8x100x(25x75) + 1600x500 + 500x10 multiply-adds per image
    assert cost.multiply_adds(model) == cost.multiply_adds(lab.build_seed_cnn()) == 13_885_000


def test_batch_norm_goes_after_the_pooling_or_after_every_conv(mixed_precision):
    model = improved.build_improved_cnn()
    names = [layer.name for layer in model.layers]
    assert names[:5] == ["conv1_1", "conv1_2", "pool1", "bn1", "dropout1"]
    assert model.count_params() == 331_114 and model.layers[-1].dtype_policy.name == "float32"
    textbook = improved.build_improved_cnn(batch_norm="after_conv")
    assert [layer.name for layer in textbook.layers][:3] == ["conv1_1", "bn1_1", "relu1_1"]
    assert not textbook.get_layer("conv1_1").use_bias  # BN's shift replaces the bias
    assert "augmentation" in [layer.name for layer in improved.build_improved_cnn(augment=True).layers]


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": (8, 8, 8, 8), "kernel_size": 5}, "does not fit"),
    ({"filters": ()}, "at least one entry"),
    ({"convs_per_block": 0}, "convs_per_block"),
    ({"padding": "full"}, "padding"),
    ({"conv_dropout": 1.0}, "conv_dropout"),
    ({"batch_norm": "before_relu"}, "batch_norm"),
    ({"augment": "yes"}, "augment"),
    ({"num_classes": 0}, "num_classes"),
])
def test_build_improved_cnn_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        improved.build_improved_cnn(**kwargs)


def test_batch_norm_and_augmentation_save_and_load_in_safe_mode(tmp_path, mixed_precision):
    model = improved.build_improved_cnn(**TINY, augment=True, batch_norm="after_conv")
    rng = np.random.default_rng(0)  # weights as if trained: BN's moving statistics away from their start, too
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype("float32") + 0.5 for w in model.get_weights()])
    x = images(4)
    path = artifacts.save_model_atomic(model, tmp_path / "improved.keras")
    loaded = artifacts.load_model_file(path, input_shape=(28, 28, 1), num_classes=10)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# The ladder
# ---------------------------------------------------------------------------------------------------------------

def test_the_ladder_adds_one_idea_per_step():
    steps = improved.ladder_steps(members=3, seeds=(0, 1))
    assert [step.number for step in steps] == list(range(9))
    constant, one_cycle, bn, augmented, deeper, longer, averaged, shifted, final = steps
    assert constant.model_options == one_cycle.model_options and constant.recipe.schedule == "constant"
    assert one_cycle.recipe == improved.SHORT_RECIPE and one_cycle.recipe.epochs == training.FAST_RECIPE.epochs
    assert bn.model_options == {**improved.SEED_CNN_LAYOUT, "batch_norm": "after_pool"}  # the seed CNN's layers + BN
    assert augmented.model_options == {**bn.model_options, "augment": True}
    assert deeper.recipe == augmented.recipe and deeper.model_options["convs_per_block"] == 2
    assert longer.model_options == {**deeper.model_options, **improved.LONG_DROPOUT}
    assert longer.recipe.early_stopping_patience
    assert all(improved.LONG_DROPOUT[k] < deeper.model_options[k] for k in ("conv_dropout", "dense_dropout"))
    assert longer.seeds == averaged.seeds == (0, 1, 2) and averaged.ensemble_of == longer.number
    assert bn.seeds == (0, 1)
    assert shifted.ensemble_of == longer.number and shifted.tta_shifts == ensemble.TTA_SHIFTS
    assert averaged.tta_shifts is None and "tta_shifts" not in averaged.config()  # its hash predates the TTA step
    with pytest.raises(ValueError, match="ensemble"):
        averaged.build()
    # The final network: the longer step's network and recipe, minus early stopping, once, on the validation images too
    assert final.train_on_validation and final.seeds == (0,) and final.model_options == longer.model_options
    assert final.recipe == dataclasses.replace(longer.recipe, name=final.recipe.name, early_stopping_patience=None)
    assert final.config()["train_on_validation"] is True
    assert not any(step.train_on_validation or "train_on_validation" in step.config() for step in steps[:-1])
    hashes = {records.run_id(step.config(profile="full")) for step in steps}
    assert len(hashes) == len(steps)


def test_a_step_that_trains_on_the_validation_images_cannot_stop_early():
    longer = improved.ladder_steps()[5]
    with pytest.raises(ValueError, match="nothing to stop early on"):
        dataclasses.replace(longer, train_on_validation=True)
    with pytest.raises(ValueError, match="nothing to stop early on"):
        improved.LadderStep(9, "averaged", "ensemble", ensemble_of=5, train_on_validation=True)


@pytest.mark.parametrize("kwargs, message", [({"members": 0}, "members"), ({"seeds": ()}, "seeds"),
                                             ({"seeds": (0, -1)}, "seed")])
def test_ladder_steps_refuse_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        improved.ladder_steps(**kwargs)


def fake_ladder_runs():
    rows = []
    for step, name, network, accuracies, seconds in (
            (0, "seed CNN", "seed_cnn", [0.990, 0.992], 70.0),
            (5, "longer", "improved_cnn", [0.9960, 0.9964, 0.9962], 400.0),
            (6, "ensemble of 3", "ensemble", [0.9971], 1200.0),
            (8, "final", "improved_cnn", [0.9966], 420.0)):
        for seed, accuracy in enumerate(accuracies):
            rows.append(dict(step=step, name=name, network=network, seed=str(seed),
                             members=3 if network == "ensemble" else 1,
                             val_accuracy=np.nan if step == 8 else accuracy + 0.001 * seed,  # 8: no validation
                             test_accuracy=accuracy, train_seconds=seconds + seed,
                             profile="full", train_size=55_000, val_size=5_000, precision="mixed_bfloat16",
                             cpu="Test CPU", cores=2, tensorflow="2.x", keras="3.x", config_hash=f"h{step}"))
    return pd.DataFrame(rows)


def test_summarize_and_plot_the_ladder():
    summary = improved.summarize_ladder(fake_ladder_runs())
    longer = summary[summary.step == 5].iloc[0]
    assert longer.models == 3 and longer.test_accuracy == pytest.approx(0.9962)
    assert longer.test_std == pytest.approx(0.0002)
    assert summary[summary.step == 6].iloc[0].test_std == 0.0
    assert np.isnan(summary[summary.step == 8].iloc[0].val_accuracy)  # trained on the validation images
    figure = improved.plot_ladder(fake_ladder_runs())
    assert figure.axes[0].get_xscale() == "log"
    markers = [line.get_marker() for line in figure.axes[0].lines if line.get_marker() not in ("_", "None")]  # no caps
    assert markers == ["o", "o", "*", "D"]  # the ensemble a star, the final network a diamond
    with pytest.raises(ValueError, match="lacks the columns"):
        improved.summarize_ladder(fake_ladder_runs().drop(columns="network"))


# ---------------------------------------------------------------------------------------------------------------
# Ensembles: averaging
# ---------------------------------------------------------------------------------------------------------------

class FixedModel:
    """Stands in for a trained model: predict returns fixed probabilities."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype="float32")

    def predict(self, x, batch_size=None, verbose=0):
        return self.probabilities[: len(x)]


def test_ensemble_averages_softmax_outputs():
    a = FixedModel([[0.6, 0.4], [0.2, 0.8], [0.5, 0.5]])
    b = FixedModel([[0.2, 0.8], [0.4, 0.6], [0.9, 0.1]])
    x = np.zeros((3, 28, 28, 1), "float32")
    np.testing.assert_allclose(ensemble.ensemble_predict([a, b], x), [[0.4, 0.6], [0.3, 0.7], [0.7, 0.3]], rtol=1e-6)
    assert ensemble.predict_members([a, b], x).shape == (2, 3, 2)
    assert ensemble.ensemble_accuracy([a, b], x, np.array([1, 1, 0])) == 1.0
    assert ensemble.ensemble_accuracy([a], x, np.array([[1, 0], [0, 1], [0, 1]])) == pytest.approx(2 / 3)


def test_ensemble_refuses_bad_members():
    x = np.zeros((2, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match="at least one member"):
        ensemble.ensemble_predict([], x)
    with pytest.raises(TypeError, match="no predict method"):
        ensemble.ensemble_predict(["model"], x)
    with pytest.raises(ValueError, match="the same classes"):
        ensemble.ensemble_predict([FixedModel([[1, 0], [0, 1]]), FixedModel([[1, 0, 0], [0, 1, 0]])], x)
    with pytest.raises(ValueError, match="softmax"):
        ensemble.ensemble_predict([FixedModel([[3.0, -1.0], [0.5, 0.5]])], x)
    with pytest.raises(ValueError, match="one row of probabilities per label"):
        ensemble.accuracy(np.ones((2, 2)) / 2, np.array([0, 1, 1]))


def test_shift_images_moves_pixels_and_fills_the_gap_with_black():
    x = np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    down = ensemble.shift_images(x, 1, 0)[0, :, :, 0]
    np.testing.assert_array_equal(down, [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    left = ensemble.shift_images(x[..., 0], 0, -1)[0]  # (n, height, width) works too
    np.testing.assert_array_equal(left, [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(ensemble.shift_images(x, 0, 0), x)
    assert ensemble.shift_images(x, -2, 2)[0, 0, 2, 0] == 7  # bottom-left pixel to the top right


@pytest.mark.parametrize("x, dy, dx, message", [
    (np.zeros((0, 28, 28, 1)), 0, 0, "non-empty batch"),
    (np.zeros((28, 28)), 0, 0, "non-empty batch"),
    (np.zeros((1, 28, 28, 1)), 28, 0, "dy must be a whole number of pixels"),
    (np.zeros((1, 28, 28, 1)), 0, 1.5, "dx must be a whole number"),
    (np.zeros((1, 28, 28, 1)), True, 0, "dy must be"),
])
def test_shift_images_refuses_bad_input(x, dy, dx, message):
    with pytest.raises(ValueError, match=message):
        ensemble.shift_images(x, dy, dx)


class CentreModel:
    """Stands in for a model that is sure of class 1 when the centre pixel is lit, else of class 0."""

    def predict(self, x, batch_size=None, verbose=0):
        lit = np.asarray(x)[:, 14, 14, 0] > 0
        return np.stack([~lit, lit], axis=1).astype("float32")


def test_tta_predict_averages_over_the_shifted_copies():
    x = np.zeros((2, 28, 28, 1), "float32")
    x[0, 14, 14] = 1.0  # only the centre: lit in 1 of the 5 copies
    x[1, 13:16, 13:16] = 1.0  # a 3x3 block: the centre is lit in every copy
    np.testing.assert_allclose(ensemble.tta_predict([CentreModel()], x), [[0.8, 0.2], [0.0, 1.0]])
    np.testing.assert_allclose(ensemble.tta_predict([CentreModel()], x, shifts=[(0, 0)]),
                               ensemble.ensemble_predict([CentreModel()], x))
    assert ensemble.tta_accuracy([CentreModel()], x, np.array([0, 1])) == 1.0  # 0.8 for class 0, 1.0 for class 1
    assert ensemble.tta_accuracy([CentreModel()], x, np.array([1, 1]), shifts=[(0, 0)]) == 1.0
    with pytest.raises(ValueError, match="one row of probabilities per label"):
        ensemble.tta_accuracy([CentreModel()], x, np.array([1, 1, 0]))


@pytest.mark.parametrize("shifts, message", [
    ([], "non-empty list"), ("up", "non-empty list"), ([(1, 2, 3)], "pair"), ([(0, 30)], "dx must be")])
def test_tta_predict_refuses_bad_shifts(shifts, message):
    with pytest.raises(ValueError, match=message):
        ensemble.tta_predict([CentreModel()], np.zeros((1, 28, 28, 1), "float32"), shifts=shifts)


# ---------------------------------------------------------------------------------------------------------------
# Ensembles: members on disk, trained once, retrained when a file is bad
# ---------------------------------------------------------------------------------------------------------------

CONFIG = {"network": "tiny", "epochs": 1}


class Trainer:
    """A train_member that counts its calls and builds a tiny (untrained) model: enough to test the file handling."""

    def __init__(self):
        self.calls = []

    def __call__(self, seed):
        self.calls.append(seed)
        model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(10, activation="softmax", dtype="float32")])
        return model, {"val_accuracy": 0.5}


def test_members_are_trained_once_then_loaded(tmp_path, capsys):
    trainer = Trainer()
    seen = []
    members = ensemble.train_or_load_members(trainer, 2, folder=tmp_path, name="tiny", config=CONFIG,
                                             on_member=seen.append)
    assert trainer.calls == [0, 1] and [m.trained for m in members] == [True, True] and seen == members
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny_0.json", "tiny_0.keras", "tiny_1.json", "tiny_1.keras"]
    facts = json.loads((tmp_path / "tiny_1.json").read_text())
    assert facts["seed"] == 1 and facts["val_accuracy"] == 0.5 and facts["config"] == CONFIG
    assert facts["config_hash"] == records.run_id(CONFIG) and facts["params"] == 7_850

    reordered = dict(reversed(CONFIG.items()))
    again = ensemble.train_or_load_members(trainer, [0, 1], folder=tmp_path, name="tiny", config=reordered)
    assert trainer.calls == [0, 1] and [m.trained for m in again] == [False, False]  # key order does not matter
    assert "Loaded model" in capsys.readouterr().out
    x = images(4)
    np.testing.assert_allclose(ensemble.ensemble_predict([m.model for m in again], x),
                               ensemble.ensemble_predict([m.model for m in members], x), rtol=1e-6)


def _truncate(path):
    path.write_bytes(path.read_bytes()[:300])


def _foreign_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "a zip, but no model in it")


def _wrong_shape(path):
    artifacts.save_model_atomic(lab.build_dense_baseline(), path)  # inputs (784,): not an image model


def _more_parameters(path):
    artifacts.save_model_atomic(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                            keras.layers.Dense(12, activation="relu"),
                                            keras.layers.Dense(10, activation="softmax")]), path)


def _edit_facts(**changes):
    def edit(path):
        sidecar = path.with_suffix(".json")
        sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), **changes}))
    return edit


@pytest.mark.parametrize("damage, message", [
    (lambda path: path.unlink(), "No model file"),
    (_truncate, "not a .keras model file"),
    (_foreign_zip, "not a readable Keras model"),
    (_wrong_shape, "expects inputs of shape"),
    (_more_parameters, "parameters, but its facts say"),
    (lambda path: path.with_suffix(".json").unlink(), "no readable facts file"),
    (lambda path: path.with_suffix(".json").write_text("{broken"), "no readable facts file"),
    (_edit_facts(config_hash="0" * 16), "trained with another config"),
    (_edit_facts(seed=7), "trained with seed 7"),
], ids=["missing", "truncated", "zip-without-model", "wrong-shape", "wrong-size", "no-facts", "broken-facts",
        "other-config", "other-seed"])
def test_a_bad_member_file_is_reported_and_retrained(tmp_path, capsys, damage, message):
    trainer = Trainer()
    ensemble.train_or_load_members(trainer, [3], folder=tmp_path, name="m", config=CONFIG)
    damage(tmp_path / "m_3.keras")
    capsys.readouterr()
    (member,) = ensemble.train_or_load_members(trainer, [3], folder=tmp_path, name="m", config=CONFIG)
    out = capsys.readouterr().out
    assert message in out and "training seed 3 again" in out
    assert trainer.calls == [3, 3] and member.trained
    ensemble.train_or_load_members(trainer, [3], folder=tmp_path, name="m", config=CONFIG)
    assert trainer.calls == [3, 3]  # the retrained file is good


def test_a_changed_config_retrains(tmp_path, capsys):
    trainer = Trainer()
    ensemble.train_or_load_members(trainer, 1, folder=tmp_path, name="m", config=CONFIG)
    ensemble.train_or_load_members(trainer, 1, folder=tmp_path, name="m", config={**CONFIG, "epochs": 2})
    assert trainer.calls == [0, 0] and "trained with another config" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, error, message", [
    ({"train_member": "train"}, TypeError, "train_member must be a function"),
    ({"seeds": 0}, ValueError, "at least one member"),
    ({"seeds": [1, 1]}, ValueError, "seeds must differ"),
    ({"seeds": [-1]}, ValueError, "non-negative"),
    ({"name": "my model"}, ValueError, "name must be"),
    ({"config": {"when": object()}}, TypeError, "JSON-ready"),
    ({"train_member": lambda seed: "model"}, TypeError, "must return a Keras model"),
    ({"train_member": lambda seed: (Trainer()(seed)[0], {"at": object()})}, TypeError, "facts .* JSON-ready"),
])
def test_train_or_load_members_refuses_bad_arguments(tmp_path, kwargs, error, message):
    arguments = {"train_member": Trainer(), "seeds": 1, "folder": tmp_path, "name": "m", "config": CONFIG, **kwargs}
    with pytest.raises(error, match=message):
        ensemble.train_or_load_members(arguments.pop("train_member"), arguments.pop("seeds"), **arguments)
    assert not list(tmp_path.glob("*.keras"))


# ---------------------------------------------------------------------------------------------------------------
# scripts/ladder.py
# ---------------------------------------------------------------------------------------------------------------

def test_ladder_dry_run_prints_the_plan_and_the_budget(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LAB_PROFILE", "full")
    monkeypatch.setattr(ladder, "output_paths", lambda profile: (tmp_path / "runs.csv", tmp_path / "members"))
    # this machine's measured speed and plain time would make the verdict depend on the CPU: pin both
    monkeypatch.setattr(ladder.cost, "seed_cnn_rate", lambda cpu: (2_400.0, "a test figure"))
    monkeypatch.setattr(ladder, "plain_recipe_seconds", lambda cpu: (500.0, "a test figure"))
    assert ladder.main(["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "55,000 training images, the last 5,000" in out and f"step 6: + ensemble of {improved.ENSEMBLE_MEMBERS}" in out
    assert "the seed CNN at 2,400 images/s (a test figure)" in out
    assert "The plan fits the budget" in out
    assert ladder.main(["--dry-run", "--budget-minutes", "10"]) == 0
    assert "The plan EXCEEDS the budget" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())  # a dry run writes nothing


def test_ladder_estimates_scale_with_multiply_adds():
    seed, deeper = improved.LADDER[1], improved.LADDER[4]
    macs = [cost.multiply_adds(step.build()) for step in (seed, deeper)]
    assert ladder.estimate_seconds(seed, 3, 55_000, 5_000, 2_400, macs[0]) == pytest.approx(
        3 * (55_000 + 5_000 / 3) / 2_400 + 3 * (430 - 275) * cost.STEP_SECONDS + cost.RUN_OVERHEAD_SECONDS)
    assert macs[1] < macs[0]  # 0.72x the seed CNN's multiply-adds, but augmentation and batch norm cost extra
    assert ladder.estimate_seconds(deeper, 3, 55_000, 5_000, 2_400, macs[1]) < ladder.estimate_seconds(
        seed, 3, 55_000, 5_000, 2_400, macs[0])


@pytest.mark.parametrize("argv", [["--seeds", "-1"], ["--seeds", "1", "1"], ["--members", "0"], ["--steps", "9"],
                                  ["--budget-minutes", "0"]])
def test_ladder_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        ladder.parse_args(argv)


def test_ladder_records_each_model_resumes_and_builds_the_ensemble_from_saved_members(monkeypatch, capsys, tmp_path):
    """The whole command in the smoke profile, with a stand-in for training so that it takes a second."""
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    data = {"fit": (lab.prepare_images(x_train[:40]), lab.one_hot(y_train[:40])),
            "val": (lab.prepare_images(x_train[40:60]), lab.one_hot(y_train[40:60])),
            "test": (lab.prepare_images(x_test[:20]), lab.one_hot(y_test[:20]))}
    trained = []

    def fake_train_one(step, seed, data, epochs, verbose=2):
        trained.append((step.number, seed))
        model, _ = Trainer()(seed)
        return model, {"val_accuracy": None if step.train_on_validation else 0.5, "train_seconds": 1.0,
                       "epochs_run": epochs, "kept_epoch": epochs,
                       "seconds_per_epoch": 1.0, "precision": "float32", **machine.machine_info(),
                       "finished_utc": "2026-01-01T00:00:00Z"}

    out = tmp_path / "ladder_runs.csv"
    monkeypatch.setattr(ladder, "output_paths", lambda profile: (out, tmp_path / "members"))
    monkeypatch.setattr(ladder, "load_data", lambda profile: data)
    monkeypatch.setattr(ladder, "train_one", fake_train_one)
    argv = ["--steps", "4", "6", "7", "8", "--seeds", "0", "--members", "2"]
    assert ladder.main(argv) == 0
    assert trained == [(4, 0), (5, 0), (5, 1), (8, 0)]
    runs = records.read_runs(out)
    assert list(runs.step) == [4, 5, 5, 6, 7, 8] and (runs.network.iloc[-3:-1] == "ensemble").all()
    assert runs.members.iloc[-2] == 2 and runs.config_hash.iloc[-2] != runs.config_hash.iloc[-3]
    final = runs.iloc[-1]  # trained on the validation images too: no validation score, no validation split
    train_size, val_size, _ = bench_ladder.split_sizes()
    assert np.isnan(final.val_accuracy) and (final.train_size, final.val_size) == (train_size + val_size, 0)
    printed = capsys.readouterr().out
    assert "| 6 | + ensemble of 2 | 2 averaged |" in printed and "| 7 | + test-time augmentation" in printed
    assert "Chosen on validation: step" in printed and "| (trained on it) |" in printed
    assert "Final single network (step 8)" in printed and "the 2 networks' mean is" in printed
    assert f"{train_size:,} training and {val_size:,} validation images" in printed  # not the final network's

    assert ladder.main(argv) == 0
    assert trained == [(4, 0), (5, 0), (5, 1), (8, 0)] and len(records.read_runs(out)) == 6  # resumed: nothing again
    printed = capsys.readouterr().out
    assert "skip step 4 seed 0" in printed and "Loaded model" in printed and "skip step 7" in printed
    assert "step 8 seed 0: already in" in printed


def test_ladder_summarize_only_rebuilds_the_committed_summary_on_any_machine(monkeypatch, tmp_path, capsys):
    """The newest ladder recorded is summarized whichever CPU runs the command: the committed files agree with it."""
    import shutil

    from lab_utils.precision import PrecisionChoice

    repo = ROOT
    (tmp_path / "results").mkdir()
    for name in ("ladder_runs.csv", "fast_recipe_runs.csv"):
        shutil.copy(repo / "results" / name, tmp_path / "results" / name)
    (tmp_path / "results" / "README.md").write_text("<!-- ladder:start -->\nold\n<!-- ladder:end -->\n")
    monkeypatch.setenv("LAB_PROFILE", "full")
    monkeypatch.setattr(ladder, "ROOT", tmp_path)
    monkeypatch.setattr(ladder, "RESULTS_README", tmp_path / "results" / "README.md")
    monkeypatch.setattr(ladder, "output_paths", lambda profile: (tmp_path / "results" / "ladder_runs.csv", tmp_path))
    monkeypatch.setattr(ladder.precision, "use_best_precision", lambda: PrecisionChoice("float32", "a machine without bf16"))
    assert ladder.main(["--summarize-only"]) == 0
    rebuilt = (tmp_path / "results" / "ladder.md").read_text()
    assert rebuilt == (repo / "results" / "ladder.md").read_text()
    assert rebuilt.removeprefix("# The ablation ladder\n\n").strip() in (repo / "results" / "README.md").read_text()
