"""bench.ladder: the ladder's data split, its configs, and the ensemble members notebook 05 loads or trains."""
import json

import keras
import numpy as np
import pandas as pd
import pytest

import lab_utils as lab
from bench import improved, records
from bench import ladder as bench_ladder
from lab_utils import profiles
from lab_utils.training import TrainingRun

pytestmark = pytest.mark.usefixtures("keep_the_precision_policy")


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
    assert bench_ladder.split_sizes("full") == (55_000, 5_000, 10_000)
    assert bench_ladder.split_sizes(profiles.get_profile("smoke")) == (1_600, 400, 1_000)


def test_split_sizes_refuse_what_is_not_a_profile():
    with pytest.raises(TypeError, match="profile"):
        bench_ladder.split_sizes(3)
    with pytest.raises(ValueError):
        bench_ladder.split_sizes("fastest")


def test_ladder_folder_separates_the_profiles(isolated_artifacts):
    assert bench_ladder.ladder_folder("full") == isolated_artifacts / "ladder"
    assert bench_ladder.ladder_folder("smoke") == isolated_artifacts / "smoke" / "ladder"


def test_step_config_depends_on_profile_and_precision_not_on_seeds():
    step = improved.ladder_steps()[5]
    full = bench_ladder.step_config(step, "full", "mixed_bfloat16")
    assert full["epochs"] == 25 and full["train_size"] == 55_000 and full["val_size"] == 5_000
    assert bench_ladder.step_config(step, "smoke", "mixed_bfloat16")["epochs"] == 1
    assert records.run_id(full) != records.run_id(bench_ladder.step_config(step, "full", "float32"))
    assert records.run_id(full) == records.run_id(
        bench_ladder.step_config(improved.ladder_steps(seeds=(7, 8))[5], "full", "mixed_bfloat16"))
    assert full["input_path"] == "lab.input_pipeline"  # models fed another way are another config


def test_the_ladder_ensemble_has_the_default_number_of_members():
    steps = improved.ladder_steps()
    assert steps[5].seeds == tuple(range(improved.ENSEMBLE_MEMBERS)) and steps[6].seeds == steps[5].seeds
    assert steps[6].name == f"+ ensemble of {improved.ENSEMBLE_MEMBERS}"


def test_step_config_refuses_bad_input():
    with pytest.raises(TypeError, match="LadderStep"):
        bench_ladder.step_config("step 5", "full")
    with pytest.raises(ValueError, match="policy"):
        bench_ladder.step_config(improved.ladder_steps()[0], "full", "")


def test_train_ladder_model_refuses_the_ensemble_step_and_bad_data():
    steps = improved.ladder_steps()
    with pytest.raises(ValueError, match="ensemble"):
        bench_ladder.train_ladder_model(steps[6], 0, tiny_data())
    with pytest.raises(ValueError, match="load_ladder_data"):
        bench_ladder.train_ladder_model(steps[0], 0, {"fit": None})


def test_train_ladder_model_trains_and_reports_its_facts():
    model, facts = bench_ladder.train_ladder_model(improved.ladder_steps()[4], 0, tiny_data(), epochs=1, verbose=0)
    assert model.count_params() == improved.ladder_steps()[4].build().count_params()
    assert facts["epochs_run"] == 1 and facts["kept_epoch"] == 1
    assert 0.0 <= facts["val_accuracy"] <= 1.0
    assert set(facts["history"]) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    json.dumps(facts)  # kept beside the model file: must be JSON


def test_the_final_network_trains_on_the_validation_images_too(monkeypatch):
    seen = {}

    def fake_fit(model, recipe, x, y, *, x_val=None, y_val=None, epochs=None, verbose=2):  # as training.fit
        seen.update(images=len(x), x_val=x_val, recipe=recipe)
        return TrainingRun(history={"loss": [1.0], "accuracy": [0.5]}, train_seconds=1.0, epoch_seconds=[1.0])

    monkeypatch.setattr(bench_ladder.training, "fit", fake_fit)
    final = improved.ladder_steps()[-1]
    model, facts = bench_ladder.train_ladder_model(final, 0, tiny_data(), epochs=1, verbose=0)
    assert seen["images"] == 40 and seen["x_val"] is None and seen["recipe"].early_stopping_patience is None
    assert facts["val_accuracy"] is None and facts["epochs_run"] == facts["kept_epoch"] == 1
    json.dumps(facts, allow_nan=False)  # the facts file refuses NaN: "no validation score" is null


def test_step_sizes_give_the_final_network_the_validation_images():
    steps = improved.ladder_steps()
    assert bench_ladder.step_sizes(steps[5], "full") == (55_000, 5_000)
    assert bench_ladder.step_sizes(steps[-1], "full") == (60_000, 0)
    final = bench_ladder.step_config(steps[-1], "full", "mixed_bfloat16")
    assert (final["train_size"], final["val_size"], final["train_on_validation"]) == (60_000, 0, True)
    with pytest.raises(TypeError, match="LadderStep"):
        bench_ladder.step_sizes(5, "full")


def test_ladder_final_network_trains_once_then_loads(isolated_artifacts, monkeypatch):
    calls = []

    def fake_train(step, seed, data, epochs=None, verbose=2):
        calls.append((step.number, seed))
        return step.build(), {"val_accuracy": None, "train_seconds": 1.0}

    monkeypatch.setattr(bench_ladder, "train_ladder_model", fake_train)
    first = bench_ladder.ladder_final_network(tiny_data(), profile="smoke", verbose=0)
    again = bench_ladder.ladder_final_network(tiny_data(), profile="smoke", verbose=0)
    assert calls == [(8, 0)] and (first.trained, again.trained) == (True, False)
    assert (bench_ladder.ladder_folder("smoke") / "step8_0.keras").exists()
    with pytest.raises(ValueError, match="load_ladder_data"):
        bench_ladder.ladder_final_network({"fit": 1}, profile="smoke")


def test_ladder_members_trains_once_then_loads_and_retrains_a_broken_file(isolated_artifacts, monkeypatch):
    calls = []

    def fake_train(step, seed, data, epochs=None, verbose=2):
        calls.append(seed)
        return step.build(), {"val_accuracy": 0.5, "train_seconds": 1.0}

    monkeypatch.setattr(bench_ladder, "train_ladder_model", fake_train)
    data = tiny_data()
    first = bench_ladder.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1] and [m.trained for m in first] == [True, True]
    again = bench_ladder.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1] and [m.trained for m in again] == [False, False]
    broken = bench_ladder.ladder_folder("smoke") / "step5_1.keras"
    broken.write_bytes(broken.read_bytes()[:100])  # a truncated file
    third = bench_ladder.ladder_members(data, members=2, profile="smoke", verbose=0)
    assert calls == [0, 1, 1] and [m.trained for m in third] == [False, True]


def test_ladder_members_refuses_bad_data():
    with pytest.raises(ValueError, match="load_ladder_data"):
        bench_ladder.ladder_members({"fit": 1}, members=1, profile="smoke")


def test_plot_schedule_draws_every_step_and_returns_a_figure():
    schedule = keras.optimizers.schedules.CosineDecay(3e-4, 80, alpha=0.0, warmup_target=3e-3, warmup_steps=20)
    fig = lab.plot_schedule(schedule, 100, steps_per_epoch=25)
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == 100
    assert max(line.get_ydata()) == pytest.approx(3e-3, rel=0.05)
    assert line.get_ydata()[-1] < 1e-4  # decays to zero
    constant = lab.plot_schedule(1e-3, 10)
    assert set(constant.axes[0].lines[0].get_ydata()) == {1e-3}


@pytest.mark.parametrize("args, error, message", [
    (("fast", 10), TypeError, "schedule"),
    ((1e-3, 0), ValueError, "total_steps"),
    ((1e-3, 2.5), ValueError, "total_steps"),
    ((-1.0, 10), TypeError, "schedule"),
])
def test_plot_schedule_refuses_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        lab.plot_schedule(*args)


def test_plot_schedule_refuses_a_bad_epoch_length():
    with pytest.raises(ValueError, match="steps_per_epoch"):
        lab.plot_schedule(1e-3, 10, steps_per_epoch=0)


def test_ladder_table_formats_each_step_with_its_spread():
    import pandas as pd

    rows = [dict(step=0, name="seed", network="seed_cnn", seed=str(s), members=1, val_accuracy=0.99,
                 test_accuracy=a, train_seconds=100.0) for s, a in enumerate([0.991, 0.993])]
    rows.append(dict(step=6, name="+ ensemble of 2", network="ensemble", seed="0 1", members=2, val_accuracy=0.995,
                     test_accuracy=0.996, train_seconds=200.0))
    rows.append(dict(step=8, name="final", network="improved_cnn", seed="0", members=1, val_accuracy=np.nan,
                     test_accuracy=0.995, train_seconds=120.0))
    table = bench_ladder.ladder_table(pd.DataFrame(rows).assign(**{c: 0 for c in improved.LADDER_COLUMNS
                                                         if c not in rows[0]}))
    assert list(table.step) == [0, 6, 8]
    assert table["validation accuracy"][2] == "(trained on it)"
    assert table["test accuracy (mean ± std)"][0] == "99.20% ± 0.14%"
    assert table["models"][1] == "2 averaged" and table["min – max"][1] == ""
    assert table["training time per model (s)"][1] == "200 (all members)"


def test_ladder_table_refuses_an_empty_table():
    import pandas as pd

    with pytest.raises(ValueError, match="ladder runs"):
        bench_ladder.ladder_table(pd.DataFrame())


def test_newest_ladder_runs_keeps_each_steps_last_config():
    runs = pd.DataFrame({"step": [4, 5, 5, 6, 5, 5, 6, 7],
                         "config_hash": ["a", "old", "old", "old6", "new", "new", "new6", "tta"],
                         "test_accuracy": [0.99, 0.996, 0.995, 0.9965, 0.9961, 0.9958, 0.9968, 0.9969]})
    newest = bench_ladder.newest_ladder_runs(runs)
    assert list(newest.config_hash) == ["a", "new", "new", "new6", "tta"]
    assert list(newest.index) == [0, 4, 5, 6, 7]  # the file's order is kept
    assert bench_ladder.newest_ladder_runs(runs.iloc[0:0]).empty


def test_newest_ladder_runs_refuses_what_is_not_a_ladder_table():
    with pytest.raises(TypeError, match="DataFrame"):
        bench_ladder.newest_ladder_runs([{"step": 1}])
    with pytest.raises(ValueError, match=r"lacks the columns \['config_hash'\]"):
        bench_ladder.newest_ladder_runs(pd.DataFrame({"step": [1]}))


def _versions_runs():
    common = dict(name="+ longer training", network="improved_cnn", members=1)
    rows = [dict(step=5, config_hash="old", seed=s, epochs_run=20, val_accuracy=v, test_accuracy=t,
                 finished_utc=f"2026-11-24T1{s}:00:00Z", **common)
            for s, v, t in ((0, 0.9950, 0.9960), (1, 0.9960, 0.9962))]
    rows += [dict(step=5, config_hash="new", seed=s, epochs_run=25, val_accuracy=v, test_accuracy=t,
                  finished_utc=f"2026-11-25T0{s}:00:00Z", **{**common, "name": "+ longer training, less dropout"})
             for s, v, t in ((0, 0.9964, 0.9966), (1, 0.9962, 0.9964), (2, 0.9966, 0.9962))]
    rows += [dict(step=6, config_hash="ens", seed="0 1 2", epochs_run=75, val_accuracy=0.997, test_accuracy=0.9971,
                  finished_utc="2026-11-25T03:00:00Z", name="+ ensemble of 3", network="ensemble", members=3)]
    return pd.DataFrame(rows)


def test_ladder_step_versions_shows_each_config_of_a_step_oldest_first():
    table = bench_ladder.ladder_step_versions(_versions_runs(), 5)
    assert list(table["what it adds"]) == ["+ longer training", "+ longer training, less dropout"]
    assert list(table.networks) == [2, 3] and list(table.epochs) == [20, 25]
    assert list(table["validation accuracy (mean)"]) == ["99.55%", "99.64%"]
    assert list(table["test accuracy (mean)"]) == ["99.61%", "99.64%"]
    assert list(table.finished) == ["2026-11-24", "2026-11-25"]
    ensemble = bench_ladder.ladder_step_versions(_versions_runs(), 6)
    assert list(ensemble.networks) == ["3 averaged"] and list(ensemble.epochs) == [25]  # epochs per member
    final = _versions_runs().iloc[:1].assign(step=8, val_accuracy=np.nan)
    assert list(bench_ladder.ladder_step_versions(final, 8)["validation accuracy (mean)"]) == ["(trained on it)"]


def test_ladder_step_versions_refuses_a_missing_step_or_table():
    with pytest.raises(ValueError, match=r"no rows of step 9; its steps are \[5, 6\]"):
        bench_ladder.ladder_step_versions(_versions_runs(), 9)
    with pytest.raises(TypeError, match="DataFrame"):
        bench_ladder.ladder_step_versions([{"step": 5}], 5)
    with pytest.raises(ValueError, match="lacks the columns"):
        bench_ladder.ladder_step_versions(pd.DataFrame({"step": [5]}), 5)
