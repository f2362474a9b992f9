"""Input checks shared by the lab's helpers: the name of the argument first; each says what is wrong, what to do."""
from collections.abc import Sequence

import numpy as np

IMAGE_SIZE = 28
NUM_CLASSES = 10
IMAGE_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1), (IMAGE_SIZE * IMAGE_SIZE,))


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int if it is a whole number of at least 1 (not a bool), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer (a whole number of at least 1), got {value!r}.")
    return int(value)


def check_rate(name: str, value) -> float:
    """Return ``value`` as a float if it is a rate in [0, 1), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a dropout rate in [0, 1), got {value!r}.")
    return float(value)


def as_int_tuple(name: str, value, allow_empty: bool = False) -> tuple[int, ...]:
    """Return a positive integer or a sequence of them as a tuple of ints (one entry per block or layer)."""
    value = (value,) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a positive integer or a sequence of them, got {value!r}.")
    if not value and not allow_empty:
        raise ValueError(f"{name} needs at least one entry (one per block), got {value!r}.")
    return tuple(check_positive_int(f"each entry of {name}", item) for item in value)


def check_pixels(name: str, pixels) -> np.ndarray:
    """Return ``pixels`` as an array if they are integers 0..255 or finite floats in [0, 1], else raise ValueError."""
    x = np.asarray(pixels)
    integer, floating = np.issubdtype(x.dtype, np.integer), np.issubdtype(x.dtype, np.floating)
    if not (integer or floating):
        raise ValueError(f"{name} must be uint8 (0..255) or float (0..1) pixels, got dtype {x.dtype}.")
    if integer and x.size and (x.min() < 0 or x.max() > 255):
        raise ValueError(f"{name}: integer pixels must lie in 0..255 (found {x.min()}..{x.max()}); pass the "
                         f"uint8 images.")
    if floating and not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or infinite pixel values; pass the uint8 images or floats in [0, 1].")
    if floating and x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"{name}: float pixels must lie in [0, 1] (found {x.min():.3g}..{x.max():.3g}); divide "
                         f"uint8 pixels by 255, or pass the uint8 images themselves.")
    return x


def as_images(name: str, images) -> np.ndarray:
    """Return a non-empty batch of MNIST images as (n, 28, 28), dtype and scale unchanged, pixels checked."""
    x = np.asarray(images)
    if x.ndim < 2 or x.shape[1:] not in IMAGE_SHAPES or len(x) == 0:
        hint = f" For a single image, pass {name}[i:i+1] (or image[None])." if x.shape in IMAGE_SHAPES else ""
        raise ValueError(f"{name} must be a non-empty batch of MNIST images shaped (n, 28, 28), (n, 28, 28, 1) or "
                         f"(n, 784), got an array of shape {x.shape}.{hint}")
    return check_pixels(name, x).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def pixel_max(x: np.ndarray) -> float:
    """Return the value of full ink: 255 for integer pixels, 1.0 for float pixels."""
    return 255 if np.issubdtype(np.asarray(x).dtype, np.integer) else 1.0


def check_labels(name: str, labels, num_classes: int = NUM_CLASSES, like: tuple[str, int] | None = None) -> np.ndarray:
    """Return labels as a non-empty 1-D integer array in 0..num_classes-1 (``like``: (other, n), as many as it)."""
    y, digits = np.asarray(labels), f"0..{num_classes - 1}"
    if y.ndim == 2:
        raise ValueError(f"{name} must be a 1-D array of digits {digits}, got shape {y.shape}: these look like "
                         f"one-hot labels or predicted probabilities. Pass {name}.argmax(axis=1) instead.")
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of digits {digits}, got shape {y.shape}.")
    if y.size == 0:
        raise ValueError(f"{name} is empty; pass a non-empty array, at least one label.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be integers {digits}, got dtype {y.dtype}; if they are whole numbers, "
                         f"pass {name}.astype(int).")
    if (bad := (y < 0) | (y >= num_classes)).any():
        first = int(np.argmax(bad))
        raise ValueError(f"{name} must lie in {digits}, but holds {y[first]} at index {first} "
                         f"(range found: {y.min()}..{y.max()}).")
    if like is not None:
        check_same_length(name, len(y), *like)
    return y


def check_probabilities(name: str, probabilities) -> np.ndarray:
    """Return predicted probabilities as a float64 array (n, num_classes), each row summing to 1."""
    p = np.asarray(probabilities)
    if p.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n, num_classes), as model.predict(x) returns, got shape {p.shape}: "
                         f"these look like predicted labels. Pass the probabilities from model.predict(x).")
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, num_classes) with at least 2 classes, as "
                         f"model.predict(x) returns, got shape {p.shape}.")
    if not (np.issubdtype(p.dtype, np.floating) or np.issubdtype(p.dtype, np.integer)):
        raise ValueError(f"{name} must be numbers, got dtype {p.dtype}.")
    p = p.astype("float64")
    sums = p.sum(axis=1)
    if (bad := ~np.isfinite(sums) | ((p < 0) | (p > 1)).any(axis=1) | ~np.isclose(sums, 1.0, atol=1e-2)).any():
        row = int(np.argmax(bad))
        raise ValueError(f"{name} must be probabilities: values in [0, 1] that sum to 1 in every row (row {row} sums "
                         f"to {sums[row]:.3g}). If the model's last layer has no softmax, these are logits: "
                         f"apply keras.ops.softmax to them first.")
    return p


def check_same_length(name: str, n: int, other: str, m: int) -> None:
    """Raise ValueError unless ``name`` (n entries) and ``other`` (m entries) are equally long."""
    if n != m:
        raise ValueError(f"{name} has {n:,} entries but {other} has {m:,}; pass one entry for each image.")


def check_images_and_labels(*parts) -> None:
    """Raise ValueError unless each (name, images, labels) part is non-empty with as many labels as images."""
    for name, x, y in parts:
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"{name + ' ' if name else ''}images and labels must be non-empty and equally long, "
                             f"got {len(x)} and {len(y)}.")
