"""The five sweep sets (the same as scripts/sweep.py's), loading committed or fresh runs, and judging differences
against seed noise: summaries, comparisons and plots of a sweep table, bad inputs included.

Training is replaced by a fake that returns made-up scores at once, as in tests/test_sweeps.py.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scripts_loader import load_script

import lab_utils as lab
from bench import sweeps

ROOT = Path(__file__).resolve().parents[1]
SETS = ("architecture", "layer_sizes", "epochs", "optimizer", "batch_size")


sweep_script = load_script("scripts/sweep.py", "sweep_script_for_sets")


@pytest.fixture
def data():
    """40 blank training and 20 test images with digits as labels: enough for the fake training."""
    images = np.zeros((40, 28, 28), dtype="uint8")
    return (images, np.arange(40) % 10), (images[:20], np.arange(20) % 10)


@pytest.fixture
def fake_training(monkeypatch):
    """Replace Keras training with a fake: accuracy 0.9 + 0.001 * seed, minus 0.05 for plain SGD; records each call."""
    calls = []

    def train(config, x_train, y_train, x_test, y_test, *, epochs, precision, verbose):
        calls.append(dict(config))
        curve = [0.5] * epochs
        accuracy = 0.9 + 0.001 * config["seed"] - (0.05 if config["optimizer"] == "sgd" else 0.0)
        return {"params": 1000 + sum(config["filters"]), "epoch_seconds": [0.01] * epochs,
                "train_seconds": 0.01 * epochs,
                "history": {"loss": curve, "accuracy": curve, "val_loss": curve, "val_accuracy": curve},
                "test_loss": 0.3, "test_accuracy": accuracy}

    monkeypatch.setattr(sweeps, "_train_one", train)
    return calls


def table(knob, values_by_seed, sweep=None, profile="full", params=995_060):
    """A sweep table for one knob: {value: [accuracy of seed 0, seed 1, ...]}."""
    rows = []
    for value, accuracies in values_by_seed.items():
        for seed, accuracy in enumerate(accuracies):
            config = {**sweeps.SWEEP_DEFAULTS, **sweeps.SWEEP_SET_BASE, knob: value, "seed": seed}
            rows.append({"sweep": sweep or knob, "knob": knob, **config, "config_id": sweeps.config_id(config),
                         "architecture": sweeps.describe_architecture(config), "params": params,
                         "test_accuracy": accuracy, "train_seconds": 10.0, "profile": profile})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# The sets agree with scripts/sweep.py
# ---------------------------------------------------------------------------------------------------------------

def test_sets_and_base_are_those_of_the_sweep_script():
    assert sweeps.SWEEP_SET_BASE == sweep_script.BASE
    assert sweeps.sweep_sets() == sweep_script.SWEEPS
    assert list(sweeps.sweep_sets()) == list(sweep_script.SWEEPS) == list(SETS)


@pytest.mark.parametrize("names, seeds", [
    (list(SETS), [0, 1, 2]), (["optimizer", "epochs"], [0]), (["layer_sizes"], [2, 0]),
])
def test_plan_is_the_sweep_scripts_plan_run_for_run(names, seeds):
    ours, theirs = sweeps.sweep_plan(names, seeds), sweep_script.build_plan(names, seeds)
    assert [(s, k, list(c.items())) for s, k, c in ours] == [(s, k, list(c.items())) for s, k, c in theirs]
    assert [sweeps.config_id(c) for _, _, c in ours] == [sweeps.config_id(c) for _, _, c in theirs]


def test_plan_defaults_to_every_set_with_three_seeds_and_drops_repeats():
    assert sweeps.sweep_plan() == sweep_script.build_plan(list(SETS), [0, 1, 2])
    assert len(sweeps.sweep_plan()) == 90
    assert sweeps.sweep_plan("epochs", 0) == sweeps.sweep_plan(["epochs", "epochs"], [0, 0])


def test_sets_are_a_fresh_copy_each_time():
    sets = sweeps.sweep_sets()
    sets["epochs"][0][1].append({"epochs": 100})
    sets["optimizer"][0][1][0]["optimizer"] = "nadam"
    assert sweeps.sweep_sets() == sweep_script.SWEEPS


@pytest.mark.parametrize("names, seeds, error, message", [
    ("optimiser", [0], ValueError, r"unknown sweep set 'optimiser'\. Did you mean 'optimizer'\?"),
    ([], [0], TypeError, "non-empty list"),
    ([3], [0], TypeError, "each set name must be a str"),
    ({"epochs"}, [0], TypeError, "a set name or a non-empty list"),
    (None, [], TypeError, "seeds must be a non-empty list"),
    (None, "0", TypeError, "seeds must be a non-empty list"),
    (None, [0, -1], ValueError, "each seed must be a non-negative whole number"),
    (None, [True], ValueError, "each seed must be a non-negative whole number"),
    (None, [0.5], ValueError, "each seed must be a non-negative whole number"),
])
def test_plan_refuses_unknown_sets_and_bad_seeds(names, seeds, error, message):
    with pytest.raises(error, match=message):
        sweeps.sweep_plan(names, seeds)


# ---------------------------------------------------------------------------------------------------------------
# Running sets, and loading committed runs
# ---------------------------------------------------------------------------------------------------------------

def test_run_sweep_sets_returns_rows_as_the_csv_holds_them(data, fake_training, tmp_path):
    runs = sweeps.run_sweep_sets(data, ["epochs", "optimizer"], [0, 1], cache_dir=tmp_path, profile="smoke", verbose=0)
    plan = sweeps.sweep_plan(["epochs", "optimizer"], [0, 1])
    assert list(runs.columns[:2]) == ["sweep", "knob"] and "cached" not in runs.columns
    assert list(zip(runs.sweep, runs.knob)) == [(s, k) for s, k, _ in plan]
    assert len(fake_training) == len({sweeps.config_id(c) for _, _, c in plan})  # the base is trained once


def test_a_missing_file_means_every_set_is_trained_here(data, fake_training, tmp_path, capsys):
    runs = sweeps.load_sweep_results(tmp_path / "none.csv", data=data, seeds=[0], cache_dir=tmp_path, profile="smoke")
    out = capsys.readouterr().out
    assert "No file" in out and "running every set here" in out and "Running architecture, layer_sizes" in out
    assert list(dict.fromkeys(runs.sweep)) == list(SETS)
    assert len(runs) == len(sweeps.sweep_plan(seeds=[0]))
    assert "not in the table" not in out


def test_a_partial_file_is_read_as_it_is_and_says_what_it_lacks(data, fake_training, tmp_path, capsys):
    path = tmp_path / "sweep_runs.csv"
    committed = sweeps.run_sweep_sets(data, ["epochs"], [0], cache_dir=tmp_path, profile="smoke", verbose=0)
    committed.to_csv(path, index=False)
    fake_training.clear()
    runs = sweeps.load_sweep_results(path, cache_dir=tmp_path, profile="smoke")
    out = capsys.readouterr().out
    assert fake_training == [] and set(runs.sweep) == {"epochs"}
    assert "Read 5 runs" in out and "epochs        5 of 5 configs, seed 0; profile smoke" in out
    assert "optimizer     not in the table yet" in out
    assert "RERUN = ['architecture', 'layer_sizes', 'optimizer', 'batch_size']" in out
    assert runs["filters"][0] == (75, 100)  # read back as tuples


def test_rerun_replaces_the_named_sets_and_keeps_the_others(data, fake_training, tmp_path, capsys):
    path = tmp_path / "sweep_runs.csv"
    committed = sweeps.run_sweep_sets(data, ["epochs", "batch_size"], [0, 1], cache_dir=tmp_path / "a", profile="smoke",
                                      verbose=0)
    committed.assign(test_accuracy=0.5).to_csv(path, index=False)
    fake_training.clear()
    runs = sweeps.load_sweep_results(path, rerun="batch_size", data=data, seeds=[0], cache_dir=tmp_path / "b",
                                     profile="smoke", verbose=0)
    assert capsys.readouterr().out == ""  # verbose=0
    assert list(dict.fromkeys(runs.sweep)) == ["epochs", "batch_size"]
    assert (runs[runs.sweep == "epochs"].test_accuracy == 0.5).all() and len(runs[runs.sweep == "epochs"]) == 10
    assert (runs[runs.sweep == "batch_size"].test_accuracy > 0.5).all() and len(runs[runs.sweep == "batch_size"]) == 4
    assert len(fake_training) == 4
    everything = sweeps.load_sweep_results(path, rerun=True, data=data, seeds=[0], cache_dir=tmp_path / "b",
                                           profile="smoke", verbose=0)
    assert list(dict.fromkeys(everything.sweep)) == list(SETS) and (everything.test_accuracy > 0.5).all()


@pytest.mark.parametrize("rerun, error, message", [
    ("optimiser", ValueError, r"rerun: unknown sweep set 'optimiser'\. Did you mean 'optimizer'\?"),
    (3, TypeError, "rerun must be a set name"),
    ([], TypeError, "rerun must be a set name"),
    (["epochs", None], TypeError, "each set name must be a str"),
])
def test_load_refuses_a_bad_rerun_before_anything_trains(rerun, error, message, fake_training, tmp_path):
    with pytest.raises(error, match=message):
        sweeps.load_sweep_results(tmp_path / "none.csv", rerun=rerun)
    assert fake_training == []


def test_load_refuses_files_that_are_not_sweep_tables(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("seed,test_accuracy\n0,0.99\n")
    with pytest.raises(ValueError, match="is not a sweep table .*lacks sweep, knob"):
        sweeps.load_sweep_results(other)
    header_only = tmp_path / "header.csv"
    header_only.write_text("sweep,knob,test_accuracy\n")
    with pytest.raises(ValueError, match="holds no runs"):
        sweeps.load_sweep_results(header_only)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01")
    with pytest.raises(ValueError, match="not a readable results table"):
        sweeps.load_sweep_results(binary)
    with pytest.raises(TypeError, match="seeds must be"):
        sweeps.load_sweep_results(other, seeds=[])


# ---------------------------------------------------------------------------------------------------------------
# Judging differences against seed noise
# ---------------------------------------------------------------------------------------------------------------

def test_describe_sweep_separates_noise_from_real_differences():
    runs = table("optimizer", {"sgd": [0.960, 0.962, 0.958], "adam": [0.990, 0.991, 0.989],
                               "adamw": [0.9895, 0.9905, 0.9885]})
    text = sweeps.describe_sweep(runs, "optimizer")
    assert text.startswith("optimizer: 3 values, 9 runs (seeds 0, 1, 2); seed spread (pooled std) 0.14 points.")
    assert "Best: adam (99.00%)." in text
    assert "Within seed noise of the best: adamw (-0.05, noise ±0.16)." in text  # 2 * 0.1 * sqrt(2/3)
    assert "Clearly below it: sgd (-3.00, noise ±0.26)." in text
    assert "  sgd    96.00% ± 0.20 (3)     10 s     995,060" in text


def test_one_erratic_value_does_not_blur_the_other_comparisons():
    runs = table("optimizer", {"adam": [0.990, 0.991, 0.989], "sgd_momentum": [0.980, 0.9805, 0.9795],
                               "adagrad": [0.75, 0.80, 0.85]})  # a spread of 5 points
    text = sweeps.describe_sweep(runs, "optimizer")
    assert "seed spread (pooled std) 2.89 points" in text  # over all values: adagrad dominates
    assert "Within seed noise of the best: none." in text
    assert "Clearly below it: sgd_momentum (-1.00, noise ±0.13), adagrad (-19.00, noise ±5.77)." in text


def test_describe_sweep_narrows_a_sweep_table_to_the_knob_and_says_when_it_is_absent():
    runs = pd.concat([table("optimizer", {"adam": [0.99, 0.98]}), table("batch_size", {32: [0.5], 200: [0.6]})],
                     ignore_index=True)
    assert sweeps.describe_sweep(runs, "optimizer").startswith("optimizer: 1 value")
    one_seed = sweeps.describe_sweep(runs, "batch_size")
    assert "no seed spread yet" in one_seed and "no difference can be called real yet" in one_seed
    assert "Best: 200 (60.00%)." in one_seed
    absent = sweeps.describe_sweep(runs, "kernel_size")
    assert absent.startswith("No runs of the kernel_size sweep") and "RERUN = ['layer_sizes']" in absent
    with pytest.raises(ValueError, match=r"no sweep set varies 'epoch'\. Did you mean 'epochs'\?"):
        sweeps.describe_sweep(runs, "epoch")
    with pytest.raises(TypeError, match="runs must be a DataFrame"):
        sweeps.describe_sweep(runs.to_dict("records"), "optimizer")
    with pytest.raises(TypeError, match="knob must be a column name"):
        sweeps.describe_sweep(runs, 3)


def test_compare_runs_says_whether_a_difference_is_within_seed_noise():
    reference = table("epochs", {1: [0.980, 0.982, 0.978]})
    close = sweeps.compare_runs(table("pool_size", {3: [0.979]}), reference)
    assert "Your run: 97.90% (1 run, profile full)." in close and "The reference: 98.00% ± 0.20 (3 runs" in close
    assert "Difference: -0.10 points." in close and "within seed noise" in close
    far = sweeps.compare_runs(table("pool_size", {3: [0.970]}), reference)
    assert "beyond seed noise" in far
    other_profile = sweeps.compare_runs(table("pool_size", {3: [0.5]}, profile="smoke"), reference)
    assert "different profiles" in other_profile and "seed noise" not in other_profile
    single = sweeps.compare_runs(table("pool_size", {3: [0.97]}), reference.iloc[:1])
    assert "no seed spread" in single
    assert sweeps.compare_runs(reference, reference.iloc[:0]) == "Nothing to compare: the reference has no runs."
    named = sweeps.compare_runs(reference, reference, names=("these", "those"))
    assert named.startswith("These: 98.00%")


@pytest.mark.parametrize("args, error, message", [
    (([{"test_accuracy": 0.9}], pd.DataFrame()), TypeError, "runs must be a DataFrame"),
    ((pd.DataFrame({"accuracy": [0.9]}), pd.DataFrame({"test_accuracy": [0.9]})), ValueError, "runs lacks the column"),
    ((pd.DataFrame({"test_accuracy": [0.9]}), None), TypeError, "reference must be a DataFrame"),
])
def test_compare_runs_refuses_what_is_not_runs(args, error, message):
    with pytest.raises(error, match=message):
        sweeps.compare_runs(*args)
    with pytest.raises(TypeError, match="names must be two strings"):
        sweeps.compare_runs(pd.DataFrame({"test_accuracy": [0.9]}), pd.DataFrame({"test_accuracy": [0.9]}), names="me")


def test_summarize_configs_averages_seeds_counts_shared_runs_once_and_labels_each_config(data, fake_training, tmp_path):
    runs = sweeps.run_sweep_sets(data, ["architecture", "optimizer"], [0, 1], cache_dir=tmp_path, profile="smoke",
                                 verbose=0)
    summary = sweeps.summarize_configs(runs)
    assert len(summary) == 5 + 6 - 1  # the base is in both sets
    base = summary.set_index("config").loc["base"]
    assert base.runs == 2 and base.sweeps == "architecture, optimizer" and base.params == 1175
    assert np.isclose(base.test_accuracy_mean, 0.9005) and np.isclose(base.test_accuracy_std, 0.001 / np.sqrt(2))
    assert base.val_accuracy_mean == 0.5  # the fake's validation curve
    assert list(summary.columns) == ["config", "architecture", "params", "runs", "test_accuracy_mean",
                                     "test_accuracy_std", "val_accuracy_mean", "train_seconds_mean", "sweeps",
                                     "profile"]
    assert list(summary.config[:5]) == ["filters=(75,)", "base", "filters=(75, 100, 125) padding=same",
                                        "dense_units=()", "dense_units=(500, 500)"]
    assert "optimizer=sgd" in set(summary.config) and summary.profile.unique().tolist() == ["smoke"]
    # read back from CSV: learning_rate comes back NaN, tuples come back as text, and the labels stay the same
    path = tmp_path / "runs.csv"
    runs.to_csv(path, index=False)
    assert sweeps.summarize_configs(sweeps.read_sweep(path)).equals(summary)


def test_summarize_configs_keeps_profiles_apart_and_refuses_bad_tables():
    runs = pd.concat([table("epochs", {1: [0.98, 0.97]}), table("epochs", {1: [0.5]}, profile="smoke")],
                     ignore_index=True)
    summary = sweeps.summarize_configs(runs)
    assert summary[["config", "profile", "runs"]].values.tolist() == [["epochs=1", "full", 2], ["epochs=1", "smoke", 1]]
    assert np.isnan(summary.test_accuracy_std[1]) and "val_accuracy_mean" not in summary  # a table without it
    empty = sweeps.summarize_configs(runs.iloc[:0])  # a set not in the table yet: no rows, the same columns
    assert empty.empty and list(empty.columns) == [c for c in summary.columns]
    with pytest.raises(ValueError, match="lacks the column"):
        sweeps.summarize_configs(pd.DataFrame())
    with pytest.raises(ValueError, match="lacks the column.*params"):
        sweeps.summarize_configs(runs.drop(columns="params"))
    with pytest.raises(TypeError, match="runs must be a DataFrame"):
        sweeps.summarize_configs(runs.to_dict("records"))


def test_plot_sweep_set_plots_one_knob_or_says_it_is_absent(capsys):
    runs = pd.concat([table("optimizer", {"sgd": [0.96, 0.95], "adam": [0.99, 0.98]}),
                      table("filters", {(16, 32): [0.98, 0.985]}, sweep="layer_sizes", params=50_000)],
                     ignore_index=True)
    fig = sweeps.plot_sweep_set(runs, "optimizer")
    assert isinstance(fig, Figure) and len(fig.axes) == 2 and "8 runs" not in fig.axes[0].get_title()
    assert fig.axes[0].get_title() == "Test accuracy by optimizer (4 runs)"
    assert len(sweeps.plot_sweep_set(runs, "filters", against=None).axes) == 1
    assert sweeps.plot_sweep_set(runs, "batch_size") is None
    assert "No runs of the batch_size sweep" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no sweep set varies 'optimiser'"):
        sweeps.plot_sweep_set(runs, "optimiser")


def test_the_sweep_machinery_lives_in_bench_not_in_the_notebooks_package():
    for name in ("sweep_sets", "sweep_plan", "load_sweep_results", "plot_sweep_set", "describe_sweep", "compare_runs",
                 "summarize_configs", "SWEEP_SET_BASE", "run_sweep", "grid"):
        assert hasattr(sweeps, name), f"bench.sweeps lost {name}"
        assert not hasattr(lab, name), f"lab_utils exports {name}: the sweep machinery belongs to bench"
    assert sweeps.plot_sweep is lab.plot_sweep, "one plot of a sweep: lab_utils's, which notebook 04 calls"
