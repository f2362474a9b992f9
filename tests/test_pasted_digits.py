"""Your own digit (issue 8): preprocess_digit reproduces MNIST's statistics, and notebook 06's samples and figures.

The main test: 1,000 MNIST test digits are each resized by a random factor (0.75x to 3x), pasted at a random
place on a larger canvas (43 to 143 pixels a side, not square), a third of them inverted to dark ink on white
paper, and run through ``preprocess_digit``. A small CNN, trained here for a few seconds, must read at least 98%
of them as it reads the original digits. A weaker network makes this stricter, not looser: it has less margin, so
any damage the preprocessing does shows up sooner.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from lab_utils.data import load_mnist
from lab_utils.digits import centre_of_mass, preprocess_digit, preprocess_digit_steps
from lab_utils.own_digit import (
    CANVAS_HINT,
    drawing_canvas,
    plot_preprocessing_steps,
    plot_probabilities,
    plot_sample_predictions,
    strokes_to_image,
)

pytestmark = pytest.mark.usefixtures("no_pyplot_figures")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "notebooks" / "samples"
SAMPLE_SIZE = 1_000
MIN_AGREEMENT = 0.98
TRAIN_IMAGES = 20_000


# --------------------------------------------------------------------------- MNIST digits, pasted elsewhere


def paste(digit: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """The digit resized by 0.75x..3x (bilinear or bicubic), pasted at a random place on a larger canvas.

    One in three is inverted first: dark ink on white paper.
    """
    side = round(28 * rng.uniform(0.75, 3.0))
    resample = (Image.Resampling.BILINEAR, Image.Resampling.BICUBIC)[int(rng.integers(2))]
    inverted = rng.random() < 1 / 3
    resized = Image.fromarray(255 - digit if inverted else digit).resize((side, side), resample)
    smallest = max(40, side + 4)
    width, height = (int(rng.integers(smallest, smallest + 60)) for _ in range(2))
    canvas = Image.new("L", (width, height), 255 if inverted else 0)
    canvas.paste(resized, (int(rng.integers(0, width - side + 1)), int(rng.integers(0, height - side + 1))))
    return canvas


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def originals(mnist) -> np.ndarray:
    """A fixed sample of 1,000 MNIST test digits, as float 0..1 (the network's input)."""
    (_, _), (x_test, _) = mnist
    index = np.random.default_rng(8).choice(len(x_test), SAMPLE_SIZE, replace=False)
    return x_test[index].astype(np.float32) / 255.0


@pytest.fixture(scope="module")
def pasted(originals) -> np.ndarray:
    """The same digits after pasting them elsewhere at another scale, then preprocess_digit."""
    rng = np.random.default_rng(9)
    digits = np.round(originals * 255).astype(np.uint8)
    return np.stack([preprocess_digit(paste(digit, rng)) for digit in digits])


@pytest.fixture(scope="module")
def model(mnist):
    """A small CNN (the seed CNN's layers, fewer filters) trained for one epoch on 20,000 images: a few seconds.

    It reads about 96% of MNIST's test digits (the full seed CNN: over 99%). Adam's learning rate is 3e-3, not the
    default 1e-3, which in one short epoch leaves it at about 94%.
    """
    import keras

    from lab_utils.models import build_seed_cnn
    from lab_utils.profiles import set_seed

    (x_train, y_train), (_, _) = mnist
    set_seed(0)
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")  # the same numerics whatever another test chose
    try:
        net = build_seed_cnn(filters=(16, 32), dense_units=(128,))
    finally:
        keras.mixed_precision.set_global_policy(policy)
    net.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="categorical_crossentropy",
                metrics=["accuracy"])
    net.fit(x_train[:TRAIN_IMAGES, :, :, None].astype("float32") / 255.0,
            keras.utils.to_categorical(y_train[:TRAIN_IMAGES], 10), batch_size=128, epochs=1, verbose=0)
    return net


def predict(model, images: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(images[..., None], batch_size=500, verbose=0))


def test_pasted_digits_are_read_as_the_originals(model, originals, pasted, mnist):
    (_, _), (x_test, y_test) = mnist
    accuracy = (predict(model, x_test[:2_000].astype(np.float32) / 255.0).argmax(axis=1) == y_test[:2_000]).mean()
    assert accuracy > 0.9, f"the quickly trained CNN reads only {accuracy:.1%} of MNIST: it is no test of anything"
    before = predict(model, originals).argmax(axis=1)
    after = predict(model, pasted).argmax(axis=1)
    agreement = (before == after).mean()
    assert agreement >= MIN_AGREEMENT, (
        f"after pasting and preprocess_digit, the CNN (MNIST accuracy {accuracy:.1%}) reads only {agreement:.1%} of "
        f"{SAMPLE_SIZE:,} digits as it reads the originals; at least {MIN_AGREEMENT:.0%} are required")
    print(f"agreement {agreement:.1%} on {SAMPLE_SIZE:,} pasted digits (CNN accuracy on MNIST {accuracy:.1%})")


# Tolerances, from a measurement of these 1,000 digits (seeds 8 and 9):
# * Mean pixel value: MNIST 0.134, pasted-and-preprocessed 0.126 (6% less). Resampling twice spreads each stroke's
#   edge over more, fainter pixels, and the result is rescaled to a maximum of 1, so strokes come out a little
#   lighter. Allowed: 12% for the sample's mean; per image, 90% of them within 20% of their original.
# * Centre of mass: MNIST's lie in 13.5..14.5 on both axes by construction (an integer shift to the centre); so do
#   the preprocessed ones (measured: exactly that range, sample means 13.99 and 13.99 against 13.98 and 14.00).
# * Size: MNIST's ink (pixels above 10% of the brightest) spans 20 pixels on its longer side in 999 of 1,000; the
#   preprocessed in 993 of 1,000 (the rest 19). Allowed: 98% at 20, none outside 19..20.


def test_pasted_digits_have_mnists_mean_ink(originals, pasted):
    mnist_mean, pasted_mean = originals.mean(), pasted.mean()
    assert abs(pasted_mean / mnist_mean - 1) < 0.12, f"mean pixel value {pasted_mean:.3f}, MNIST's {mnist_mean:.3f}"
    ratio = pasted.mean(axis=(1, 2)) / originals.mean(axis=(1, 2))
    within = (abs(ratio - 1) < 0.2).mean()
    assert within >= 0.9, f"only {within:.0%} of the digits keep their mean pixel value within 20%"


def test_pasted_digits_have_mnists_centre_of_mass(originals, pasted):
    mnist_centres = np.array([centre_of_mass(image) for image in originals])
    centres = np.array([centre_of_mass(image) for image in pasted])
    assert (mnist_centres >= 13.5).all() and (mnist_centres <= 14.5).all()  # what MNIST's recipe guarantees
    assert (centres >= 13.5).all() and (centres <= 14.5).all(), (
        f"centres of mass range over {centres.min(axis=0)}..{centres.max(axis=0)}, MNIST's over 13.5..14.5")
    assert np.allclose(centres.mean(axis=0), mnist_centres.mean(axis=0), atol=0.1), (
        f"mean centre of mass {centres.mean(axis=0)}, MNIST's {mnist_centres.mean(axis=0)}")


def test_pasted_digits_fill_a_20_pixel_box(pasted):
    def long_side(image):
        ink = image > 0.1 * image.max()
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        return max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)

    sides = np.array([long_side(image) for image in pasted])
    assert ((sides >= 19) & (sides <= 20)).all(), f"ink boxes of {sorted(set(sides) - {19, 20})} pixels"
    assert (sides == 20).mean() >= 0.98, f"only {(sides == 20).mean():.1%} of the digits span 20 pixels, as MNIST's do"


# --------------------------------------------------------------------------- the lab's own samples


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("digit_*"))


def test_samples_hold_each_digit_once_in_varied_formats():
    files = sample_files()
    assert sorted(int(path.name.split("_")[1]) for path in files) == list(range(10))
    assert {path.suffix for path in files} == {".png", ".jpg"}
    assert sum(path.stat().st_size for path in files) < 300_000
    modes, polarities = set(), set()
    for path in files:
        with Image.open(path) as image:
            modes.add(image.mode)
            grey = np.asarray(image.convert("L"))
        polarities.add("light on dark" if np.median(grey) < 128 else "dark on light")
        assert 90 <= min(grey.shape) and max(grey.shape) <= 600
    assert {"L", "RGB", "RGBA"} <= modes and len(polarities) == 2


def test_samples_are_what_the_script_draws(tmp_path, monkeypatch):
    """notebooks/samples/README.md names the command; it must still make these images (to JPEG's precision)."""
    spec = importlib.util.spec_from_file_location("make_digit_samples", ROOT / "scripts" / "make_digit_samples.py")
    script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, script)  # dataclasses look their module up there
    spec.loader.exec_module(script)
    script.main(["--out", str(tmp_path)])
    for path in sample_files() + sorted(SAMPLES.glob("hard_*")):
        with Image.open(path) as committed, Image.open(tmp_path / path.name) as drawn:
            a, b = (np.asarray(im.convert("RGBA"), dtype=np.float32) for im in (committed, drawn))
        assert a.shape == b.shape and np.abs(a - b).mean() < 1.0, f"{path.name} is not what the script draws"


def test_samples_are_read_by_a_quickly_trained_cnn(model):
    files = sample_files()
    labels = np.array([int(path.name.split("_")[1]) for path in files])
    predicted = predict(model, np.stack([preprocess_digit(path) for path in files])).argmax(axis=1)
    wrong = [f"{path.name} read as {guess}" for path, label, guess in zip(files, labels, predicted) if guess != label]
    assert len(wrong) <= 1, f"{len(wrong)} of 10 samples misread: {', '.join(wrong)}"


# --------------------------------------------------------------------------- notebook 06's figures




@pytest.fixture(scope="module")
def steps():
    return preprocess_digit_steps(SAMPLES / "digit_3_pencil.jpg")


def distribution(digit: int, confidence: float = 0.9) -> np.ndarray:
    p = np.full(10, (1 - confidence) / 9)
    p[digit] = confidence
    return p


def test_preprocessing_steps_figure_has_a_panel_per_step(steps):
    fig = plot_preprocessing_steps(steps, title="a 3")
    assert isinstance(fig, Figure) and len(fig.axes) == len(steps) == 5
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == [
        "1 · grayscale", "2 · white ink on black", "3 · cropped to the ink", "4 · scaled into 20×20",
        "5 · centred in 28×28"]
    assert fig.axes[-1].get_title().endswith("28×28 px")
    assert len(fig.axes[-1].lines) == 1  # the centre-of-mass cross
    assert len(plot_preprocessing_steps({"mine": np.zeros((5, 7), np.uint8)}).axes) == 1


@pytest.mark.parametrize("bad, error, message", [
    ({}, ValueError, "empty"),
    (np.zeros((28, 28)), TypeError, "preprocess_digit_steps"),
    ({"grayscale": np.zeros(28)}, ValueError, "'grayscale'.*2-D"),
    ({"grayscale": np.zeros((0, 5))}, ValueError, "non-empty"),
    ({"cropped": np.full((4, 4), 2.0)}, ValueError, r"\[0, 1\]"),
    ({"cropped": np.full((4, 4), np.nan)}, ValueError, r"\[0, 1\]"),
    ({"cropped": np.full((4, 4), 300)}, ValueError, "0..255"),
    ({"cropped": np.full((4, 4), "a")}, ValueError, "dtype"),
])
def test_preprocessing_steps_figure_refuses_bad_steps(bad, error, message):
    with pytest.raises(error, match=message):
        plot_preprocessing_steps(bad)


def test_probabilities_figure_highlights_the_answer(steps):
    fig = plot_probabilities(distribution(3), label=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert fig.axes[0].get_title() == "Read as 3 (90%); the true digit is 3"
    wrong = plot_probabilities(distribution(8)[None, :], label=3, image=steps["centred_28x28"])
    assert len(wrong.axes) == 2  # the input beside the bars
    assert wrong.axes[1].get_title() == "Read as 8 (90%); the true digit is 3 (1%)"
    assert wrong.axes[1].title.get_color() == "tab:red"
    assert plot_probabilities(distribution(0)).axes[0].get_title() == "Read as 0 (90%)"


@pytest.mark.parametrize("bad, message", [
    (np.full(9, 1 / 9), r"shape \(9,\)"),
    (np.full((2, 10), 0.1), r"shape \(2, 10\)"),
    (np.full(10, 0.2), "sum to 1"),
    (np.r_[-0.1, 0.3, np.full(8, 0.1)], r"\[0, 1\]"),
    (np.r_[np.nan, np.full(9, 0.1)], r"\[0, 1\]"),
    (np.array(["a"] * 10), "numbers"),
])
def test_probabilities_figure_refuses_what_is_not_ten_probabilities(bad, message):
    with pytest.raises(ValueError, match=message):
        plot_probabilities(bad)


@pytest.mark.parametrize("kwargs, message", [
    ({"label": 10}, "label"),
    ({"label": True}, "label"),
    ({"image": np.zeros((20, 20))}, "28x28"),
    ({"image": np.zeros(784)}, "2-D"),
])
def test_probabilities_figure_refuses_bad_labels_and_images(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_probabilities(distribution(1), **kwargs)


def test_sample_predictions_figure_marks_misreadings(steps):
    originals = [steps["grayscale"], np.zeros((30, 50), np.uint8)]
    digits = np.stack([steps["centred_28x28"]] * 2)
    fig = plot_sample_predictions(originals, digits, [3, 3], np.stack([distribution(3), distribution(5)]),
                                  names=["digit_3_pencil.jpg", "blank.png"])
    assert isinstance(fig, Figure) and len(fig.axes) == 6  # original, input, bars for each
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "digit_3_pencil.jpg" and titles[1] == "true 3 → read 3 (90%)"
    assert titles[4] == "true 3 → read 5 (90%)" and fig.axes[4].title.get_color() == "tab:red"
    empty = plot_sample_predictions([], np.zeros((0, 28, 28)), np.zeros(0, int), np.zeros((0, 10)), title="misses")
    assert "No samples to show" in empty.axes[0].texts[0].get_text()


@pytest.mark.parametrize("change, message", [
    ({"labels": [3]}, "labels has 1"),
    ({"originals": [np.zeros((9, 9))]}, "originals has 1"),
    ({"probabilities": np.full((2, 9), 1 / 9)}, "10 columns"),
    ({"digits": np.zeros((2, 20, 20))}, r"\(n, 28, 28\)"),
    ({"originals": np.zeros((9, 9))}, "list of 2-D images"),
    ({"names": ["one"]}, "names has 1"),
    ({"labels": [3, 12]}, "0..9"),
])
def test_sample_predictions_figure_refuses_mismatched_inputs(steps, change, message):
    args = {"originals": [steps["grayscale"]] * 2, "digits": np.stack([steps["centred_28x28"]] * 2),
            "labels": [3, 3], "probabilities": np.stack([distribution(3)] * 2)}
    args.update(change)
    with pytest.raises(ValueError, match=message):
        plot_sample_predictions(**args)


# --------------------------------------------------------------------------- the drawing canvas


def test_strokes_become_a_dark_on_light_drawing_that_preprocesses():
    seven = [[(60, 50), (220, 50), (120, 250)]]
    image = strokes_to_image(seven, size=280, pen_width=20)
    assert image.shape == (280, 280) and image.dtype == np.uint8
    assert image[50, 140] == 0 and image[10, 10] == 255  # ink on the bar, paper in the corner
    assert preprocess_digit(image).shape == (28, 28)
    dot = strokes_to_image([[(140, 140)]], pen_width=10)
    assert dot[140, 140] == 0 and (dot == 0).sum() < 120  # a click is a dot the pen's size
    with pytest.raises(ValueError, match="pen_width"):
        strokes_to_image(seven, pen_width=0)


def test_canvas_without_ipycanvas_says_what_to_do_instead(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipycanvas", None)  # as if it were not installed
    with pytest.raises(ImportError) as error:
        drawing_canvas(model=None)
    assert str(error.value) == CANVAS_HINT and "pip install ipycanvas" in CANVAS_HINT and "PNG" in CANVAS_HINT


def test_canvas_draws_and_predicts_where_ipycanvas_is_installed():
    pytest.importorskip("ipycanvas")

    class Model:
        def predict(self, x, verbose=0):
            assert x.shape == (1, 28, 28, 1)
            return distribution(7)[None, :]

    widget = drawing_canvas(Model())
    canvas, buttons = widget.children[0].children
    predict_button, clear_button = buttons.children
    canvas._mouse_down_callbacks(60, 50)
    for x, y in ((220, 50), (120, 250)):
        canvas._mouse_move_callbacks(x, y)
    canvas._mouse_up_callbacks(120, 250)
    predict_button.click()
    clear_button.click()
    predict_button.click()  # nothing drawn: says so, no error
