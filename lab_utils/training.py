"""Training: one recipe type, one fit function, the lab's input pipeline, and predictions."""
import math
import time
from dataclasses import dataclass, field

import keras
import numpy as np

from .checks import check_images_and_labels, check_positive_int

OPTIMIZERS = {"sgd": keras.optimizers.SGD, "sgd_momentum": keras.optimizers.SGD, "adam": keras.optimizers.Adam,
              "rmsprop": keras.optimizers.RMSprop, "adamw": keras.optimizers.AdamW, "nadam": keras.optimizers.Nadam,
              "adagrad": keras.optimizers.Adagrad}  # sgd_momentum: SGD with momentum 0.9


@dataclass(frozen=True)
class Recipe:
    """How a network is trained: optimizer, learning rate and its schedule, loss, batches, epochs, validation."""

    name: str
    optimizer: str = "adam"  # one of OPTIMIZERS
    learning_rate: float | None = None  # None: the optimizer's default; with a schedule, its peak
    schedule: str = "constant"  # one_cycle: warm up from a tenth of the peak, then a cosine decay to 0
    warmup_fraction: float = 0.2  # one_cycle's share of the steps spent warming up
    batch_size: int = 200
    epochs: int = 10
    validation_split: float = 0.0  # as Keras's: the last share of the training images is held out, never trained on
    label_smoothing: float = 0.0
    use_ema: bool = False  # average the weights over the steps (the optimizer's use_ema)
    early_stopping_patience: int | None = None  # None: every epoch; else stop after this many without progress
    monitor: str = "val_accuracy"  # what early stopping watches; the best epoch's weights are restored
    pipeline: str = "lab"  # lab: input_pipeline (tf.data, autotuning off); keras: model.fit on the arrays

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            check_positive_int(f"Recipe.{name}", getattr(self, name))
        for name, choices in (("optimizer", OPTIMIZERS), ("schedule", ("constant", "one_cycle")),
                              ("pipeline", ("lab", "keras")), ("monitor", ("val_accuracy", "val_loss"))):
            if getattr(self, name) not in choices:
                raise ValueError(f"Recipe.{name} must be one of {', '.join(choices)}, got {getattr(self, name)!r}.")
        rate = self.learning_rate
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0):
            raise ValueError(f"Recipe.learning_rate must be a positive number or None, got {rate!r}.")
        if self.schedule != "constant" and rate is None:
            raise ValueError(f"Recipe.learning_rate: a {self.schedule} schedule needs its peak learning rate.")
        for name in ("warmup_fraction", "validation_split", "label_smoothing"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"Recipe.{name} must be in [0, 1), got {getattr(self, name)!r}.")
        if self.early_stopping_patience is not None:
            check_positive_int("Recipe.early_stopping_patience (or None)", self.early_stopping_patience)


# The lab's fast recipe, chosen on validation (scripts/fast_recipe.py); the published ones are in bench.published.
FAST_RECIPE = Recipe("fast seed CNN", learning_rate=3e-3, schedule="one_cycle", batch_size=128, epochs=3,
                     label_smoothing=0.1)


class EpochTimer(keras.callbacks.Callback):
    """A Keras callback that records the wall time of each epoch in ``seconds``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


@dataclass
class TrainingRun:
    """What one training run produced: its Keras history, timings and test scores (NaN when not tested)."""

    history: dict
    train_seconds: float
    epoch_seconds: list = field(default_factory=list)
    test_loss: float = float("nan")
    test_accuracy: float = float("nan")


def make_optimizer(recipe: Recipe, total_steps: int):
    """Return a fresh Keras optimizer as ``recipe`` asks, its rate scheduled over ``total_steps`` steps if so."""
    rate = recipe.learning_rate  # None: the optimizer's default
    if recipe.schedule == "one_cycle":  # linear warm-up from a tenth of the peak, then a cosine decay to zero
        total = max(2, check_positive_int("total_steps", total_steps))
        warmup = int(recipe.warmup_fraction * total)
        rate = keras.optimizers.schedules.CosineDecay(initial_learning_rate=rate / 10, decay_steps=total - warmup,
                                                      warmup_target=rate if warmup else None, warmup_steps=warmup)
    options = ({} if rate is None else {"learning_rate": rate}) | ({"use_ema": True} if recipe.use_ema else {})
    return OPTIMIZERS[recipe.optimizer](**options, **({"momentum": 0.9} if recipe.optimizer == "sgd_momentum" else {}))


def input_pipeline(x, y, batch_size: int, *, shuffle_seed=None, shuffle: bool = True):
    """Return a tf.data pipeline over arrays ``x``, ``y``: reshuffled each epoch, batched, two batches prefetched."""
    # Unlike model.fit(x, y)'s pipeline, tf.data's autotuning is off: its thread can keep a finished fit waiting for up
    # to a minute on a 2-core CPU (python benchmarks/fit_tail.py).
    import tensorflow as tf
    x, y = np.asarray(x), np.asarray(y)
    check_images_and_labels(("", x, y))
    check_positive_int("batch_size", batch_size)
    if shuffle_seed is not None and (isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, (int, np.integer))
                                     or shuffle_seed < 0):
        raise ValueError(f"shuffle_seed must be a non-negative integer or None, got {shuffle_seed!r}.")
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=None if shuffle_seed is None else int(shuffle_seed),
                                  reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.batch(int(batch_size)).prefetch(2).with_options(options)


def fit(model, recipe: Recipe, x_train, y_train, *, x_val=None, y_val=None, x_test=None, y_test=None, epochs=None,
        callbacks=(), verbose=2) -> TrainingRun:
    """Compile ``model`` with ``recipe``, fit it, score it on the test images if given; return a TrainingRun."""
    # Validation: x_val/y_val or the recipe's validation_split, never both; the test images play no part in training.
    # epochs overrides the recipe's. The shuffle seed comes from NumPy, so lab.set_seed makes the order reproducible.
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe, got {type(recipe).__name__}.")
    check_images_and_labels(("train", x_train, y_train))
    for name, x, y in (("validation", x_val, y_val), ("test", x_test, y_test)):
        if (x is None) != (y is None):
            raise ValueError(f"give both the {name} images and their labels, or neither.")
        if x is not None:
            check_images_and_labels((name, x, y))
    if x_val is not None and recipe.validation_split:
        raise ValueError("give x_val and y_val or a recipe with a validation_split, not both.")
    epochs = check_positive_int("epochs", recipe.epochs if epochs is None else epochs)
    fit_size = int(math.floor(len(x_train) * (1.0 - recipe.validation_split)))  # as Keras splits: the last images
    if fit_size < 1:
        raise ValueError(f"validation_split {recipe.validation_split} leaves no image of {len(x_train)} to train on.")
    if recipe.validation_split:
        x_train, y_train, x_val, y_val = x_train[:fit_size], y_train[:fit_size], x_train[fit_size:], y_train[fit_size:]
    if recipe.early_stopping_patience is not None and x_val is None:
        raise ValueError("early stopping watches the validation images: pass x_val and y_val, or a validation_split.")
    steps = math.ceil(fit_size / recipe.batch_size) * epochs
    model.compile(optimizer=make_optimizer(recipe, steps), metrics=["accuracy"],
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing))
    callbacks = [timer := EpochTimer(), *callbacks]
    if recipe.early_stopping_patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=recipe.monitor, mode="max" if recipe.monitor == "val_accuracy" else "min",
            patience=recipe.early_stopping_patience, restore_best_weights=True))
    start = time.perf_counter()
    if recipe.pipeline == "keras":
        history = model.fit(x_train, y_train, batch_size=recipe.batch_size, epochs=epochs, callbacks=callbacks,
                            validation_data=None if x_val is None else (x_val, y_val), verbose=verbose)
    else:
        train = input_pipeline(x_train, y_train, recipe.batch_size, shuffle_seed=int(np.random.randint(2**31)))
        validation = None if x_val is None else input_pipeline(x_val, y_val, 1000, shuffle=False)
        history = model.fit(train, epochs=epochs, validation_data=validation, shuffle=False, callbacks=callbacks,
                            verbose=verbose)
    run = TrainingRun(history.history, train_seconds=time.perf_counter() - start, epoch_seconds=list(timer.seconds))
    if x_test is not None:
        test = dict(x=x_test, y=y_test, batch_size=1000) if recipe.pipeline == "keras" else dict(
            x=input_pipeline(x_test, y_test, 1000, shuffle=False))
        run.test_loss, run.test_accuracy = map(float, model.evaluate(**test, verbose=0)[:2])
    return run


def predict_classes(model, x, batch_size: int = 1000):
    """Return the predicted digit and the softmax probabilities for each image in ``x``."""
    probabilities = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float32")
    return probabilities.argmax(axis=1), probabilities
