"""Tests for lab_utils/experiments.py: plot_sweep (notebook 04) and plot_schedule (notebook 05). No training."""
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from lab_utils.experiments import KNOBS, plot_schedule, plot_sweep

pytestmark = pytest.mark.usefixtures("no_pyplot_figures")

SWEEP_RUNS = Path(__file__).resolve().parents[1] / "results" / "sweep_runs.csv"


@pytest.fixture(scope="module")
def runs():
    """The committed sweep, read as notebook 04 reads it: with pandas, so filters are strings like "(75, 100)"."""
    return pd.read_csv(SWEEP_RUNS)


def synthetic(knob, values, seeds=3):
    rows = [{knob: value, "seed": seed, "test_accuracy": 0.98 + 0.001 * i + 0.0002 * seed, "params": 1000 * (i + 1),
             "train_seconds": 10.0 * (i + 1) + seed} for i, value in enumerate(values) for seed in range(seeds)]
    return pd.DataFrame(rows)


def tick_labels(ax):
    return [tick.get_text() for tick in ax.get_xticklabels()]


@pytest.mark.parametrize("knob, against", [("filters", "train_seconds"), ("architecture", "auto"), ("epochs", "auto"),
                                           ("optimizer", None), ("batch_size", "params")])
def test_plot_sweep_draws_each_committed_sweep_as_notebook_04_calls_it(runs, knob, against):
    selected = runs[runs.knob == knob]
    fig = plot_sweep(selected, knob, against=against, title="a sweep")
    assert isinstance(fig, Figure) and fig.get_suptitle() == "a sweep"
    assert len(fig.axes) == (1 if against is None else 2)
    ax = fig.axes[0]
    assert ax.get_title() == f"Test accuracy by {knob} ({len(selected)} runs)"
    values = selected[knob].drop_duplicates()
    assert len(tick_labels(ax)) == len(values)
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())])
    assert len(points) >= len(selected)  # every run is a point (the error bars add their own artists)


def test_plot_sweep_keeps_filters_in_the_order_of_the_file(runs):
    fig = plot_sweep(runs[runs.knob == "filters"], "filters", against="train_seconds")
    assert tick_labels(fig.axes[0]) == ["(16, 32)", "(32, 64)", "(75, 100)", "(128, 160)"]
    assert fig.axes[1].get_xlabel() == "training time (s)"
    assert [text.get_text() for text in fig.axes[1].get_legend().get_texts()] == tick_labels(fig.axes[0])


def test_plot_sweep_auto_picks_parameters_for_architecture_knobs_and_time_for_the_others():
    assert plot_sweep(synthetic("kernel_size", [3, 5, 7]), "kernel_size").axes[1].get_xlabel() == \
        "parameters (log scale)"
    assert plot_sweep(synthetic("optimizer", ["adam", "sgd"]), "optimizer").axes[1].get_xlabel() == \
        "training time (s)"


def test_plot_sweep_sorts_numbers_and_labels_tuples_and_defaults():
    fig = plot_sweep(synthetic("batch_size", [200, 32, 1000]), "batch_size", against=None)
    assert tick_labels(fig.axes[0]) == ["32", "200", "1000"]
    fig = plot_sweep(synthetic("dense_units", [[500], [], [500, 500]]), "dense_units", against=None)
    assert tick_labels(fig.axes[0]) == ["500", "none", "500, 500"]
    fig = plot_sweep(synthetic("learning_rate", [np.nan, 1e-3, np.nan]), "learning_rate", against=None)
    assert tick_labels(fig.axes[0]) == ["default", "0.001"]  # every missing value is the one default


def test_plot_sweep_marks_the_mean_and_spread_of_each_value():
    runs = synthetic("batch_size", [32, 200])
    fig = plot_sweep(runs, "batch_size", against=None)
    bars = fig.axes[0].containers  # one error bar per value: its centre the mean, its half-height the spread
    groups = runs.groupby("batch_size").test_accuracy
    np.testing.assert_allclose([bar.lines[0].get_ydata()[0] for bar in bars], groups.mean())
    spans = [np.ptp(bar.lines[2][0].get_segments()[0][:, 1]) / 2 for bar in bars]
    np.testing.assert_allclose(spans, groups.std(ddof=1))


@pytest.mark.parametrize("args, kwargs, error, message", [
    (("not a frame", "filters"), {}, TypeError, "runs must be a DataFrame of runs.*got str"),
    ((None, "filters"), {}, TypeError, "got NoneType"),
    ((pd.DataFrame({"filters": [], "test_accuracy": []}), "filters"), {}, ValueError, "runs is empty"),
    ((synthetic("batch_size", [32]), 3), {}, TypeError, r"knob must be a column name \(str\), got 3"),
    ((synthetic("batch_size", [32]), "batch_sizes"), {}, ValueError,
     r"runs has no column 'batch_sizes'\. Did you mean 'batch_size'\? The knobs are: batch_size, seed\."),
    ((synthetic("batch_size", [32]).drop(columns="test_accuracy"), "batch_size"), {}, ValueError,
     r"runs lacks the column\(s\) test_accuracy"),
    ((synthetic("batch_size", [32]).drop(columns="params"), "batch_size"), {"against": "params"}, ValueError,
     r"lacks the column\(s\) params"),
    ((synthetic("batch_size", [32]), "batch_size"), {"against": "time"}, ValueError,
     "against must be 'auto', 'params', 'train_seconds' or None, got 'time'"),
])
def test_plot_sweep_refuses_bad_input_clearly(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_sweep(*args, **kwargs)


def test_the_knobs_are_the_seed_cnn_layers_then_the_training_ones():
    assert KNOBS == ("filters", "kernel_size", "pool_size", "dense_units", "conv_dropout", "dense_dropout", "padding",
                     "epochs", "optimizer", "learning_rate", "batch_size", "seed")


def test_plot_schedule_draws_every_step_and_marks_the_epochs():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([40, 80], [3e-3, 1e-3, 1e-4])
    fig = plot_schedule(schedule, 100, steps_per_epoch=25, title="A step schedule")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    rates = ax.lines[0].get_ydata()
    assert len(rates) == 100 and rates[0] == pytest.approx(3e-3) and rates[-1] == pytest.approx(1e-4)
    assert len(ax.lines) == 1 + 3  # the schedule and a dotted line at steps 25, 50 and 75
    assert ax.get_title() == "A step schedule" and "dotted lines: epochs" in ax.get_xlabel()
    assert ax.get_ylim()[0] == 0


def test_plot_schedule_of_a_constant_rate_is_flat():
    fig = plot_schedule(1e-3, 10)
    assert set(fig.axes[0].lines[0].get_ydata()) == {1e-3} and len(fig.axes[0].lines) == 1
    assert fig.axes[0].get_title() == "Learning rate during training"
    assert plot_schedule(lambda step: 0.1 / (1 + step), 5).axes[0].lines[0].get_ydata()[-1] == pytest.approx(0.02)


@pytest.mark.parametrize("args, kwargs, error, message", [
    (("fast", 10), {}, TypeError, "schedule must be a Keras schedule .* or a positive number, got str"),
    ((-1.0, 10), {}, TypeError, "schedule"),
    ((0, 10), {}, TypeError, "schedule"),
    ((True, 10), {}, TypeError, "got bool"),
    ((1e-3, 0), {}, ValueError, "total_steps must be a positive integer"),
    ((1e-3, 2.5), {}, ValueError, "total_steps must be a positive integer"),
    ((1e-3, True), {}, ValueError, "total_steps"),
    ((1e-3, 10), {"steps_per_epoch": 0}, ValueError, r"steps_per_epoch \(or None\) must be a positive integer"),
    ((1e-3, 10), {"steps_per_epoch": 2.5}, ValueError, "steps_per_epoch"),
])
def test_plot_schedule_refuses_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_schedule(*args, **kwargs)


def test_long_category_labels_are_wrapped_so_that_neighbours_do_not_overlap(runs):
    fig = plot_sweep(runs[runs.knob == "architecture"], "architecture", against=None)
    lines = [line for label in tick_labels(fig.axes[0]) for line in label.splitlines()]
    assert max(map(len, lines)) <= 10 and len(lines) > len(tick_labels(fig.axes[0]))
