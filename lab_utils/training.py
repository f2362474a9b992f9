"""Training helpers: the published recipes, a timed fit, and a test-set evaluation."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import keras
import numpy as np

OPTIMIZERS = ("sgd", "adam", "rmsprop", "adamw", "nadam", "adagrad")


@dataclass(frozen=True)
class Recipe:
    """How a published network is trained."""

    name: str
    optimizer: str
    batch_size: int
    epochs: int
    validation_split: float
    loss: str = "categorical_crossentropy"


DENSE_BASELINE_RECIPE = Recipe("dense baseline", optimizer="SGD", batch_size=200, epochs=25, validation_split=0.2)
SEED_CNN_RECIPE = Recipe("seed CNN", optimizer="adam", batch_size=200, epochs=10, validation_split=0.2)


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
    """What one training run produced: its Keras history, timings and test scores."""

    history: dict
    train_seconds: float
    epoch_seconds: list = field(default_factory=list)
    test_loss: float = float("nan")
    test_accuracy: float = float("nan")


def _check_images_and_labels(*parts) -> None:
    """Raise ValueError unless each (name, images, labels) part is non-empty with as many labels as images."""
    for name, x, y in parts:
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"{name + ' ' if name else ''}images and labels must be non-empty and equally long, "
                             f"got {len(x)} and {len(y)}.")


def train_and_evaluate(model, recipe: Recipe, x_train, y_train, x_test, y_test, *, epochs=None, verbose=2):
    """Compile ``model`` with ``recipe``, fit it, evaluate it on the test set; return a TrainingRun."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe, got {type(recipe).__name__}.")
    _check_images_and_labels(("train", x_train, y_train), ("test", x_test, y_test))
    epochs = recipe.epochs if epochs is None else epochs
    model.compile(optimizer=recipe.optimizer, loss=recipe.loss, metrics=["accuracy"])
    timer = EpochTimer()
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=recipe.batch_size,
        epochs=epochs,
        validation_split=recipe.validation_split,
        callbacks=[timer],
        verbose=verbose,
    )
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return TrainingRun(
        history=history.history,
        train_seconds=train_seconds,
        epoch_seconds=list(timer.seconds),
        test_loss=float(test_loss),
        test_accuracy=float(test_accuracy),
    )


def predict_classes(model, x, batch_size: int = 1000):
    """Return the predicted digit and the softmax probabilities for each image in ``x``."""
    probabilities = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float32")
    return probabilities.argmax(axis=1), probabilities


@dataclass(frozen=True)
class FastRecipe:
    """A short schedule for the seed CNN's layers: one-cycle learning rate, all training images, few epochs."""

    name: str = "fast seed CNN"
    epochs: int = 3
    batch_size: int = 128
    peak_learning_rate: float = 3e-3
    warmup_fraction: float = 0.2
    label_smoothing: float = 0.0
    use_ema: bool = False
    validation_split: float = 0.0
    conv_dropout: float = 0.2
    dense_dropout: float = 0.5

    def model_options(self) -> dict:
        """Return the keyword arguments of ``build_seed_cnn`` that this recipe sets (only dropout: the layers stay)."""
        return {"conv_dropout": self.conv_dropout, "dense_dropout": self.dense_dropout}

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"FastRecipe.{name} must be a positive integer, got {value!r}.")
        if not self.peak_learning_rate > 0:
            raise ValueError(f"FastRecipe.peak_learning_rate must be positive, got {self.peak_learning_rate!r}.")
        for name in ("warmup_fraction", "label_smoothing", "validation_split", "conv_dropout", "dense_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"FastRecipe.{name} must be in [0, 1), got {value!r}.")


FAST_RECIPE = FastRecipe(label_smoothing=0.1)  # chosen on validation: scripts/fast_recipe.py --search


def one_cycle_schedule(peak_learning_rate: float, total_steps: int, warmup_fraction: float = 0.2, start_divisor: float = 10.0):
    """Return a Keras schedule: linear warm-up to ``peak_learning_rate``, then cosine decay to zero ("one cycle")."""
    if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps < 2:
        raise ValueError(f"total_steps must be an integer of at least 2, got {total_steps!r}.")
    if not peak_learning_rate > 0:
        raise ValueError(f"peak_learning_rate must be positive, got {peak_learning_rate!r}.")
    if not 0.0 <= warmup_fraction < 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}.")
    if not start_divisor >= 1.0:
        raise ValueError(f"start_divisor must be at least 1, got {start_divisor!r}.")
    warmup_steps = int(warmup_fraction * total_steps)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_learning_rate / start_divisor,
        decay_steps=int(total_steps) - warmup_steps,
        alpha=0.0,
        warmup_target=peak_learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def input_pipeline(x, y, batch_size: int, *, shuffle_seed=None, shuffle: bool = True):
    """Return a tf.data pipeline over arrays ``x``, ``y``: reshuffled each epoch, batched, two batches prefetched.

    ``model.fit(x, y)`` builds a similar pipeline itself, with tf.data's autotuning on; its tuning thread sleeps
    for doubling periods (up to a minute), and when a fit ends the pipeline waits for that thread to wake. On a
    2-core CPU, 3 of 10 one-epoch fits on arrays sat idle for 10-17 s at their end, none of 10 on this pipeline
    (``python benchmarks/fit_tail.py --full``). This pipeline turns autotuning off, so a fit ends with its last step. ``shuffle=False`` keeps the order (for
    evaluation); ``shuffle_seed`` makes the shuffled order reproducible.
    """
    import tensorflow as tf

    x, y = np.asarray(x), np.asarray(y)
    _check_images_and_labels(("", x, y))
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
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


def _fit_on_pipelines(model, x_train, y_train, batch_size, *, epochs, x_val=None, y_val=None, callbacks=(),
                      verbose=2):
    """Fit ``model`` on ``input_pipeline``s (validation too, if given) and return Keras's History.

    The shuffle seed is drawn from NumPy's generator, so ``lab.set_seed`` makes the order reproducible.
    """
    train = input_pipeline(x_train, y_train, batch_size, shuffle_seed=int(np.random.randint(2**31)))
    validation = None if x_val is None else input_pipeline(x_val, y_val, 1000, shuffle=False)
    return model.fit(train, epochs=epochs, validation_data=validation, shuffle=False,  # the pipeline shuffles
                     callbacks=list(callbacks), verbose=verbose)


def train_fast(model, recipe: FastRecipe, x_train, y_train, x_test, y_test, *, epochs=None, verbose=2):
    """Train ``model`` with a FastRecipe (Adam, one-cycle learning rate), evaluate on the test set; return a TrainingRun."""
    if not isinstance(recipe, FastRecipe):
        raise TypeError(f"recipe must be a FastRecipe, got {type(recipe).__name__}.")
    _check_images_and_labels(("train", x_train, y_train), ("test", x_test, y_test))
    epochs = recipe.epochs if epochs is None else epochs
    fit_size = len(x_train) - int(len(x_train) * recipe.validation_split)  # Keras's validation_split: the last images
    steps = max(2, -(-fit_size // recipe.batch_size) * epochs)
    schedule = one_cycle_schedule(recipe.peak_learning_rate, steps, recipe.warmup_fraction)
    optimizer = keras.optimizers.Adam(learning_rate=schedule, use_ema=recipe.use_ema)
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    timer = EpochTimer()
    start = time.perf_counter()
    held_out = fit_size < len(x_train)
    history = _fit_on_pipelines(model, x_train[:fit_size], y_train[:fit_size], recipe.batch_size, epochs=epochs,
                                x_val=x_train[fit_size:] if held_out else None,
                                y_val=y_train[fit_size:] if held_out else None, callbacks=[timer], verbose=verbose)
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(input_pipeline(x_test, y_test, 1000, shuffle=False), verbose=0)
    return TrainingRun(history=history.history, train_seconds=train_seconds, epoch_seconds=list(timer.seconds),
                       test_loss=float(test_loss), test_accuracy=float(test_accuracy))
