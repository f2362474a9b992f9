"""Plots of experiments: a sweep's runs by knob (notebook 04) and a learning-rate schedule (notebook 05)."""
import difflib
import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, LogLocator, NullLocator, PercentFormatter

from .checks import check_positive_int
from .models import SEED_CNN_DEFAULTS
from .plots import label_axes, titled

KNOBS = (*SEED_CNN_DEFAULTS, "epochs", "optimizer", "learning_rate", "batch_size", "seed")
ARCHITECTURE_KNOBS = ("filters", "kernel_size", "pool_size", "dense_units", "padding", "architecture")


def check_runs(runs, knob: str, needed=("test_accuracy",)) -> None:
    """Raise a clear error unless ``runs`` is a non-empty table of sweep runs with ``knob`` and ``needed`` columns."""
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"runs must be a DataFrame of runs (say, pd.read_csv('results/sweep_runs.csv')), got "
                        f"{type(runs).__name__}.")
    if not isinstance(knob, str):
        raise TypeError(f"knob must be a column name (str), got {knob!r}.")
    if runs.empty:
        raise ValueError("runs is empty: there is no run to summarize. Did a filter select nothing?")
    if knob not in runs.columns:
        close = difflib.get_close_matches(knob, list(runs.columns), n=2, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"runs has no column {knob!r}.{hint} "
                         f"The knobs are: {', '.join(name for name in KNOBS if name in runs.columns)}.")
    if missing := [name for name in needed if name not in runs.columns]:
        raise ValueError(f"runs lacks the column(s) {', '.join(missing)}: pass the table of sweep runs.")


def _value_label(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "default"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value)) if value else "none"
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def plot_sweep(runs: pd.DataFrame, knob: str, *, against="auto", title=None) -> Figure:
    """Return a Figure of test accuracy for each value of ``knob`` (every run a point, mean ± std a bar)."""
    # against: a second panel, test accuracy against "params" or "train_seconds" ("auto": picked by knob; None: none).
    if against not in ("auto", "params", "train_seconds", None):
        raise ValueError(f"against must be 'auto', 'params', 'train_seconds' or None, got {against!r}.")
    against = ("params" if knob in ARCHITECTURE_KNOBS else "train_seconds") if against == "auto" else against
    check_runs(runs, knob, needed=("test_accuracy",) + ((against,) if against else ()))
    labels = [_value_label(v) for v in runs[knob]]
    # The values in order: sorted when they are all numbers (none missing), else in the order they first appear.
    numbers = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and not pd.isna(v)
                  for v in runs[knob])
    order = [_value_label(v) for v in sorted(set(runs[knob]))] if numbers else list(dict.fromkeys(labels))
    accuracy = runs["test_accuracy"].astype(float).to_numpy()
    fig = Figure(figsize=(11.5, 4.4) if against else (6.5, 4.4), layout="constrained")
    axes = fig.subplots(1, 2 if against else 1, squeeze=False)[0]
    ax, ax2 = axes[0], axes[-1]
    masks = [np.array([label == value for label in labels]) for value in order]
    for position, mask in enumerate(masks):
        points = accuracy[mask]
        offsets = np.linspace(-0.12, 0.12, len(points)) if len(points) > 1 else np.zeros(1)
        ax.scatter(position + offsets, points, s=22, color="tab:blue", alpha=0.6, zorder=2,
                   label="one run (seed)" if position == 0 else None)
        ax.errorbar(position, points.mean(), yerr=points.std(ddof=1) if len(points) > 1 else 0.0, fmt="_",
                    markersize=18, capsize=6, color="black", zorder=3, label="mean ± std" if position == 0 else None)
    ax.set_xticks(range(len(order)), [textwrap.fill(s, 10) for s in order], fontsize="small")  # wrapped: no overlap
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    label_axes(ax, knob, "test accuracy", f"Test accuracy by {knob} ({len(runs)} runs)")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=9)
    if against:
        x = runs[against].astype(float).to_numpy()
        for position, (value, mask) in enumerate(zip(order, masks)):
            ax2.scatter(x[mask], accuracy[mask], s=26, alpha=0.75, color=f"C{position % 10}", label=value)
        if against == "params":
            ax2.set_xscale("log")
            ax2.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax2.xaxis.set_minor_locator(NullLocator())
            ax2.xaxis.set_major_formatter(EngFormatter(sep=""))  # 10k, 2M
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
        params = against == "params"
        label_axes(ax2, "parameters (log scale)" if params else "training time (s)", "test accuracy",
                   "... against " + ("the number of parameters" if params else "training time"))
        ax2.grid(alpha=0.3)
        ax2.legend(title=knob, fontsize=8, title_fontsize=9, loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    return titled(fig, title)


def plot_schedule(schedule, total_steps: int, steps_per_epoch: int | None = None, title=None) -> Figure:
    """Return a Figure of a learning-rate schedule over ``total_steps`` training steps (epochs marked if given)."""
    total_steps = check_positive_int("total_steps", total_steps)
    if steps_per_epoch is not None:
        check_positive_int("steps_per_epoch (or None)", steps_per_epoch)
    if callable(schedule):
        rates = [float(schedule(step)) for step in range(total_steps)]
    elif isinstance(schedule, (int, float)) and not isinstance(schedule, bool) and schedule > 0:
        rates = [float(schedule)] * total_steps
    else:
        raise TypeError(f"schedule must be a Keras schedule (a function of the step) or a positive number, "
                        f"got {type(schedule).__name__}.")
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(total_steps), rates)
    if steps_per_epoch is not None:
        for boundary in range(steps_per_epoch, total_steps, steps_per_epoch):
            ax.axvline(boundary, color="gray", linewidth=0.8, linestyle=":")
    ax.set(xlabel="training step (one mini-batch)" + ("; dotted lines: epochs" if steps_per_epoch else ""),
           ylabel="learning rate", ylim=(0, None), title=title or "Learning rate during training")
    return fig
