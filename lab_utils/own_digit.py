"""Your own digit (notebook 06): each preprocessing step, the ten probabilities, the samples' readings, a canvas.

The figures show pixels as they are stored: the original as drawn, then white ink on black as MNIST keeps it
(the other notebooks' digit grids show MNIST dark on white instead, as the digits were written).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .data import IMAGE_SIZE, NUM_CLASSES
from .digits import centre_of_mass, preprocess_digit_steps
from .plots import _check_labels, _check_positive_int, _check_probabilities, _check_same_length, _message_figure

STEP_TITLES = {
    "grayscale": "1 · grayscale",
    "polarity": "2 · white ink on black",
    "cropped": "3 · cropped to the ink",
    "scaled_20x20": "4 · scaled into 20×20",
    "centred_28x28": "5 · centred in 28×28",
}
CANVAS_HINT = (
    "No drawing canvas here: it needs the optional package ipycanvas. To draw in the notebook, run "
    "`pip install ipycanvas` and restart the kernel (on Colab, also run `from google.colab import output; "
    "output.enable_custom_widget_manager()`). Or draw your digit in any paint program, save it as PNG or JPEG, "
    "and set `path` above to the file."
)
_WRONG = "tab:red"
_PREDICTED = "tab:blue"
_OTHER = "0.75"
_MARK = "tab:red"  # the centre of mass


# --------------------------------------------------------------------------- checking inputs


def _check_picture(image, what: str) -> tuple[np.ndarray, float]:
    """Return a non-empty 2-D picture of pixel values and its full-ink value (255 for integers, 1.0 for floats)."""
    x = np.asarray(image)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"{what} must be a non-empty 2-D grey image, got an array of shape {x.shape}.")
    if np.issubdtype(x.dtype, np.integer) and not np.issubdtype(x.dtype, np.bool_):
        if x.min() < 0 or x.max() > 255:
            raise ValueError(f"{what} holds integers {x.min()}..{x.max()}; integer pixels must lie in 0..255.")
        return x, 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{what} must hold pixel numbers (uint8 0..255 or float 0..1), got dtype {x.dtype}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} holds NaN or infinite values; pixels must be floats in [0, 1].")
    if x.min() < 0.0 or x.max() > 1.0:
        raise ValueError(f"{what} must hold floats in [0, 1] (found {x.min():.3g}..{x.max():.3g}).")
    return x, 1.0


def _check_distribution(probabilities) -> np.ndarray:
    """Return ten probabilities (one image's softmax output) as a 1-D float array, checked."""
    p = np.asarray(probabilities)
    if p.ndim == 2 and p.shape[0] == 1:
        p = p[0]  # model.predict on a batch of one
    if p.shape != (NUM_CLASSES,):
        raise ValueError(
            f"probabilities must be the {NUM_CLASSES} probabilities of one image (shape ({NUM_CLASSES},), "
            f"or (1, {NUM_CLASSES}) as model.predict returns for one image), got shape {p.shape}."
        )
    if not (np.issubdtype(p.dtype, np.floating) or np.issubdtype(p.dtype, np.integer)) or p.dtype == bool:
        raise ValueError(f"probabilities must be numbers, got dtype {p.dtype}.")
    p = p.astype("float64")
    if not np.isfinite(p).all() or p.min() < 0.0 or p.max() > 1.0 or not math.isclose(p.sum(), 1.0, abs_tol=1e-2):
        raise ValueError(
            f"probabilities must lie in [0, 1] and sum to 1 (they sum to {np.nansum(p):.3g}). If the model's last "
            f"layer has no softmax, these are logits: apply keras.ops.softmax to them first."
        )
    return p


def _check_label(label) -> int | None:
    if label is None:
        return None
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < NUM_CLASSES:
        raise ValueError(f"label must be a digit 0..{NUM_CLASSES - 1} or None, got {label!r}.")
    return int(label)


# --------------------------------------------------------------------------- figures


def plot_preprocessing_steps(steps, title=None) -> Figure:
    """Return a Figure with one panel per preprocessing step, as ``preprocess_digit_steps`` returns them.

    The last 28x28 panel marks the centre of mass with a red cross: MNIST puts it at the field's centre.
    """
    if not isinstance(steps, Mapping):
        raise TypeError(
            f"steps must be the dict that lab.preprocess_digit_steps(image) returns (step name -> 2-D image), "
            f"got {type(steps).__name__}."
        )
    if not steps:
        raise ValueError("steps is empty; pass the dict that lab.preprocess_digit_steps(image) returns.")
    pictures = {name: _check_picture(image, f"step {name!r}") for name, image in steps.items()}
    fig = Figure(figsize=(2.5 * len(pictures) + 0.3, 3.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(pictures)))
    for ax, (name, (image, vmax)) in zip(axes, pictures.items()):
        ax.imshow(image, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest" if max(image.shape) <= 64 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        height, width = image.shape
        ax.set_title(f"{STEP_TITLES.get(name, name)}\n{width}×{height} px", fontsize=10)
        if name == "centred_28x28" and image.max() > 0:
            row, col = centre_of_mass(image)
            ax.plot(col, row, "+", color=_MARK, markersize=14, markeredgewidth=2)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def _bars(ax, p: np.ndarray, label: int | None, fontsize: int) -> int:
    """Draw the ten probabilities as bars on ``ax``; return the predicted digit."""
    predicted = int(p.argmax())
    colors = [_OTHER] * NUM_CLASSES
    colors[predicted] = _WRONG if label is not None and label != predicted else _PREDICTED
    bars = ax.bar(range(NUM_CLASSES), p, color=colors)
    if label is not None and label != predicted:
        bars[label].set_edgecolor(_PREDICTED)
        bars[label].set_linewidth(2)
    ax.set_xticks(range(NUM_CLASSES))
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.set_ylim(0, 1.0)
    return predicted


def plot_probabilities(probabilities, label=None, image=None, title=None) -> Figure:
    """Return a Figure with the network's probability for each digit 0..9 as bars, the answer highlighted.

    ``label`` (the true digit) colours a wrong answer red and outlines the true digit's bar; ``image`` (the
    28x28 input) is shown beside the bars.
    """
    p = _check_distribution(probabilities)
    label = _check_label(label)
    if image is not None:
        picture, vmax = _check_picture(image, "image")
        if picture.shape != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"image must be the 28x28 network input, got shape {picture.shape}.")
        fig = Figure(figsize=(8.5, 3.2), layout="constrained")
        ax_image, ax = fig.subplots(1, 2, width_ratios=[1, 3])
        ax_image.imshow(picture, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest")
        ax_image.set_xticks([])
        ax_image.set_yticks([])
        ax_image.set_title("the network's input", fontsize=10)
    else:
        fig = Figure(figsize=(6.5, 3.2), layout="constrained")
        ax = fig.subplots()
    predicted = _bars(ax, p, label, fontsize=11)
    for digit, value in enumerate(p):
        if value >= 0.005:
            ax.text(digit, value + 0.02, f"{value:.0%}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("digit", fontsize=11)
    ax.set_ylabel("probability", fontsize=11)
    wrong = label is not None and label != predicted
    heading = title or f"Read as {predicted} ({p[predicted]:.0%})" + (
        "" if label is None else f"; the true digit is {label}" + (f" ({p[label]:.0%})" if wrong else ""))
    ax.set_title(heading, fontsize=12, color=_WRONG if wrong else "black")
    return fig


def plot_sample_predictions(originals, digits, labels, probabilities, names=None, ncols=5, title=None) -> Figure:
    """Return a Figure with, for each sample, the original image, the 28x28 input and the ten probabilities.

    A wrong reading is titled in red. An empty selection (no misses, say) gives a Figure that says so.
    """
    ncols = _check_positive_int(ncols, "ncols")
    if isinstance(originals, np.ndarray) and originals.ndim == 2:
        raise ValueError("originals must be a list of 2-D images, one per sample; for one sample pass [image].")
    originals = list(originals)
    x = np.asarray(digits)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"digits must be a batch of 28x28 inputs shaped (n, 28, 28), got shape {x.shape}.")
    if len(x) == 0:
        if originals or len(labels) or len(probabilities):
            raise ValueError("digits is empty but originals, labels or probabilities are not; pass one per sample.")
        return _message_figure("No samples to show" + (f"\n({title})" if title else ""))
    pictures = [_check_picture(image, f"originals[{i}]") for i, image in enumerate(originals)]
    inputs = [_check_picture(image, f"digits[{i}]") for i, image in enumerate(x)]
    y = _check_labels(labels)
    p = _check_probabilities(probabilities)
    if p.shape[1] != NUM_CLASSES:
        raise ValueError(f"probabilities must have {NUM_CLASSES} columns, one per digit, got shape {p.shape}.")
    _check_same_length("originals", len(pictures), "digits", len(x))
    _check_same_length("labels", len(y), "digits", len(x))
    _check_same_length("probabilities", len(p), "digits", len(x))
    if names is not None:
        names = [str(name) for name in names]
        _check_same_length("names", len(names), "digits", len(x))

    n = len(x)
    ncols = min(ncols, n)
    sample_rows = math.ceil(n / ncols)
    fig = Figure(figsize=(2.1 * ncols + 0.3, 4.4 * sample_rows + (0.4 if title else 0.0)), layout="constrained")
    grid = fig.add_gridspec(3 * sample_rows, ncols, height_ratios=[1.3, 1.3, 0.8] * sample_rows)
    for i in range(n):
        row, col = 3 * (i // ncols), i % ncols
        ax_original, ax_input, ax_bars = (fig.add_subplot(grid[row + k, col]) for k in range(3))
        (original, vmax), (digit, input_max) = pictures[i], inputs[i]
        ax_original.imshow(original, cmap="gray", vmin=0, vmax=vmax)
        ax_input.imshow(digit, cmap="gray", vmin=0, vmax=input_max, interpolation="nearest")
        for ax in (ax_original, ax_input):
            ax.set_xticks([])
            ax.set_yticks([])
        if names is not None:
            name = names[i] if len(names[i]) <= 24 else names[i][:23] + "…"
            ax_original.set_title(name, fontsize=8)
        predicted = _bars(ax_bars, p[i], int(y[i]), fontsize=7)
        ax_bars.set_yticks([])
        wrong = predicted != y[i]
        ax_input.set_title(f"true {y[i]} → read {predicted} ({p[i, predicted]:.0%})", fontsize=9,
                           color=_WRONG if wrong else "black")
        if wrong:
            for spine in ax_input.spines.values():
                spine.set_color(_WRONG)
                spine.set_linewidth(2)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


# --------------------------------------------------------------------------- drawing in the notebook


def strokes_to_image(strokes, size: int = 280, pen_width: float = 20) -> np.ndarray:
    """Return pen strokes (lists of (x, y) points on a ``size`` x ``size`` canvas) as dark ink on white, uint8."""
    from PIL import Image, ImageDraw

    size = _check_positive_int(size, "size")
    if not pen_width > 0:
        raise ValueError(f"pen_width must be positive, got {pen_width!r}.")
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    radius = pen_width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=0, width=round(pen_width), joint="curve")
        for x, y in points:  # round nib: ends and joints are discs
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return np.asarray(image)


def drawing_canvas(model, size: int = 280, pen_width: float = 20):
    """Return a widget to draw a digit with the mouse, with Predict and Clear buttons; needs ``ipycanvas``.

    Raises ImportError, with what to do instead, where ipycanvas is not installed.
    """
    try:
        from ipycanvas import Canvas
    except ImportError:
        raise ImportError(CANVAS_HINT) from None
    import ipywidgets as widgets
    from IPython.display import display

    canvas = Canvas(width=size, height=size, layout=widgets.Layout(border="1px solid gray"))
    strokes: list[list[tuple[float, float]]] = []
    pen = {"down": False}

    def blank(_=None):
        strokes.clear()
        canvas.clear()
        canvas.fill_style = "white"
        canvas.fill_rect(0, 0, size, size)
        canvas.stroke_style = "black"
        canvas.fill_style = "black"
        canvas.line_width = pen_width
        canvas.line_cap = "round"
        canvas.line_join = "round"
        output.clear_output()

    def down(x, y):
        pen["down"] = True
        strokes.append([(x, y)])
        canvas.fill_circle(x, y, pen_width / 2)

    def move(x, y):
        if pen["down"]:
            (x0, y0) = strokes[-1][-1]
            canvas.stroke_line(x0, y0, x, y)
            strokes[-1].append((x, y))

    def up(x, y):
        pen["down"] = False

    def predict(_):
        output.clear_output(wait=True)
        with output:
            if not strokes:
                print("Draw a digit first.")
                return
            steps = preprocess_digit_steps(strokes_to_image(strokes, size, pen_width))
            digit = steps["centred_28x28"]
            probabilities = np.asarray(model.predict(digit[None, :, :, None], verbose=0))[0]
            display(plot_probabilities(probabilities, image=digit))

    output = widgets.Output()
    predict_button = widgets.Button(description="Predict", button_style="primary", icon="check")
    clear_button = widgets.Button(description="Clear", icon="eraser")
    predict_button.on_click(predict)
    clear_button.on_click(blank)
    canvas.on_mouse_down(down)
    canvas.on_mouse_move(move)
    canvas.on_mouse_up(up)
    canvas.on_mouse_out(up)
    blank()
    return widgets.VBox([widgets.HBox([canvas, widgets.VBox([predict_button, clear_button])]), output])
