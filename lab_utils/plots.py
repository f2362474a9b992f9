"""Plots for the lab: digits, learning curves, confusion matrices, mistakes, class balance and pixel values."""
import math

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .checks import (IMAGE_SHAPES, NUM_CLASSES, as_images, check_labels, check_positive_int, check_probabilities,
                     check_same_length, pixel_max)

# Figures are matplotlib.figure.Figure, never pyplot: a notebook shows a returned Figure once, and none piles up.
CMAP = "gray_r"  # dark ink on white paper, as the digits were written
WRONG = "tab:red"


def _image_grid(x: np.ndarray, titles: list[str], colors: list[str], ncols: int, suptitle=None) -> Figure:
    n, ncols, nrows = len(x), min(ncols, len(x)), math.ceil(len(x) / min(ncols, len(x)))
    title_lines = max((t.count("\n") + 1 for t in titles if t), default=0)
    height = nrows * (1.15 + 0.22 * title_lines) + (0.4 if suptitle else 0.0)
    fig = Figure(figsize=(1.2 * ncols + 0.2, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw={"xticks": [], "yticks": []}).ravel()
    for ax, image, title, color in zip(axes, x, titles, colors):
        ax.imshow(image, cmap=CMAP, vmin=0, vmax=pixel_max(x))
        ax.set_title(title, color=color, fontsize=10)
        for spine in ax.spines.values() if color == WRONG else ():
            spine.set(color=WRONG, linewidth=1.5)
    for ax in axes[n:]:
        ax.remove()  # an incomplete last row: no empty frames
    return titled(fig, suptitle)


def label_axes(ax, xlabel: str, ylabel: str, title: str, size: int = 11, **title_style) -> None:
    """Label the x and y axes of ``ax`` in ``size`` points and title it, one point larger unless ``fontsize`` says."""
    ax.set_xlabel(xlabel, fontsize=size)
    ax.set_ylabel(ylabel, fontsize=size)
    ax.set_title(title, **{"fontsize": size + 1, **title_style})


def titled(fig: Figure, title=None) -> Figure:
    """Return ``fig``, with ``title`` above its panels in 13 points if one is given."""
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def message_figure(text: str) -> Figure:
    """Return a small Figure that only says ``text`` (an empty selection is an answer, not an error)."""
    fig = Figure(figsize=(5, 1.6), layout="constrained")
    ax = fig.subplots()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def plot_digit_grid(images, labels=None, predictions=None, ncols=10, max_images=50, title=None) -> Figure:
    """Return a Figure with a grid of the first ``max_images`` digits titled by label (a wrong guess: "7 → 2")."""
    raw = np.asarray(images)
    if raw.ndim >= 2 and len(raw) == 0 and raw.shape[1:] in IMAGE_SHAPES:  # no mistakes to show, say
        return message_figure("No digits to show" + (f"\n({title})" if title else ""))
    x = as_images("images", images)
    ncols, max_images = check_positive_int("ncols", ncols), check_positive_int("max_images", max_images)
    if predictions is not None and labels is None:
        raise ValueError("predictions are compared with labels: pass labels= too.")
    titles, colors = [""] * min(len(x), max_images), ["black"] * min(len(x), max_images)
    if labels is not None:
        y = check_labels("labels", labels, like=("images", len(x)))
        titles = [str(label) for label in y[:max_images]]
        if predictions is not None:
            pred = check_labels("predictions", predictions, like=("images", len(x)))
            for i, (label, guess) in enumerate(zip(y[:max_images], pred[:max_images])):
                if label != guess:
                    titles[i], colors[i] = f"{label} → {guess}", WRONG
    return _image_grid(x[:max_images], titles, colors, ncols, title)


def plot_mean_digits(images, labels) -> Figure:
    """Return a Figure with the mean image of each digit 0..9 in one row, titled with the number of examples."""
    x = as_images("images", images)
    y = check_labels("labels", labels, like=("images", len(x)))
    counts = np.bincount(y, minlength=NUM_CLASSES)
    if (missing := np.flatnonzero(counts == 0)).size:
        raise ValueError(f"digit(s) {', '.join(map(str, missing))} do not appear in labels, so they have no mean "
                         f"image; pass a sample that holds every digit 0..9 (the whole training set does).")
    fig = Figure(figsize=(12, 2.1), layout="constrained")
    for digit, ax in enumerate(fig.subplots(1, NUM_CLASSES, subplot_kw={"xticks": [], "yticks": []})):
        ax.imshow(x[y == digit].mean(axis=0), cmap=CMAP, vmin=0, vmax=pixel_max(x))
        ax.set_title(f"{digit}\n{counts[digit]:,} examples", fontsize=10)
    fig.suptitle(f"The mean image of each digit ({len(x):,} images)", fontsize=13)
    return fig


def plot_pixel_histogram(images) -> Figure:
    """Return a Figure with the histogram of all pixel values (log-scaled counts) and the share of pure background."""
    x = as_images("images", images)
    vmax, pixels = pixel_max(x), x.ravel()
    # One bin per grey level, centred on it: 0..255 for uint8, 0/255..255/255 for floats scaled from uint8.
    counts, edges = np.histogram(pixels, bins=(np.arange(257) - 0.5) * (vmax / 255))
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.hist(edges[:-1], bins=edges, weights=counts, log=True, color="tab:blue")  # counts already made
    ax.set(xlim=(edges[0], edges[-1]), ylim=(0.5, counts.max() * 20))  # bars from below 1; room above for the note
    label_axes(ax, f"pixel value (0 = background, {vmax:g} = full ink)", "number of pixels (log scale)",
               f"Pixel values of {len(x):,} images ({pixels.size:,} pixels)", fontsize=13)
    ax.text(0.5, 0.95, f"{np.count_nonzero(pixels == 0) / pixels.size:.1%} of the pixels are exactly 0 (background)",
            transform=ax.transAxes, ha="center", va="top", fontsize=11,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"})
    return fig


def plot_class_balance(y_train, y_test) -> Figure:
    """Return a Figure with side-by-side bars counting each digit in the training and test splits."""
    train, test = check_labels("y_train", y_train), check_labels("y_test", y_test)
    counts = pd.DataFrame({"digit": np.tile(np.arange(NUM_CLASSES), 2),
                           "split": ["train"] * NUM_CLASSES + ["test"] * NUM_CLASSES,
                           "count": np.concatenate([np.bincount(y, minlength=NUM_CLASSES) for y in (train, test)])})
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    sns.barplot(data=counts, x="digit", y="count", hue="split", ax=ax)
    for bars in ax.containers:
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
    ax.margins(y=0.12)  # room for the labels above the tallest bars
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), title="split", frameon=False)
    label_axes(ax, "digit", "number of images", f"Images of each digit: {len(train):,} in train, {len(test):,} in test",
               fontsize=13)
    return fig


def plot_learning_curves(history, title=None) -> Figure:
    """Return a Figure with loss and accuracy per epoch, training and (when present) validation, side by side."""
    history = history.history if isinstance(getattr(history, "history", None), dict) else history
    if not isinstance(history, dict):
        raise ValueError(f"history must be the History that model.fit returns (or its .history dict), "
                         f"got {type(history).__name__}.")
    if not history:
        raise ValueError("history is empty: it holds no epoch. Pass the History returned by model.fit(...).")
    if missing := [key for key in ("loss", "accuracy") if key not in history]:
        raise ValueError(f"history has no {missing[0]!r} (it has {', '.join(map(repr, history))}). Compile the model "
                         f"with metrics=['accuracy'] and pass the History that model.fit returns.")
    curves = {key: np.asarray(history[key], dtype="float64")
              for key in ("loss", "val_loss", "accuracy", "val_accuracy") if key in history}
    for key, values in curves.items():
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"history[{key!r}] must be a non-empty list with one value per epoch, "
                             f"got shape {values.shape}.")
        if values.size != curves["loss"].size:
            raise ValueError(f"history[{key!r}] has {values.size} values but history['loss'] has {curves['loss'].size}"
                             f": every curve needs one value per epoch (was model.fit given validation_freq > 1?).")
    epochs = np.arange(1, curves["loss"].size + 1)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "accuracy")):
        ax.plot(epochs, curves[metric], "o-", label="training")
        if f"val_{metric}" in curves:
            ax.plot(epochs, curves[f"val_{metric}"], "s--", label="validation")
        label_axes(ax, "epoch", metric, metric.capitalize())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return titled(fig, title)


def confusion_matrix(y_true, y_pred, num_classes=NUM_CLASSES) -> np.ndarray:
    """Return the (num_classes, num_classes) matrix of counts: row = true digit, column = predicted digit."""
    num_classes = check_positive_int("num_classes", num_classes)
    true = check_labels("y_true", y_true, num_classes)
    pred = check_labels("y_pred", y_pred, num_classes, like=("y_true", len(true)))
    pairs = true.astype(np.int64) * num_classes + pred
    return np.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true, y_pred, normalize=False, num_classes=NUM_CLASSES, title=None) -> Figure:
    """Return a Figure with the annotated confusion matrix (counts, or rows in % with ``normalize``) and accuracy."""
    counts = confusion_matrix(y_true, y_pred, num_classes)
    if normalize:
        per_row = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, per_row, out=np.zeros(counts.shape), where=per_row > 0)  # an empty row stays 0
        labels = np.vectorize(lambda v: f"{v:.1%}")(values)
        style = {"label": "share of the true digit's images", "format": PercentFormatter(1.0)}
    else:
        values, labels, style = counts, counts.astype(str), {"label": "number of images"}
    labels[counts == 0] = ""  # blank cells let the few real confusions stand out
    size = max(6.0, 0.8 * num_classes)
    fig = Figure(figsize=(size + 1.5, size), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(values, ax=ax, annot=labels, fmt="", annot_kws={"fontsize": 9 if normalize else 10}, cmap="Blues",
                square=True, linewidths=0.5, linecolor="white", xticklabels=range(num_classes),
                yticklabels=range(num_classes), cbar_kws=style)
    ax.tick_params(axis="y", rotation=0)
    label_axes(ax, "predicted digit", "true digit",
               f"{title or 'Confusion matrix'} — accuracy {np.trace(counts) / counts.sum():.2%}", size=12)
    return fig


def misclassified_indices(y_true, probabilities) -> np.ndarray:
    """Return the indices of the wrong predictions, the most confident mistakes first."""
    p = check_probabilities("probabilities", probabilities)
    true, pred = check_labels("y_true", y_true, p.shape[1], like=("probabilities", len(p))), p.argmax(axis=1)
    wrong = np.flatnonzero(pred != true)
    return wrong[np.argsort(-p[wrong, pred[wrong]], kind="stable")]


def plot_misclassified(images, y_true, probabilities, max_images=20, ncols=10) -> Figure:
    """Return a Figure with the misclassified digits, the most confident mistakes first, titled true and predicted."""
    x = as_images("images", images)
    max_images, ncols = check_positive_int("max_images", max_images), check_positive_int("ncols", ncols)
    p = check_probabilities("probabilities", probabilities)
    true = check_labels("y_true", y_true, p.shape[1], like=("images", len(x)))
    check_same_length("probabilities", len(p), "images", len(x))
    if (wrong := misclassified_indices(true, p)).size == 0:
        return message_figure(f"No misclassified digits\n(all {len(x):,} images are right)")
    shown = wrong[:max_images]
    titles = [f"true {true[i]}\npred {guess} ({p[i, guess]:.0%})" for i, guess in zip(shown, p[shown].argmax(axis=1))]
    heading = f"{wrong.size:,} of {len(x):,} images misclassified ({wrong.size / len(x):.2%})" + (
        f"; the {len(shown)} most confident mistakes" if wrong.size > len(shown) else ", most confident first")
    return _image_grid(x[shown], titles, ["black"] * len(shown), ncols, heading)
