"""Tests for lab_utils/digits.py: a handwritten digit made MNIST-style, checked against real MNIST test digits.

Centre of mass here: the intensity-weighted mean (row, col) in pixel indices 0..27 (pixel centres at integers);
MNIST's own digits all have it in 13.5..14.5, so the target is (14, 14) and an integer shift lands within 0.5.
Files are only written under pytest's tmp_path.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from lab_utils.data import load_mnist
from lab_utils.digits import (
    MAX_PIXELS,
    MAX_SIDE,
    STEP_NAMES,
    centre_of_mass,
    preprocess_digit,
    preprocess_digit_steps,
)

NUM_DIGITS = 200
CANVAS = (140, 100)  # PIL (width, height)


def com(image: np.ndarray) -> np.ndarray:
    """Intensity-weighted mean (row, col) in pixel indices, computed independently of the module."""
    rows, cols = np.indices(image.shape)
    return np.array([(rows * image).sum(), (cols * image).sum()]) / image.sum()


def ink_long_side(image: np.ndarray, threshold: float = 0.1) -> int:
    """Longer side of the bounding box of the pixels above threshold * max."""
    mask = image > threshold * image.max()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))


def paste_dark_on_white(digit: np.ndarray, rng: np.random.Generator, rgb: bool) -> Image.Image:
    """The digit as dark ink on white paper, enlarged 2-3x and pasted off-centre on a 140x100 canvas."""
    side = round(28 * rng.uniform(2.0, 3.0))
    big = Image.fromarray(255 - digit).resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("L", CANVAS, 255)
    canvas.paste(big, (int(rng.integers(0, CANVAS[0] - side + 1)), int(rng.integers(0, CANVAS[1] - side + 1))))
    return canvas.convert("RGB") if rgb else canvas


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    (_, _), (x_test, _) = load_mnist()
    rng = np.random.default_rng(0)
    return x_test[rng.choice(len(x_test), NUM_DIGITS, replace=False)]


@pytest.fixture(scope="module")
def digit(digits) -> np.ndarray:
    return digits[0]


@pytest.fixture(scope="module")
def processed(digits) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    original = np.stack([preprocess_digit(d) for d in digits])
    pasted = np.stack([preprocess_digit(paste_dark_on_white(d, rng, rgb=bool(i % 2))) for i, d in enumerate(digits)])
    return {"raw": digits.astype(np.float32) / 255.0, "original": original, "pasted": pasted}


# --------------------------------------------------------------------------- MNIST's recipe, on MNIST's digits


@pytest.mark.parametrize("which", ["original", "pasted"])
def test_outputs_look_like_mnist(processed, which):
    out = processed[which]
    assert out.shape == (NUM_DIGITS, 28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and np.allclose(out.max(axis=(1, 2)), 1.0)
    assert (out[:, 0, :] == 0).all() and (out[:, :, 0] == 0).all()  # white digit on a black field
    assert (out.mean(axis=(1, 2)) < 0.35).all()
    deviation = np.abs(np.stack([com(o) for o in out]) - 14.0)
    assert deviation.max() <= 0.5 + 1e-4  # measured 0.4999: integer shift, well within 1 pixel
    assert all(ink_long_side(o) in (19, 20, 21) for o in out)  # measured: always exactly 20


def test_original_mnist_digit_comes_back_almost_unchanged(processed):
    # MNIST was made this way, so the recipe should nearly be the identity on its digits.
    raw, out = processed["raw"], processed["original"]
    correlation = np.array([np.corrcoef(r.ravel(), o.ravel())[0, 1] for r, o in zip(raw, out)])
    assert correlation.min() > 0.99  # measured min 0.9990, median 1.0000
    assert np.abs(raw - out).mean(axis=(1, 2)).max() < 0.005  # measured max 0.0016


def test_scale_position_and_colour_do_not_matter(processed):
    original, pasted = processed["original"], processed["pasted"]
    mad = np.abs(pasted - original).mean(axis=(1, 2))
    # Measured over 200 digits: median 0.026, 95th percentile 0.067, max 0.103 (resampling blur, plus a
    # one-pixel shift when a centre of mass falls near a half pixel and rounds the other way).
    assert np.median(mad) < 0.04
    assert np.percentile(mad, 95) < 0.1
    shifts = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    best = [min(np.abs(np.roll(p, s, axis=(0, 1)) - o).mean() for s in shifts) for p, o in zip(pasted, original)]
    assert max(best) < 0.08  # measured max 0.055 once a one-pixel shift is allowed
    correlation = [np.corrcoef(p.ravel(), o.ravel())[0, 1] for p, o in zip(pasted, original)]
    assert np.median(correlation) > 0.95  # measured median 0.97


# --------------------------------------------------------------------------- polarity and background


def test_dark_on_light_and_light_on_dark_agree(digit):
    assert np.allclose(preprocess_digit(255 - digit), preprocess_digit(digit), atol=1e-5)


@pytest.mark.parametrize("level", [0.3, 0.7])
def test_grey_background_is_removed(digit, level):
    ink = digit.astype(np.float32) / 255.0
    light_on_grey = level + (1.0 - level) * ink
    dark_on_grey = level * (1.0 - ink)
    expected = preprocess_digit(digit)
    for image in (light_on_grey, dark_on_grey):
        steps = preprocess_digit_steps(image)
        assert steps["polarity"][0].max() == 0  # the background is 0 from the polarity step on
        assert np.allclose(steps["centred_28x28"], expected, atol=1e-4)


# --------------------------------------------------------------------------- the inputs it accepts


def test_png_and_jpeg_files(tmp_path, digit):
    expected = preprocess_digit(digit)
    png, jpeg = tmp_path / "digit.png", tmp_path / "digit.jpg"
    Image.fromarray(255 - digit).save(png)
    Image.fromarray(255 - digit).convert("RGB").save(jpeg, quality=95)
    assert np.allclose(preprocess_digit(png), expected, atol=1e-5)
    assert np.allclose(preprocess_digit(str(png)), expected, atol=1e-5)
    assert np.abs(preprocess_digit(jpeg) - expected).mean() < 0.01  # measured 0.002 at quality 95


def _rgba(digit: np.ndarray, ink_rgb: int) -> np.ndarray:
    """The digit as opaque ink of grey level ink_rgb on a fully transparent background."""
    rgba = np.zeros((*digit.shape, 4), dtype=np.uint8)
    rgba[..., :3] = ink_rgb
    rgba[..., 3] = digit
    return rgba


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda d: Image.fromarray(255 - d), id="PIL-L"),
        pytest.param(lambda d: Image.fromarray(255 - d).convert("RGB"), id="PIL-RGB"),
        pytest.param(lambda d: Image.fromarray(_rgba(d, 0), "RGBA"), id="PIL-RGBA-black-ink-transparent"),
        pytest.param(lambda d: _rgba(d, 255), id="RGBA-white-ink-transparent"),
        pytest.param(lambda d: d, id="uint8"),
        pytest.param(lambda d: d.astype(np.float64) / 255.0, id="float64"),
        pytest.param(lambda d: 1.0 - d.astype(np.float32) / 255.0, id="float32-inverted"),
        pytest.param(lambda d: np.repeat(255 - d[..., None], 3, axis=2), id="HxWx3"),
        pytest.param(lambda d: _rgba(d, 0), id="HxWx4"),
        pytest.param(lambda d: d[..., None], id="HxWx1"),
        pytest.param(lambda d: d.tolist(), id="nested-list"),
    ],
)
def test_accepted_inputs(digit, make):
    assert np.allclose(preprocess_digit(make(digit)), preprocess_digit(digit), atol=1e-4)


def test_steps_in_order_and_last_is_the_output(digit):
    image = Image.fromarray(255 - digit).convert("RGB")
    steps = preprocess_digit_steps(image)
    assert tuple(steps) == STEP_NAMES == ("grayscale", "polarity", "cropped", "scaled_20x20", "centred_28x28")
    for name, step in steps.items():
        assert step.ndim == 2 and step.dtype == np.float32, name
        assert step.min() >= 0.0 and step.max() <= 1.0, name
    assert steps["grayscale"].shape == steps["polarity"].shape == (28, 28)
    assert max(steps["scaled_20x20"].shape) == 20
    assert np.array_equal(steps["centred_28x28"], preprocess_digit(image))
    assert np.allclose(centre_of_mass(steps["centred_28x28"]), com(steps["centred_28x28"]))


def test_writes_no_file(tmp_path, monkeypatch, digit):
    source = tmp_path / "in" / "digit.png"
    source.parent.mkdir()
    Image.fromarray(digit).save(source)
    monkeypatch.chdir(tmp_path)
    preprocess_digit(source)
    preprocess_digit_steps(digit)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["digit.png", "in"]


# --------------------------------------------------------------------------- bad inputs, clear messages


def test_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(ValueError, match=r"notes\.png.*not an image.*PNG or JPEG"):
        preprocess_digit(path)


def test_truncated_image_file(tmp_path, digit):
    buffer = io.BytesIO()
    Image.fromarray(digit).save(buffer, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[:60])
    with pytest.raises(ValueError, match=r"cut\.png.*(damaged|truncated)"):
        preprocess_digit(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no image file at .*missing\.png"):
        preprocess_digit(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="is a folder"):
        preprocess_digit(tmp_path)


def _png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (the pixel data is never that big)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes of fields
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 8), (20_000, 20_000)], ids=["too-wide", "decompression-bomb"])
def test_huge_file_refused_before_decoding(tmp_path, monkeypatch, size):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_claiming_size(*size))

    def no_decoding(self):
        raise AssertionError("the size must be checked before the pixels are decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ValueError, match=rf"huge\.png.*too large.*{MAX_SIDE} pixels.*16 megapixels"):
        preprocess_digit(path)


@pytest.mark.parametrize(
    "image, error, message",
    [
        (np.zeros((0, 5)), ValueError, "empty"),
        (Image.new("L", (0, 0)), ValueError, "empty"),
        (np.zeros((28, 28), np.uint8), ValueError, "no ink found.*one level"),
        (np.full((28, 28, 3), 0.5), ValueError, "no ink found"),
        (np.pad(np.full((4, 4), 0.05), 10), ValueError, "no ink found.*only 0.05"),
        (np.zeros((MAX_SIDE + 1, 3), np.uint8), ValueError, rf"too large.*{MAX_SIDE} pixels"),
        (np.zeros((4000, MAX_PIXELS // 4000 + 1), np.uint8), ValueError, "too large.*16 megapixels"),
        (Image.new("L", (MAX_SIDE + 1, 2)), ValueError, rf"PIL image.*too large.*{MAX_SIDE}"),
        (np.zeros(784), ValueError, r"shape \(784,\).*\(H, W\)"),
        (np.zeros((1, 28, 28, 1)), ValueError, r"shape \(1, 28, 28, 1\)"),
        (np.zeros((28, 28, 2)), ValueError, r"shape \(28, 28, 2\).*RGBA"),
        (np.zeros((28, 28, 5)), ValueError, r"shape \(28, 28, 5\)"),
        (np.full((28, 28), np.nan), ValueError, "NaN or infinite"),
        (np.pad(np.full((4, 4), np.inf), 10), ValueError, "NaN or infinite"),
        (np.full((28, 28), 255.0), ValueError, r"\[0, 1\].*divide uint8 pixels by 255"),
        (np.full((28, 28), -3, np.int16), ValueError, r"0\.\.255"),
        (["seven", "eight"], TypeError, "not pixel numbers"),
        ([[1, 2], [3]], ValueError, "ragged"),
        (7, TypeError, "file path.*PIL.Image.*NumPy array.*got int"),
        (None, TypeError, "got NoneType"),
        (b"\x89PNG", TypeError, "got bytes"),
    ],
    ids=lambda value: None if isinstance(value, (type, str)) else type(value).__name__,
)
def test_bad_inputs_say_what_is_wrong(image, error, message):
    with pytest.raises(error, match=message):
        preprocess_digit(image)
