"""Your own handwritten digit made into an MNIST input the way MNIST was made (LeCun, Cortes and Burges): white ink
on black, scaled into a 20x20 box, centred by mass in 28x28. ``preprocess_digit_steps`` returns every step."""
import contextlib
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .checks import IMAGE_SIZE, check_pixels, pixel_max

BOX_SIZE = 20  # the box the digit is scaled into (its longer side)
CENTRE = (14.0, 14.0)  # (row, col) in pixel indices 0..27, where MNIST's centres of mass lie (13.5..14.5)
INK_THRESHOLD = 0.1  # a pixel is ink when it is above this fraction of the brightest ink (after polarity)
MIN_INK_CONTRAST = 0.1  # ink must differ from the background by at least this much (on a 0..1 scale)
MAX_SIDE = 4096  # pixels, on either side
MAX_PIXELS = 16_000_000  # 16 megapixels
STEP_NAMES = ("grayscale", "polarity", "cropped", "scaled_20x20", "centred_28x28")
_ACCEPTED = "a file path (str or pathlib.Path), a PIL.Image, or a NumPy array (H, W), (H, W, 3) or (H, W, 4)"
_TOO_LARGE = (f"too large for a digit drawing; the limit is {MAX_SIDE} pixels on either side and "
              f"{MAX_PIXELS // 1_000_000} megapixels. Crop or shrink it first.")
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, the weights PIL uses for mode "L"


def preprocess_digit(image) -> np.ndarray:
    """Return a handwritten digit (a path, PIL.Image or array, any polarity) as MNIST's float32 (28, 28) in [0, 1]."""
    return preprocess_digit_steps(image)["centred_28x28"]


def preprocess_digit_steps(image) -> dict[str, np.ndarray]:
    """Return every step of ``preprocess_digit`` in order, as 2-D float32 arrays keyed by ``STEP_NAMES``."""
    grey = to_grayscale(image)  # polarity: the ink white (max 1) on black (0), the background what the border mostly is
    background = float(np.median(np.concatenate([grey[0, :], grey[-1, :], grey[1:-1, 0], grey[1:-1, -1]])))
    lighter, darker = np.clip(grey - background, 0.0, None), np.clip(background - grey, 0.0, None)  # the two polarities
    ink = darker if darker.sum() >= lighter.sum() else lighter  # the ink is the bigger departure from the paper
    if (strongest := float(ink.max())) < MIN_INK_CONTRAST:
        found = (f"the whole image is one level ({background:.3g})" if strongest == 0 else
                 f"the strongest mark differs from the background ({background:.3g}) by only {strongest:.3g}, "
                 f"below the {MIN_INK_CONTRAST} a stroke needs")
        raise ValueError(f"no ink found: {found}. Is the image blank, or the pen too faint?")
    ink = (ink / strongest).astype(np.float32)
    steps = {"grayscale": grey, "polarity": ink}
    mask = ink > INK_THRESHOLD * ink.max()  # cropped: the bounding box of the ink
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    steps["cropped"] = crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()
    height, width = crop.shape  # scaled: the longer side made BOX_SIZE, aspect kept, anti-aliased (Lanczos)
    factor = BOX_SIZE / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))  # PIL sizes are (width, height)
    scaled = np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS))
    steps["scaled_20x20"] = box = np.clip(scaled, 0.0, 1.0).astype(np.float32)
    box = np.ones_like(box) if box.max() <= 0 else box  # Lanczos can ring a one-pixel speck away: use the whole box
    (centre_row, centre_col), (height, width) = centre_of_mass(box), box.shape  # centred: centre of mass at CENTRE
    top = min(max(round(CENTRE[0] - centre_row), 0), IMAGE_SIZE - height)  # clamped: nothing is cut off
    left = min(max(round(CENTRE[1] - centre_col), 0), IMAGE_SIZE - width)
    field = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    field[top : top + height, left : left + width] = box
    steps["centred_28x28"] = field / field.max()  # rescaled to max 1
    return steps


def centre_of_mass(image) -> tuple[float, float]:
    """Return the intensity-weighted mean (row, col) of a 2-D image, in pixel indices (pixel centres at 0, 1, ...)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or (total := image.sum()) <= 0:
        raise ValueError(f"centre_of_mass needs a 2-D image with some positive ink, got shape {image.shape}.")
    rows = (image.sum(axis=1) * np.arange(image.shape[0])).sum() / total
    cols = (image.sum(axis=0) * np.arange(image.shape[1])).sum() / total
    return float(rows), float(cols)


def to_grayscale(image) -> np.ndarray:
    """Return any accepted input as a 2-D float32 grey image in [0, 1]; alpha is composited onto white."""
    if isinstance(image, (str, os.PathLike)):
        image, source = _open_image_file(Path(image)), str(image)
    elif isinstance(image, Image.Image):
        source = "the PIL image"
        _check_size(image.size[1], image.size[0], source)
    elif isinstance(image, (list, tuple, np.ndarray)):
        return _grayscale_from_array(image)
    else:
        raise TypeError(f"preprocess_digit takes {_ACCEPTED}; got {type(image).__name__}.")
    with contextlib.suppress(Exception):  # a damaged EXIF block is no reason to refuse the pixels
        image = ImageOps.exif_transpose(image)  # phone photos: stand the picture up the way it was taken
    mode = image.mode
    if mode.startswith("I") or mode == "F":  # 16- or 32-bit integer grey, or float grey
        pixels = np.asarray(image, dtype=np.float32)
        wide = mode.startswith("I;16") or pixels.max(initial=0) > 255
        return _grayscale_from_array(pixels / (1.0 if mode == "F" else 65535.0 if wide else 255.0), source)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    try:
        image = image.convert("RGBA" if has_alpha else "L")
    except (OSError, ValueError) as error:
        raise ValueError(f"{source} has image mode {mode!r}, which cannot be made grey ({error}).") from None
    return _grayscale_from_array(np.asarray(image), source)


def _open_image_file(path: Path) -> Image.Image:
    if not path.exists():
        raise FileNotFoundError(f"no image file at {str(path)!r}; check the path (read relative to {os.getcwd()}).")
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder; give the path of one PNG or JPEG image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)  # lazy: reads the header only, so the size is checked before decoding
    except UnidentifiedImageError:
        raise ValueError(f"{str(path)!r} is not an image PIL can read; save the digit as PNG or JPEG.") from None
    except Image.DecompressionBombError:
        raise ValueError(f"{str(path)!r} is far {_TOO_LARGE}") from None
    with opened:
        _check_size(opened.size[1], opened.size[0], repr(str(path)))
        try:
            opened.load()
        except (OSError, SyntaxError, ValueError) as error:  # truncated or damaged files
            raise ValueError(f"{str(path)!r} is a damaged or truncated image ({error}); save it again.") from None
        return opened.copy()


def _check_size(height: int, width: int, what: str) -> None:
    if height == 0 or width == 0:
        raise ValueError(f"{what} is empty ({height}x{width} pixels); give an image of a drawn digit.")
    if height > MAX_SIDE or width > MAX_SIDE or height * width > MAX_PIXELS:
        raise ValueError(f"{what} is {width}x{height} pixels, {_TOO_LARGE}")


def _grayscale_from_array(array, source: str = "the array") -> np.ndarray:
    if isinstance(array, (list, tuple)):
        try:
            array = np.asarray(array)
        except ValueError:
            raise ValueError(f"the list is ragged (its rows differ in length); give {_ACCEPTED}.") from None
        source = "the list"
    array = array.astype(np.float32) if array.dtype == bool else array
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{source} holds {array.dtype} values, not pixel numbers; give {_ACCEPTED}, with uint8 "
                        f"0..255 or float 0..1.")
    if array.size == 0:
        raise ValueError(f"{source} is empty (shape {array.shape}); give an image of a drawn digit.")
    array = array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"{source} has shape {array.shape}; an image is (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA.")
    _check_size(array.shape[0], array.shape[1], source)
    array = array.astype(np.float32) / 65535.0 if array.dtype == np.uint16 else array  # 16-bit grey
    pixels = check_pixels(source, array).astype(np.float32) / np.float32(pixel_max(array))
    if pixels.ndim == 2:
        return pixels
    grey = pixels[:, :, :3] @ _LUMA
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        grey = grey * alpha + (1.0 - alpha)  # onto white paper
        grey = 1.0 - alpha if np.ptp(grey) == 0 and np.ptp(alpha) > 0 else grey  # light ink, transparent background
    return np.clip(grey, 0.0, 1.0).astype(np.float32)
