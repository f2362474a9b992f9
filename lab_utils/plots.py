"""Plots for the lab: digits, learning curves, confusion matrices, mistakes, class balance and pixel values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .data import IMAGE_SIZE, NUM_CLASSES

# Figures are built with matplotlib.figure.Figure, never pyplot: a notebook shows a returned Figure once,
# and nothing piles up in pyplot's registry of open figures.
_CMAP = "gray_r"  # dark ink on white paper, as the digits were written
_WRONG = "tab:red"


# ---------------------------------------------------------------------------------------------------------------
# Checking inputs
# ---------------------------------------------------------------------------------------------------------------

_IMAGE_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1), (IMAGE_SIZE * IMAGE_SIZE,))


def _as_images(images, name: str = "images") -> np.ndarray:
    """Return a non-empty batch of MNIST images as (n, 28, 28), dtype and scale unchanged."""
    x = np.asarray(images)
    if x.ndim < 2 or x.shape[1:] not in _IMAGE_SHAPES or len(x) == 0:
        hint = ""
        if x.shape in _IMAGE_SHAPES:
            hint = f" For a single image, pass {name}[i:i+1] (or image[None])."
        raise ValueError(
            f"{name} must be a non-empty batch of MNIST images shaped (n, 28, 28), (n, 28, 28, 1) or (n, 784), "
            f"got an array of shape {x.shape}.{hint}"
        )
    if np.issubdtype(x.dtype, np.integer):
        if x.min() < 0 or x.max() > 255:
            raise ValueError(
                f"integer {name} must hold pixel values 0..255 (found {x.min()}..{x.max()}); pass the uint8 images."
            )
    elif np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} contain NaN or infinite pixel values; pass the uint8 images or floats in [0, 1].")
        if x.min() < 0.0 or x.max() > 1.0:
            raise ValueError(
                f"float {name} must lie in [0, 1] (found {x.min():.3g}..{x.max():.3g}); divide uint8 pixels by 255, "
                f"or pass the uint8 images themselves."
            )
    else:
        raise ValueError(f"{name} must be uint8 (0..255) or float (0..1) pixels, got dtype {x.dtype}.")
    return x.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def _pixel_max(x: np.ndarray) -> float:
    """Return the value of full ink: 255 for integer pixels, 1.0 for float pixels."""
    return 255 if np.issubdtype(x.dtype, np.integer) else 1.0


def _check_labels(labels, name: str = "labels", num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Return labels as a non-empty 1-D integer array with every value in 0..num_classes-1."""
    y = np.asarray(labels)
    if y.ndim == 2:
        raise ValueError(
            f"{name} must be a 1-D array of digits 0..{num_classes - 1}, got shape {y.shape}: these look like "
            f"one-hot labels or predicted probabilities. Pass {name}.argmax(axis=1) instead."
        )
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of digits 0..{num_classes - 1}, got shape {y.shape}.")
    if y.size == 0:
        raise ValueError(f"{name} is empty; pass at least one label.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{name} must be integers 0..{num_classes - 1}, got dtype {y.dtype}; "
            f"if they are whole numbers, pass {name}.astype(int)."
        )
    bad = (y < 0) | (y >= num_classes)
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"{name} must lie in 0..{num_classes - 1}, but holds {y[first]} at index {first} "
            f"(range found: {y.min()}..{y.max()})."
        )
    return y


def _check_probabilities(probabilities, name: str = "probabilities") -> np.ndarray:
    """Return predicted probabilities as a float array of shape (n, num_classes), each row summing to 1."""
    p = np.asarray(probabilities)
    if p.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D (n, num_classes), as model.predict(x) returns, got shape {p.shape}: "
            f"these look like predicted labels. Pass the probabilities from model.predict(x)."
        )
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (n, num_classes) with at least 2 classes, as model.predict(x) "
            f"returns, got shape {p.shape}."
        )
    if not (np.issubdtype(p.dtype, np.floating) or np.issubdtype(p.dtype, np.integer)):
        raise ValueError(f"{name} must be numbers, got dtype {p.dtype}.")
    p = p.astype("float64")
    if not np.isfinite(p).all() or p.min() < 0.0 or p.max() > 1.0 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-2):
        raise ValueError(
            f"{name} must be probabilities: values in [0, 1] with every row summing to 1. If the model's last "
            f"layer has no softmax, these are logits: apply keras.ops.softmax to them first."
        )
    return p


def _check_same_length(name: str, n: int, other: str, m: int) -> None:
    if n != m:
        raise ValueError(f"{name} has {n:,} entries but {other} has {m:,}; pass one entry for each image.")


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
    return int(value)


# ---------------------------------------------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------------------------------------------

def _image_grid(x: np.ndarray, titles: list[str], colors: list[str], ncols: int, suptitle=None) -> Figure:
    """Return a Figure with one panel per image in x, titled and coloured as given, no ticks."""
    n = len(x)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    title_lines = max((t.count("\n") + 1 for t in titles if t), default=0)
    height = nrows * (1.15 + 0.22 * title_lines) + (0.4 if suptitle else 0.0)
    fig = Figure(figsize=(1.2 * ncols + 0.2, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    vmax = _pixel_max(x)
    for ax, image, title, color in zip(axes, x, titles, colors):
        ax.imshow(image, cmap=_CMAP, vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(title, color=color, fontsize=10)
        if color == _WRONG:
            for spine in ax.spines.values():
                spine.set_color(_WRONG)
                spine.set_linewidth(1.5)
    for ax in axes[n:]:
        ax.remove()  # an incomplete last row: no empty frames
    if suptitle:
        fig.suptitle(suptitle, fontsize=13)
    return fig


def _message_figure(text: str) -> Figure:
    """Return a small Figure that only says ``text`` (an empty selection is an answer, not an error)."""
    fig = Figure(figsize=(5, 1.6), layout="constrained")
    ax = fig.subplots()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def plot_digit_grid(images, labels=None, predictions=None, ncols=10, max_images=50, title=None) -> Figure:
    """Return a Figure with a grid of the first ``max_images`` digits, titled with their labels.

    With ``predictions``, a wrong prediction is titled ``"7 → 2"`` (label → prediction) in red.
    An empty selection (for example no mistakes to show) gives a Figure that says so.
    """
    raw = np.asarray(images)
    if raw.ndim >= 2 and len(raw) == 0 and raw.shape[1:] in _IMAGE_SHAPES:
        return _message_figure("No digits to show" + (f"\n({title})" if title else ""))
    x = _as_images(images)
    ncols = _check_positive_int(ncols, "ncols")
    max_images = _check_positive_int(max_images, "max_images")
    if predictions is not None and labels is None:
        raise ValueError("predictions are compared with labels: pass labels= too.")
    total = len(x)
    x = x[:max_images]
    titles, colors = [""] * len(x), ["black"] * len(x)
    if labels is not None:
        y = _check_labels(labels)
        _check_same_length("labels", len(y), "images", total)
        y = y[:max_images]
        titles = [str(label) for label in y]
        if predictions is not None:
            pred = _check_labels(predictions, "predictions")
            _check_same_length("predictions", len(pred), "images", total)
            for i, (label, guess) in enumerate(zip(y, pred[:max_images])):
                if label != guess:
                    titles[i], colors[i] = f"{label} → {guess}", _WRONG
    return _image_grid(x, titles, colors, ncols, title)


def plot_mean_digits(images, labels) -> Figure:
    """Return a Figure with the mean image of each digit 0..9 in one row, titled with the number of examples."""
    x = _as_images(images)
    y = _check_labels(labels)
    _check_same_length("labels", len(y), "images", len(x))
    counts = np.bincount(y, minlength=NUM_CLASSES)
    missing = np.flatnonzero(counts == 0)
    if missing.size:
        raise ValueError(
            f"digit(s) {', '.join(map(str, missing))} do not appear in labels, so they have no mean image; "
            f"pass a sample that holds every digit 0..9 (the whole training set does)."
        )
    fig = Figure(figsize=(12, 2.1), layout="constrained")
    axes = fig.subplots(1, NUM_CLASSES)
    vmax = _pixel_max(x)
    for digit, ax in enumerate(axes):
        ax.imshow(x[y == digit].mean(axis=0), cmap=_CMAP, vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{digit}\n{counts[digit]:,} examples", fontsize=10)
    fig.suptitle(f"The mean image of each digit ({len(x):,} images)", fontsize=13)
    return fig


def plot_pixel_histogram(images) -> Figure:
    """Return a Figure with the histogram of all pixel values (log-scaled counts) and the share of pure background."""
    x = _as_images(images)
    vmax = _pixel_max(x)
    pixels = x.ravel()
    # One bin per grey level, centred on it: 0..255 for uint8, 0/255..255/255 for floats scaled from uint8.
    edges = (np.arange(257) - 0.5) * (vmax / 255)
    counts, edges = np.histogram(pixels, bins=edges)
    zero_share = np.count_nonzero(pixels == 0) / pixels.size

    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.hist(edges[:-1], bins=edges, weights=counts, log=True, color="tab:blue")  # counts already made
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0.5, counts.max() * 20)  # bars rise from below 1; headroom above the tallest for the note
    ax.set_xlabel(f"pixel value (0 = background, {vmax:g} = full ink)", fontsize=11)
    ax.set_ylabel("number of pixels (log scale)", fontsize=11)
    ax.set_title(f"Pixel values of {len(x):,} images ({pixels.size:,} pixels)", fontsize=13)
    ax.text(
        0.5, 0.95, f"{zero_share:.1%} of the pixels are exactly 0 (background)",
        transform=ax.transAxes, ha="center", va="top", fontsize=11,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"},
    )
    return fig


def plot_class_balance(y_train, y_test) -> Figure:
    """Return a Figure with side-by-side bars counting each digit in the training and test splits."""
    train = _check_labels(y_train, "y_train")
    test = _check_labels(y_test, "y_test")
    counts = pd.DataFrame({
        "digit": np.tile(np.arange(NUM_CLASSES), 2),
        "split": ["train"] * NUM_CLASSES + ["test"] * NUM_CLASSES,
        "count": np.concatenate([np.bincount(train, minlength=NUM_CLASSES), np.bincount(test, minlength=NUM_CLASSES)]),
    })
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    sns.barplot(data=counts, x="digit", y="count", hue="split", ax=ax)
    for bars in ax.containers:
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
    ax.margins(y=0.12)  # room for the labels above the tallest bars
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), title="split", frameon=False)
    ax.set_xlabel("digit", fontsize=11)
    ax.set_ylabel("number of images", fontsize=11)
    ax.set_title(f"Images of each digit: {len(train):,} in train, {len(test):,} in test", fontsize=13)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------------

def _history_dict(history) -> dict:
    """Return the per-epoch metrics of a Keras History (or of its .history dict) as float arrays, checked."""
    if isinstance(getattr(history, "history", None), dict):
        history = history.history
    if not isinstance(history, dict):
        raise ValueError(
            f"history must be the History that model.fit returns (or its .history dict), "
            f"got {type(history).__name__}."
        )
    if not history:
        raise ValueError("history is empty: it holds no epoch. Pass the History returned by model.fit(...).")
    for key in ("loss", "accuracy"):
        if key not in history:
            raise ValueError(
                f"history has no {key!r} (it has {', '.join(map(repr, history))}). "
                f"Compile the model with metrics=['accuracy'] and pass the History that model.fit returns."
            )
    keys = [key for key in ("loss", "val_loss", "accuracy", "val_accuracy") if key in history]
    curves = {key: np.asarray(history[key], dtype="float64") for key in keys}
    for key, values in curves.items():
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"history[{key!r}] must be a non-empty list with one value per epoch, got shape {values.shape}.")
        if values.size != curves["loss"].size:
            raise ValueError(
                f"history[{key!r}] has {values.size} values but history['loss'] has {curves['loss'].size}: every "
                f"curve needs one value per epoch (was model.fit given validation_freq > 1?)."
            )
    return curves


def plot_learning_curves(history, title=None) -> Figure:
    """Return a Figure with loss and accuracy per epoch, training and (when present) validation, side by side."""
    curves = _history_dict(history)
    epochs = np.arange(1, curves["loss"].size + 1)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_loss, ax_accuracy = fig.subplots(1, 2)
    for ax, metric in ((ax_loss, "loss"), (ax_accuracy, "accuracy")):
        ax.plot(epochs, curves[metric], "o-", label="training")
        if f"val_{metric}" in curves:
            ax.plot(epochs, curves[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch", fontsize=11)
        ax.set_ylabel(metric, fontsize=11)
        ax.set_title(metric.capitalize(), fontsize=12)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, num_classes=NUM_CLASSES) -> np.ndarray:
    """Return the (num_classes, num_classes) matrix of counts: row = true digit, column = predicted digit."""
    num_classes = _check_positive_int(num_classes, "num_classes")
    true = _check_labels(y_true, "y_true", num_classes)
    pred = _check_labels(y_pred, "y_pred", num_classes)
    _check_same_length("y_pred", len(pred), "y_true", len(true))
    pairs = true.astype(np.int64) * num_classes + pred
    return np.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true, y_pred, normalize=False, num_classes=NUM_CLASSES, title=None) -> Figure:
    """Return a Figure with the annotated confusion matrix (counts, or with ``normalize`` each row in %) and the accuracy."""
    counts = confusion_matrix(y_true, y_pred, num_classes)
    accuracy = np.trace(counts) / counts.sum()
    if normalize:
        per_row = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, per_row, out=np.zeros(counts.shape), where=per_row > 0)  # a row with no example stays 0
        labels = np.vectorize(lambda v: f"{v:.1%}")(values)
        style = {"cbar_kws": {"label": "share of the true digit's images", "format": PercentFormatter(1.0)}}
    else:
        values = counts
        labels = counts.astype(str)
        style = {"cbar_kws": {"label": "number of images"}}
    labels[counts == 0] = ""  # blank cells let the few real confusions stand out
    size = max(6.0, 0.8 * num_classes)
    fig = Figure(figsize=(size + 1.5, size), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        values, ax=ax, annot=labels, fmt="", annot_kws={"fontsize": 9 if normalize else 10}, cmap="Blues", square=True,
        linewidths=0.5, linecolor="white", xticklabels=range(num_classes), yticklabels=range(num_classes), **style,
    )
    ax.set_xlabel("predicted digit", fontsize=12)
    ax.set_ylabel("true digit", fontsize=12)
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(f"{title or 'Confusion matrix'} — accuracy {accuracy:.2%}", fontsize=13)
    return fig


def misclassified_indices(y_true, probabilities) -> np.ndarray:
    """Return the indices of the wrong predictions, the most confident mistakes first."""
    p = _check_probabilities(probabilities)
    true = _check_labels(y_true, "y_true", p.shape[1])
    _check_same_length("probabilities", len(p), "y_true", len(true))
    pred = p.argmax(axis=1)
    wrong = np.flatnonzero(pred != true)
    confidence = p[wrong, pred[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")]


def plot_misclassified(images, y_true, probabilities, max_images=20, ncols=10) -> Figure:
    """Return a Figure with the misclassified digits, the most confident mistakes first, titled true and predicted."""
    x = _as_images(images)
    max_images = _check_positive_int(max_images, "max_images")
    ncols = _check_positive_int(ncols, "ncols")
    p = _check_probabilities(probabilities)
    true = _check_labels(y_true, "y_true", p.shape[1])
    _check_same_length("y_true", len(true), "images", len(x))
    _check_same_length("probabilities", len(p), "images", len(x))
    wrong = misclassified_indices(true, p)
    if wrong.size == 0:
        return _message_figure(f"No misclassified digits\n(all {len(x):,} images are right)")
    shown = wrong[:max_images]
    pred = p[shown].argmax(axis=1)
    titles = [f"true {true[i]}\npred {guess} ({p[i, guess]:.0%})" for i, guess in zip(shown, pred)]
    heading = f"{wrong.size:,} of {len(x):,} images misclassified ({wrong.size / len(x):.2%})"
    if wrong.size > len(shown):
        heading += f"; the {len(shown)} most confident mistakes"
    else:
        heading += ", most confident first"
    return _image_grid(x[shown], titles, ["black"] * len(shown), ncols, heading)
