"""Your own digit (notebook 06): each preprocessing step, the ten probabilities, the samples' readings, a canvas.
Pixels are shown as stored: the original as drawn, then white ink on black as MNIST keeps it."""
import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .checks import (IMAGE_SIZE, NUM_CLASSES, check_labels, check_pixels, check_positive_int, check_probabilities,
                     check_same_length, pixel_max)
from .digits import centre_of_mass, preprocess_digit
from .plots import WRONG, label_axes, message_figure, titled

STEP_TITLES = {"grayscale": "1 · grayscale", "polarity": "2 · white ink on black", "cropped": "3 · cropped to the ink",
               "scaled_20x20": "4 · scaled into 20×20", "centred_28x28": "5 · centred in 28×28"}
CANVAS_HINT = ("No drawing canvas here: it needs the optional package ipycanvas. To draw in the notebook, run `pip "
               "install ipycanvas`, restart the kernel and reload the browser page (on Colab, also run `from google.colab import output; "
               "output.enable_custom_widget_manager()`). Or draw your digit in any paint program, save it as PNG or "
               "JPEG, and set `path` above to the file.")
_PREDICTED, _OTHER, _MARK = "tab:blue", "0.75", "tab:red"  # _MARK: the centre of mass


def _check_picture(image, what: str) -> tuple[np.ndarray, float]:  # a non-empty 2-D picture, its full-ink value
    x = np.asarray(image)
    x = x[:, :, 0] if x.ndim == 3 and x.shape[2] == 1 else x
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"{what} must be a non-empty 2-D grey image, got an array of shape {x.shape}.")
    return check_pixels(what, x), pixel_max(x)


def plot_preprocessing_steps(steps, title=None) -> Figure:
    """Return a Figure with one panel per step that ``preprocess_digit_steps`` returns, the centre of mass marked."""
    if not isinstance(steps, Mapping):
        raise TypeError(f"steps must be the dict that lab.preprocess_digit_steps(image) returns (step name -> 2-D "
                        f"image), got {type(steps).__name__}.")
    if not steps:
        raise ValueError("steps is empty; pass the dict that lab.preprocess_digit_steps(image) returns.")
    pictures = {name: _check_picture(image, f"step {name!r}") for name, image in steps.items()}
    fig = Figure(figsize=(2.5 * len(pictures) + 0.3, 3.2), layout="constrained")
    axes = fig.subplots(1, len(pictures), squeeze=False, subplot_kw={"xticks": [], "yticks": []})[0]
    for ax, (name, (image, vmax)) in zip(axes, pictures.items()):
        ax.imshow(image, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest" if max(image.shape) <= 64 else None)
        ax.set_title(f"{STEP_TITLES.get(name, name)}\n{image.shape[1]}×{image.shape[0]} px", fontsize=10)
        if name == "centred_28x28" and image.max() > 0:  # a red cross: MNIST puts the centre of mass at the centre
            ax.plot(*centre_of_mass(image)[::-1], "+", color=_MARK, markersize=14, markeredgewidth=2)  # (col, row)
    return titled(fig, title)


def _bars(ax, p: np.ndarray, label: int | None, fontsize: int) -> tuple[int, bool]:
    """Draw the ten probabilities as bars, a wrong answer red and the true digit outlined; return (answer, wrong)."""
    predicted = int(p.argmax())
    wrong = label is not None and label != predicted
    colors = [(WRONG if wrong else _PREDICTED) if digit == predicted else _OTHER for digit in range(NUM_CLASSES)]
    bars = ax.bar(range(NUM_CLASSES), p, color=colors)
    if wrong:
        bars[label].set(edgecolor=_PREDICTED, linewidth=2)
    ax.set(xticks=range(NUM_CLASSES), ylim=(0, 1.0))
    ax.tick_params(axis="x", labelsize=fontsize)
    return predicted, wrong


def plot_probabilities(probabilities, label=None, image=None, title=None) -> Figure:
    """Return a Figure of the probability of each digit as bars (``label``: the true digit, ``image``: the input)."""
    p = np.asarray(probabilities)
    p = p[0] if p.ndim == 2 and p.shape[0] == 1 else p  # model.predict on a batch of one
    if p.shape != (NUM_CLASSES,):
        raise ValueError(f"probabilities must be the 10 probabilities of one image (shape (10,), or (1, 10) as "
                         f"model.predict returns for one image), got shape {p.shape}.")
    p = check_probabilities("probabilities", p[None])[0]
    if label is not None and (isinstance(label, bool) or not isinstance(label, (int, np.integer))
                              or not 0 <= label < NUM_CLASSES):
        raise ValueError(f"label must be a digit 0..{NUM_CLASSES - 1} or None, got {label!r}.")
    if image is not None:
        picture, vmax = _check_picture(image, "image")
        if picture.shape != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"image must be the 28x28 network input, got shape {picture.shape}.")
        fig = Figure(figsize=(8.5, 3.2), layout="constrained")
        ax_image, ax = fig.subplots(1, 2, width_ratios=[1, 3])
        ax_image.imshow(picture, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest")
        ax_image.set(xticks=[], yticks=[])
        ax_image.set_title("the network's input", fontsize=10)
    else:
        fig = Figure(figsize=(6.5, 3.2), layout="constrained")
        ax = fig.subplots()
    predicted, wrong = _bars(ax, p, label, fontsize=11)
    for digit in np.flatnonzero(p >= 0.005):
        ax.text(digit, p[digit] + 0.02, f"{p[digit]:.0%}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    heading = title or f"Read as {predicted} ({p[predicted]:.0%})" + (
        "" if label is None else f"; the true digit is {label}" + (f" ({p[label]:.0%})" if wrong else ""))
    label_axes(ax, "digit", "probability", heading, color=WRONG if wrong else "black")
    return fig


def plot_sample_predictions(originals, digits, labels, probabilities, names=None, ncols=5, title=None) -> Figure:
    """Return a Figure with each sample's original image, 28x28 input and ten probabilities (a misreading in red)."""
    ncols = check_positive_int("ncols", ncols)
    if isinstance(originals, np.ndarray) and originals.ndim == 2:
        raise ValueError("originals must be a list of 2-D images, one per sample; for one sample pass [image].")
    originals, x = list(originals), np.asarray(digits)
    x = x[..., 0] if x.ndim == 4 and x.shape[-1] == 1 else x
    if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"digits must be a batch of 28x28 inputs shaped (n, 28, 28), got shape {x.shape}.")
    if len(x) == 0:  # an empty selection (no misses, say) is an answer
        if originals or len(labels) or len(probabilities):
            raise ValueError("digits is empty but originals, labels or probabilities are not; pass one per sample.")
        return message_figure("No samples to show" + (f"\n({title})" if title else ""))
    pictures = [_check_picture(image, f"originals[{i}]") for i, image in enumerate(originals)]
    inputs = [_check_picture(image, f"digits[{i}]") for i, image in enumerate(x)]
    y, p = check_labels("labels", labels, like=("digits", len(x))), check_probabilities("probabilities", probabilities)
    if p.shape[1] != NUM_CLASSES:
        raise ValueError(f"probabilities must have {NUM_CLASSES} columns, one per digit, got shape {p.shape}.")
    names = None if names is None else [str(name) for name in names]
    for name, n in (("originals", len(pictures)), ("probabilities", len(p)),
                    ("names", len(x if names is None else names))):
        check_same_length(name, n, "digits", len(x))
    ncols, sample_rows = min(ncols, len(x)), math.ceil(len(x) / min(ncols, len(x)))
    fig = Figure(figsize=(2.1 * ncols + 0.3, 4.4 * sample_rows + (0.4 if title else 0.0)), layout="constrained")
    grid = fig.add_gridspec(3 * sample_rows, ncols, height_ratios=[1.3, 1.3, 0.8] * sample_rows)
    for i, ((original, vmax), (digit, input_max)) in enumerate(zip(pictures, inputs)):
        row, col = 3 * (i // ncols), i % ncols
        ax_original, ax_input, ax_bars = (fig.add_subplot(grid[row + k, col], xticks=[], yticks=[]) for k in range(3))
        ax_original.imshow(original, cmap="gray", vmin=0, vmax=vmax)
        ax_input.imshow(digit, cmap="gray", vmin=0, vmax=input_max, interpolation="nearest")
        if names is not None:
            ax_original.set_title(names[i] if len(names[i]) <= 24 else names[i][:23] + "…", fontsize=8)
        predicted, wrong = _bars(ax_bars, p[i], int(y[i]), fontsize=7)
        ax_input.set_title(f"true {y[i]} → read {predicted} ({p[i, predicted]:.0%})", fontsize=9,
                           color=WRONG if wrong else "black")
        for spine in ax_input.spines.values() if wrong else ():
            spine.set(color=WRONG, linewidth=2)
    return titled(fig, title)


def strokes_to_image(strokes, size: int = 280, pen_width: float = 20) -> np.ndarray:
    """Return pen strokes (lists of (x, y) points on a ``size`` x ``size`` canvas) as dark ink on white, uint8."""
    from PIL import Image, ImageDraw
    size = check_positive_int("size", size)
    if not pen_width > 0:
        raise ValueError(f"pen_width must be positive, got {pen_width!r}.")
    image = Image.new("L", (size, size), 255)
    draw, radius = ImageDraw.Draw(image), pen_width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=0, width=round(pen_width), joint="curve")
        for x, y in points:  # round nib: ends and joints are discs
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return np.asarray(image)


def drawing_canvas(model, size: int = 280, pen_width: float = 20):
    """Return a widget to draw a digit with the mouse, with Predict and Clear buttons (needs ipycanvas)."""
    try:
        from ipycanvas import Canvas
    except ImportError:
        raise ImportError(CANVAS_HINT) from None
    import ipywidgets as widgets
    from IPython.display import display
    canvas = Canvas(width=size, height=size, layout=widgets.Layout(border="1px solid gray"))
    output, strokes, pen = widgets.Output(), [], {"down": False}  # strokes: lists of (x, y) points
    predict_button = widgets.Button(description="Predict", button_style="primary", icon="check")
    clear_button = widgets.Button(description="Clear", icon="eraser")

    def blank(_=None):
        strokes.clear()
        canvas.clear()
        canvas.fill_style = "white"
        canvas.fill_rect(0, 0, size, size)
        canvas.stroke_style = canvas.fill_style = "black"
        canvas.line_width, canvas.line_cap, canvas.line_join = pen_width, "round", "round"
        output.clear_output()

    def down(x, y):
        pen["down"] = True
        strokes.append([(x, y)])
        canvas.fill_circle(x, y, pen_width / 2)

    def move(x, y):
        if pen["down"]:
            canvas.stroke_line(*strokes[-1][-1], x, y)
            strokes[-1].append((x, y))

    def up(x, y):
        pen["down"] = False

    def predict(_):
        output.clear_output(wait=True)
        with output:
            if not strokes:
                print("Draw a digit first.")
                return
            digit = preprocess_digit(strokes_to_image(strokes, size, pen_width))
            display(plot_probabilities(np.asarray(model.predict(digit[None, :, :, None], verbose=0))[0], image=digit))

    for connect, handler in zip((canvas.on_mouse_down, canvas.on_mouse_move, canvas.on_mouse_up, canvas.on_mouse_out,
                                predict_button.on_click, clear_button.on_click), (down, move, up, up, predict, blank)):
        connect(handler)
    blank()
    return widgets.VBox([widgets.HBox([canvas, widgets.VBox([predict_button, clear_button])]), output])
