"""Model builders: the dense baseline and the seed CNN, with every knob the experiments vary."""
from collections.abc import Sequence

from .checks import IMAGE_SIZE, NUM_CLASSES, as_int_tuple, check_positive_int, check_rate

# The published seed CNN's knobs, the defaults of build_seed_cnn (tests/test_models.py checks that they agree).
SEED_CNN_DEFAULTS = dict(filters=(75, 100), kernel_size=5, pool_size=2, dense_units=(500,), conv_dropout=0.2,
                         dense_dropout=0.5, padding="valid")


def build_dense_baseline(hidden_units: int = 800, num_classes: int = NUM_CLASSES):
    """Return the course's first network: Dense(800, ReLU, normal init) -> Dense(10, softmax)."""
    import keras
    check_positive_int("hidden_units", hidden_units)
    check_positive_int("num_classes", num_classes)
    return keras.Sequential([
        keras.Input(shape=(IMAGE_SIZE * IMAGE_SIZE,)),
        keras.layers.Dense(hidden_units, activation="relu", kernel_initializer="normal"),
        # The output stays float32 even under mixed precision, so the softmax is computed accurately.
        keras.layers.Dense(num_classes, activation="softmax", kernel_initializer="normal", dtype="float32"),
    ], name="dense_baseline")


def seed_cnn_shapes(filters=(75, 100), kernel_size=5, pool_size=2, padding="valid") -> list[tuple[str, int]]:
    """Return the feature-map side after each conv and pool layer; ValueError if a kernel or pool no longer fits."""
    filters = as_int_tuple("filters", filters)
    check_positive_int("kernel_size", kernel_size)
    check_positive_int("pool_size", pool_size)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    side, shapes = IMAGE_SIZE, []
    for block, _ in enumerate(filters, start=1):
        if padding == "valid":
            if kernel_size > side:
                raise ValueError(f"conv block {block}: a {kernel_size}x{kernel_size} kernel does not fit the "
                                 f"{side}x{side} feature map it receives. Use fewer blocks, a smaller kernel_size or "
                                 f"pool_size, or padding='same'.")
            side = side - kernel_size + 1
        shapes.append((f"conv{block}", side))
        if pool_size > side:
            raise ValueError(f"conv block {block}: a {pool_size}x{pool_size} pool does not fit the {side}x{side} "
                             f"feature map after convolution. Use fewer blocks, a smaller kernel_size or pool_size.")
        side //= pool_size
        shapes.append((f"pool{block}", side))
    return shapes


def build_seed_cnn(filters: Sequence[int] = (75, 100), kernel_size: int = 5, pool_size: int = 2,
                   dense_units: int | Sequence[int] = (500,), conv_dropout: float = 0.2, dense_dropout: float = 0.5,
                   padding: str = "valid", num_classes: int = NUM_CLASSES):
    """Return the seed CNN (by default the published 6-layer network, 995,060 parameters)."""
    # filters: one entry per Conv2D+MaxPool block; dense_units: one per hidden Dense layer (an empty tuple: none).
    import keras
    seed_cnn_shapes(filters, kernel_size, pool_size, padding)  # refuses a kernel or pool that does not fit
    filters, dense_units = as_int_tuple("filters", filters), as_int_tuple("dense_units", dense_units, allow_empty=True)
    check_rate("conv_dropout", conv_dropout)
    check_rate("dense_dropout", dense_dropout)
    check_positive_int("num_classes", num_classes)
    model = keras.Sequential([keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1))], name="seed_cnn")
    for block, n_maps in enumerate(filters, start=1):
        model.add(keras.layers.Conv2D(n_maps, kernel_size, padding=padding, activation="relu", name=f"conv{block}"))
        model.add(keras.layers.MaxPooling2D(pool_size, name=f"pool{block}"))
        if conv_dropout:
            model.add(keras.layers.Dropout(conv_dropout, name=f"dropout{block}"))
    model.add(keras.layers.Flatten(name="flatten"))
    for i, units in enumerate(dense_units, start=1):
        model.add(keras.layers.Dense(units, activation="relu", name=f"dense{i}"))
        if dense_dropout:
            model.add(keras.layers.Dropout(dense_dropout, name=f"dense_dropout{i}"))
    model.add(keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="output"))
    return model
