"""Model builders: the dense baseline and the seed CNN, with every knob the experiments vary."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import IMAGE_SIZE, NUM_CLASSES

SEED_CNN_DEFAULTS = dict(
    filters=(75, 100),
    kernel_size=5,
    pool_size=2,
    dense_units=(500,),
    conv_dropout=0.2,
    dense_dropout=0.5,
    padding="valid",
)
SEED_CNN_PARAMS = 995_060
DENSE_BASELINE_PARAMS = 636_010


def build_dense_baseline(hidden_units: int = 800, num_classes: int = NUM_CLASSES):
    """Return the course's first network: Dense(800, ReLU, normal init) -> Dense(10, softmax)."""
    import keras
    from keras import layers

    _check_positive_int("hidden_units", hidden_units)
    _check_positive_int("num_classes", num_classes)
    return keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE * IMAGE_SIZE,)),
            layers.Dense(hidden_units, activation="relu", kernel_initializer="normal"),
            # The output stays float32 even under mixed precision, so the softmax is computed accurately.
            layers.Dense(num_classes, activation="softmax", kernel_initializer="normal", dtype="float32"),
        ],
        name="dense_baseline",
    )


def seed_cnn_shapes(
    filters=SEED_CNN_DEFAULTS["filters"],
    kernel_size=SEED_CNN_DEFAULTS["kernel_size"],
    pool_size=SEED_CNN_DEFAULTS["pool_size"],
    padding=SEED_CNN_DEFAULTS["padding"],
) -> list[tuple[str, int]]:
    """Return the feature-map side after each conv and pool layer; raise ValueError if a kernel or pool no longer fits."""
    filters = _as_int_tuple("filters", filters)
    _check_positive_int("kernel_size", kernel_size)
    _check_positive_int("pool_size", pool_size)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    side, shapes = IMAGE_SIZE, []
    for block, _ in enumerate(filters, start=1):
        if padding == "valid":
            if kernel_size > side:
                raise ValueError(
                    f"conv block {block}: a {kernel_size}x{kernel_size} kernel does not fit the {side}x{side} "
                    f"feature map it receives. Use fewer blocks, a smaller kernel_size or pool_size, or padding='same'."
                )
            side = side - kernel_size + 1
        shapes.append((f"conv{block}", side))
        if pool_size > side:
            raise ValueError(
                f"conv block {block}: a {pool_size}x{pool_size} pool does not fit the {side}x{side} feature map "
                f"after the convolution. Use fewer blocks, a smaller kernel_size or a smaller pool_size."
            )
        side //= pool_size
        shapes.append((f"pool{block}", side))
    return shapes


def build_seed_cnn(
    filters: Sequence[int] = SEED_CNN_DEFAULTS["filters"],
    kernel_size: int = SEED_CNN_DEFAULTS["kernel_size"],
    pool_size: int = SEED_CNN_DEFAULTS["pool_size"],
    dense_units: int | Sequence[int] = SEED_CNN_DEFAULTS["dense_units"],
    conv_dropout: float = SEED_CNN_DEFAULTS["conv_dropout"],
    dense_dropout: float = SEED_CNN_DEFAULTS["dense_dropout"],
    padding: str = SEED_CNN_DEFAULTS["padding"],
    num_classes: int = NUM_CLASSES,
):
    """Return the seed CNN; the defaults are the published 6-layer network (995,060 parameters).

    ``filters`` has one entry per Conv2D+MaxPool block (its length is the number of blocks) and
    ``dense_units`` one entry per hidden Dense layer; an empty tuple means none.
    """
    import keras
    from keras import layers

    seed_cnn_shapes(filters, kernel_size, pool_size, padding)  # refuses a kernel or pool that does not fit
    filters = _as_int_tuple("filters", filters)
    dense_units = _as_int_tuple("dense_units", dense_units, allow_empty=True)
    _check_rate("conv_dropout", conv_dropout)
    _check_rate("dense_dropout", dense_dropout)
    _check_positive_int("num_classes", num_classes)

    model = keras.Sequential(name="seed_cnn")
    model.add(keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1)))
    for block, n_maps in enumerate(filters, start=1):
        model.add(layers.Conv2D(n_maps, kernel_size, padding=padding, activation="relu", name=f"conv{block}"))
        model.add(layers.MaxPooling2D(pool_size, name=f"pool{block}"))
        if conv_dropout:
            model.add(layers.Dropout(conv_dropout, name=f"dropout{block}"))
    model.add(layers.Flatten(name="flatten"))
    for i, units in enumerate(dense_units, start=1):
        model.add(layers.Dense(units, activation="relu", name=f"dense{i}"))
        if dense_dropout:
            model.add(layers.Dropout(dense_dropout, name=f"dense_dropout{i}"))
    model.add(layers.Dense(num_classes, activation="softmax", dtype="float32", name="output"))
    return model


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a dropout rate in [0, 1), got {value!r}.")


def _as_int_tuple(name: str, value, allow_empty: bool = False) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a positive integer or a sequence of them, got {value!r}.")
    if not value and not allow_empty:
        raise ValueError(f"{name} needs at least one entry (one per block), got {value!r}.")
    for item in value:
        _check_positive_int(f"each entry of {name}", item)
    return tuple(int(v) for v in value)
