"""lab_utils.ladder: the ladder's data split, its configs, and the ensemble members notebook 05 loads or trains."""
import json

import keras
import numpy as np
import pytest

import lab_utils as lab
from lab_utils import ensemble, improved
from lab_utils import ladder as lab_ladder


@pytest.fixture(autouse=True)
def keep_the_precision_policy():
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


@pytest.fixture()
def isolated_artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_ARTIFACTS_DIR", str(tmp_path))
    return tmp_path


def tiny_data(n=40):
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28, 1), dtype="float32")
    y = lab.one_hot(np.arange(n) % 10)
    return {"fit": (x[:30], y[:30]), "val": (x[30:], y[30:]), "test": (x[30:], y[30:])}


def test_split_sizes_hold_out_5000_images_in_full_and_a_fifth_in_smoke():
    assert lab.ladder_split_sizes("full") == (55_000, 5_000, 10_000)
    assert lab.ladder_split_sizes(lab.get_profile("smoke")) == (1_600, 400, 1_000)


def test_split_sizes_refuse_what_is_not_a_profile():
    with pytest.raises(TypeError, match="profile"):
        lab.ladder_split_sizes(3)
    with pytest.raises(ValueError):
        lab.ladder_split_sizes("fastest")


def test_ladder_folder_separates_the_profiles(isolated_artifacts):
    assert lab_ladder.ladder_folder("full") == isolated_artifacts / "ladder"
    assert lab_ladder.ladder_folder("smoke") == isolated_artifacts / "smoke" / "ladder"


def test_step_config_depends_on_profile_and_precision_not_on_seeds():
    step = improved.ladder_steps()[5]
    full = lab_ladder.step_config(step, "full", "mixed_bfloat16")
    assert full["epochs"] == 20 and full["train_size"] == 55_000 and full["val_size"] == 5_000
    assert lab_ladder.step_config(step, "smoke", "mixed_bfloat16")["epochs"] == 1
    assert ensemble.config_hash(full) != ensemble.config_hash(lab_ladder.step_config(step, "full", "float32"))
    assert ensemble.config_hash(full) == ensemble.config_hash(
        lab_ladder.step_config(improved.ladder_steps(seeds=(7, 8))[5], "full", "mixed_bfloat16"))


def test_step_config_refuses_bad_input():
    with pytest.raises(TypeError, match="LadderStep"):
        lab_ladder.step_config("step 5", "full")
    with pytest.raises(ValueError, match="policy"):
        lab_ladder.step_config(improved.ladder_steps()[0], "full", "")


def test_train_ladder_model_refuses_the_ensemble_step_and_bad_data():
    steps = improved.ladder_steps()
    with pytest.raises(ValueError, match="ensemble"):
        lab.train_ladder_model(steps[-1], 0, tiny_data())
    with pytest.raises(ValueError, match="load_ladder_data"):
        lab.train_ladder_model(steps[0], 0, {"fit": None})


def test_train_ladder_model_trains_and_reports_its_facts():
    model, facts = lab.train_ladder_model(improved.ladder_steps()[4], 0, tiny_data(), epochs=1, verbose=0)
    assert model.count_params() == improved.ladder_steps()[4].build().count_params()
    assert facts["epochs_run"] == 1 and facts["kept_epoch"] == 1
    assert 0.0 <= facts["val_accuracy"] <= 1.0
    assert set(facts["history"]) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    json.dumps(facts)  # kept beside the model file: must be JSON


def test_ladder_members_trains_once_then_loads_and_retrains_a_broken_file(isolated_artifacts, monkeypatch):
    calls = []

    def fake_train(step, seed, data, epochs=None, verbose=2):
        calls.append(seed)
        return step.build(), {"val_accuracy": 0.5, "train_seconds": 1.0}

    monkeypatch.setattr(lab_ladder, "train_ladder_model", fake_train)
    data = tiny_data()
    first = lab.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1] and [m.trained for m in first] == [True, True]
    again = lab.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1] and [m.trained for m in again] == [False, False]
    broken = lab_ladder.ladder_folder("smoke") / "step5_1.keras"
    broken.write_bytes(broken.read_bytes()[:100])  # a truncated file
    third = lab.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1, 1] and [m.trained for m in third] == [False, True]


def test_ladder_members_refuses_bad_data():
    with pytest.raises(ValueError, match="load_ladder_data"):
        lab.ladder_members({"fit": 1}, members=1, profile="smoke")
