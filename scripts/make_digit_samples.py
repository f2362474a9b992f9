"""Draw the lab's sample handwritten digits 0-9 into notebooks/samples/, for notebook 06.

    python scripts/make_digit_samples.py            # writes notebooks/samples/digit_<label>_<style>.<png|jpg>
    python scripts/make_digit_samples.py --out DIR

Each digit is drawn as a person would write it, not typeset: one or two pen strokes (lines, Bezier curves and
arcs) with a slight slant, a slow wobble and a pen of its own width, anti-aliased. The ten images differ on
purpose in everything the preprocessing must undo: canvas size (120x90 to 600x400), grey or colour, dark ink on
paper or chalk on a board, PNG or JPEG, the digit off-centre, one on a faintly textured paper and one on a
transparent background. Everything comes from one random seed, so the command always writes the same files.
"""
from __future__ import annotations

import argparse
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
SEED = 2024
SUPERSAMPLE = 4  # strokes are drawn 4x larger, then shrunk: smooth, anti-aliased edges

Point = tuple[float, float]


# --------------------------------------------------------------------------- stroke shapes, in a unit box
# Coordinates: x to the right, y downwards, the digit's height is 1 and its width about 0.6.


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, n: int = 40) -> list[Point]:
    """Points along a cubic Bezier curve."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    points = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
    return [tuple(p) for p in points]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 60) -> list[Point]:
    """Points along an ellipse from angle ``start`` to ``end`` (degrees; 0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, end, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def line(p0: Point, p1: Point, n: int = 20) -> list[Point]:
    """Points along a straight segment."""
    return [(p0[0] + (p1[0] - p0[0]) * s, p0[1] + (p1[1] - p0[1]) * s) for s in np.linspace(0.0, 1.0, n)]


def figure_eight(n: int = 160) -> list[Point]:
    """An 8 in one stroke: a smaller loop on top of a larger one, crossing in the middle."""
    t = np.linspace(0.15, 2 * math.pi + 0.35, n)
    top = np.cos(t) > 0
    y = np.where(top, 0.47 - 0.45 * np.cos(t), 0.47 - 0.51 * np.cos(t))
    x = 0.32 + np.where(top, 0.21, 0.27) * np.sin(2 * t) * -1
    return list(zip(x, y))


def digit_strokes(label: int, shape: str = "") -> list[list[Point]]:
    """The pen strokes of one handwritten digit, MNIST-style (a 7 without a bar, a 1 as one stroke), or in ``shape``."""
    if (label, shape) == (7, "barred"):  # the continental 7: a bar across its stem and a foot curled to the right
        return [bezier((0.03, 0.12), (0.15, 0.0), (0.40, 0.06), (0.62, 0.03))
                + bezier((0.62, 0.03), (0.45, 0.35), (0.08, 0.78), (0.08, 0.94))[1:]
                + bezier((0.08, 0.94), (0.12, 1.02), (0.45, 0.94), (0.66, 0.96))[1:],
                line((0.14, 0.50), (0.60, 0.47))]
    if (label, shape) == (4, "closed"):  # a 4 closed at the top by a rounded stroke, its bar barely past the stem
        return [bezier((0.50, 0.02), (0.10, 0.05), (-0.02, 0.45), (0.06, 0.56))
                + line((0.06, 0.56), (0.56, 0.54))[1:],
                bezier((0.50, 0.02), (0.50, 0.35), (0.49, 0.70), (0.48, 1.0))]
    if shape:
        raise ValueError(f"no shape {shape!r} for the digit {label}")
    if label == 0:
        return [arc(0.32, 0.5, 0.29, 0.48, -105, 262)]
    if label == 1:
        return [bezier((0.40, 0.0), (0.37, 0.35), (0.33, 0.68), (0.30, 1.0))]
    if label == 2:
        return [bezier((0.05, 0.24), (0.10, -0.06), (0.62, -0.08), (0.56, 0.30))
                + bezier((0.56, 0.30), (0.50, 0.52), (0.22, 0.76), (0.03, 0.97))[1:]
                + line((0.03, 0.97), (0.64, 0.93))[1:]]
    if label == 3:
        return [bezier((0.06, 0.12), (0.30, -0.08), (0.78, 0.10), (0.28, 0.46))
                + bezier((0.28, 0.46), (0.85, 0.44), (0.72, 1.08), (0.04, 0.88))[1:]]
    if label == 4:
        return [line((0.30, 0.0), (0.02, 0.62)) + line((0.02, 0.62), (0.64, 0.60))[1:],
                bezier((0.50, 0.18), (0.49, 0.45), (0.48, 0.75), (0.47, 1.0))]
    if label == 5:
        return [line((0.14, 0.03), (0.10, 0.44))
                + bezier((0.10, 0.44), (0.55, 0.28), (0.82, 0.72), (0.40, 0.95))[1:]
                + bezier((0.40, 0.95), (0.26, 1.01), (0.12, 0.96), (0.04, 0.87))[1:],
                line((0.14, 0.03), (0.62, 0.01))]
    if label == 6:
        return [bezier((0.54, 0.0), (0.22, 0.16), (0.02, 0.52), (0.08, 0.80))
                + arc(0.32, 0.74, 0.25, 0.24, 160, 520)[1:]]
    if label == 7:
        return [line((0.03, 0.05), (0.62, 0.03))
                + bezier((0.62, 0.03), (0.50, 0.30), (0.32, 0.62), (0.24, 1.0))[1:]]
    if label == 8:
        return [figure_eight()]
    if label == 9:
        return [arc(0.33, 0.27, 0.25, 0.25, 5, 372)
                + bezier((0.58, 0.30), (0.57, 0.55), (0.53, 0.80), (0.50, 1.0))[1:]]
    raise ValueError(f"label must be a digit 0..9, got {label!r}")


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Sample:
    """One sample image: which digit, on what, how."""

    label: int
    style: str  # goes into the file name
    size: tuple[int, int]  # canvas (width, height)
    height: float  # the digit's height, as a share of the canvas height
    centre: tuple[float, float]  # where the digit sits, as shares of the canvas (x, y)
    pen: float  # stroke width, as a share of the digit's height
    ink: tuple[int, ...]  # RGB (or a grey level)
    paper: tuple[int, ...]
    fmt: str = "PNG"  # PNG or JPEG
    mode: str = "RGB"  # L (grey), RGB or RGBA (transparent paper)
    slant: float = 0.15  # forward lean, as a shear of x by y
    texture: float = 0.0  # paper grain, 0..1
    chalk: bool = False  # broken, grainy strokes
    shape: str = ""  # a shape MNIST's writers seldom made (see digit_strokes), for the hard samples
    shadow: float = 0.0  # a shadow darkening the paper's left edge, 0..1
    kind: str = "digit"  # the file name's start: "digit" for the ten, "hard" for the ones notebook 06 diagnoses


SAMPLES = [
    Sample(0, "pen", (200, 160), 0.62, (0.42, 0.50), 0.10, (30,), (245,), mode="L"),
    Sample(1, "chalk", (300, 200), 0.66, (0.62, 0.45), 0.13, (235, 235, 225), (40, 52, 48), fmt="JPEG", chalk=True),
    Sample(2, "blue_ink", (400, 300), 0.55, (0.35, 0.55), 0.12, (25, 45, 150), (250, 250, 244)),
    Sample(3, "pencil", (320, 240), 0.58, (0.55, 0.45), 0.09, (95,), (228,), fmt="JPEG", mode="L", texture=0.6),
    Sample(4, "marker", (600, 400), 0.60, (0.30, 0.60), 0.14, (20, 20, 20), (255, 255, 255)),
    Sample(5, "red_pen", (360, 280), 0.62, (0.60, 0.52), 0.12, (190, 30, 35), (252, 246, 225), fmt="JPEG"),
    Sample(6, "small", (120, 90), 0.80, (0.50, 0.50), 0.12, (10,), (255,), mode="L"),
    Sample(7, "chalk", (400, 300), 0.55, (0.40, 0.40), 0.13, (240, 240, 230), (35, 45, 40), fmt="JPEG", chalk=True),
    Sample(8, "transparent", (240, 240), 0.70, (0.50, 0.50), 0.11, (15, 15, 60), (0, 0, 0), mode="RGBA"),
    Sample(9, "white_on_black", (256, 256), 0.65, (0.45, 0.50), 0.13, (250,), (5,), mode="L", slant=0.22),
    # The hard ones: each differs from MNIST in one way that the preprocessing cannot undo (notebook 06 diagnoses them).
    Sample(7, "barred", (300, 240), 0.62, (0.50, 0.50), 0.11, (25,), (245,), mode="L", shape="barred", kind="hard"),
    Sample(4, "closed_top", (300, 240), 0.62, (0.50, 0.50), 0.11, (25,), (245,), mode="L", shape="closed",
           kind="hard"),
    Sample(8, "thin_faint", (600, 450), 0.45, (0.50, 0.50), 0.012, (205,), (240,), mode="L", kind="hard"),
    Sample(2, "shadow", (400, 300), 0.55, (0.58, 0.50), 0.11, (30,), (235,), fmt="JPEG", mode="L", shadow=0.7,
           kind="hard"),
]


def wobble(points: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Add a slow, smooth tremble along the stroke (a hand, not a plotter)."""
    n = len(points)
    knots = rng.normal(0.0, amount, size=(max(3, n // 15), 2))
    positions = np.linspace(0, n - 1, len(knots))
    return points + np.stack([np.interp(np.arange(n), positions, knots[:, k]) for k in range(2)], axis=1)


def blur(array: np.ndarray, sigma: float) -> np.ndarray:
    """Return ``array`` softened by a small Gaussian (separable, edges repeated)."""
    radius = max(1, math.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(array, radius, mode="edge")
    rows = np.apply_along_axis(np.convolve, 1, padded, kernel, mode="valid")
    return np.apply_along_axis(np.convolve, 0, rows, kernel, mode="valid").astype(np.float32)


def pen_track(xy: np.ndarray, pen: float, rng: np.random.Generator):
    """Yield (point, radius) every quarter of the pen's radius along a polyline; lighter at both ends."""
    step = np.hypot(*np.diff(xy, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(step)])
    positions = np.arange(0.0, along[-1] + 1e-9, max(1.0, pen / 8))
    x, y = np.interp(positions, along, xy[:, 0]), np.interp(positions, along, xy[:, 1])
    s = positions / max(along[-1], 1e-9)  # 0 at the start of the stroke, 1 at its end
    pressure = 0.8 + 0.2 * np.sin(np.pi * s) ** 0.5  # 80% of the pen's width at the ends, all of it mid-stroke
    pressure *= 1.0 + 0.06 * np.sin(2 * np.pi * (s * rng.uniform(1.5, 3.0) + rng.uniform()))
    for px, py, p in zip(x, y, pressure):
        yield (px, py), pen * p / 2


def draw_mask(sample: Sample, rng: np.random.Generator) -> np.ndarray:
    """Return the ink coverage (0..1) of the digit on the canvas, drawn at 4x and anti-aliased down."""
    width, height = sample.size
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(big)
    digit_height = sample.height * height * SUPERSAMPLE
    cx, cy = sample.centre[0] * width * SUPERSAMPLE, sample.centre[1] * height * SUPERSAMPLE
    angle = math.radians(rng.uniform(-4, 4))
    pen = max(SUPERSAMPLE, sample.pen * digit_height * rng.uniform(0.9, 1.1))
    for stroke in digit_strokes(sample.label, sample.shape):
        p = np.asarray(stroke, dtype=float)
        p = wobble(p, rng, 0.016)
        p[:, 0] -= 0.32 + sample.slant * (p[:, 1] - 0.5)  # centre the box, then lean forward
        p[:, 1] -= 0.5
        rotated = p @ np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
        xy = np.stack([cx + rotated[:, 0] * digit_height, cy + rotated[:, 1] * digit_height], axis=1)
        for (x, y), r in pen_track(xy, pen, rng):  # stamp the round nib densely along the stroke
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    mask = np.asarray(big.resize((width, height), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
    if sample.chalk:  # chalk skips over the board's grain: patchy, slightly lighter strokes
        grain = rng.uniform(0.45, 1.0, size=mask.shape).astype(np.float32)
        grain = blur(grain, 0.7)
        mask = mask * np.clip(grain * 1.15, 0.0, 1.0)
    return np.clip(mask, 0.0, 1.0)


def render(sample: Sample, rng: np.random.Generator) -> Image.Image:
    """Return the sample as a PIL image: ink laid on paper (or on nothing, for RGBA)."""
    mask = draw_mask(sample, rng)
    if sample.mode == "RGBA":
        rgba = np.zeros(mask.shape + (4,), dtype=np.float32)
        rgba[..., :3] = sample.ink
        rgba[..., 3] = mask * 255.0
        return Image.fromarray(np.round(rgba).astype(np.uint8), "RGBA")
    ink = np.asarray(sample.ink, dtype=np.float32)
    paper = np.full(mask.shape + (len(sample.paper),), sample.paper, dtype=np.float32)
    if sample.texture:  # paper grain: fine noise, softened, plus a gentle shading across the sheet
        grain = rng.normal(0.0, 9.0 * sample.texture, size=mask.shape).astype(np.float32)
        grain = blur(grain, 0.8)
        shade = np.linspace(-6.0, 6.0, mask.shape[1], dtype=np.float32)[None, :] * sample.texture
        paper = paper + (grain + shade)[..., None]
    if sample.shadow:  # a hand's or the phone's shadow over the page's left quarter, darkest at the edge
        ramp = np.clip(1.0 - np.arange(mask.shape[1]) / (0.25 * mask.shape[1]), 0.0, 1.0) ** 1.5
        paper = paper * (1.0 - sample.shadow * ramp)[None, :, None]
    pixels = paper * (1.0 - mask[..., None]) + ink * mask[..., None]
    pixels = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    if pixels.shape[2] == 1:
        return Image.fromarray(pixels[..., 0], "L")
    return Image.fromarray(pixels, "RGB")


def encode(image: Image.Image, fmt: str) -> bytes:
    """Return the image as PNG (optimised) or JPEG (quality 85) bytes."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=85, optimize=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def file_name(sample: Sample) -> str:
    return f"{sample.kind}_{sample.label}_{sample.style}.{'jpg' if sample.fmt == 'JPEG' else 'png'}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks" / "samples")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    total = 0
    for sample in SAMPLES:
        data = encode(render(sample, rng), sample.fmt)
        path = args.out / file_name(sample)
        path.write_bytes(data)
        total += len(data)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"({sample.size[0]}x{sample.size[1]}, {sample.mode}, {len(data) / 1024:.1f} KB)")
    print(f"{len(SAMPLES)} samples, {total / 1024:.0f} KB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
