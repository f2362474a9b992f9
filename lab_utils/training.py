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


def train_and_evaluate(model, recipe: Recipe, x_train, y_train, x_test, y_test, *, epochs=None, verbose=2):
    """Compile ``model`` with ``recipe``, fit it, evaluate it on the test set; return a TrainingRun."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe, got {type(recipe).__name__}.")
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"{name} images and labels must be non-empty and equally long, got {len(x)} and {len(y)}.")
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
