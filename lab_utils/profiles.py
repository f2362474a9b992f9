"""Run profiles: ``full`` (the real recipe), ``smoke`` (a small subset and one epoch, for tests) and ``grading``."""
import os
from dataclasses import dataclass

import numpy as np

from .checks import check_positive_int

PROFILE_ENV_VAR = "LAB_PROFILE"


@dataclass(frozen=True)
class Profile:
    """How much of the data and how many epochs a run uses."""

    name: str
    train_size: int | None  # None: all training images
    test_size: int | None  # None: all test images
    max_epochs: int | None  # None: as many epochs as the recipe says

    def epochs(self, recipe_epochs: int) -> int:
        """Return the number of epochs to train for a recipe that asks for ``recipe_epochs``."""
        recipe_epochs = check_positive_int("recipe_epochs", recipe_epochs)
        return int(recipe_epochs if self.max_epochs is None else min(recipe_epochs, self.max_epochs))

    def subset(self, x, y, split: str = "train"):
        """Return the first images and labels of a split that this profile uses (all of them in ``full``)."""
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} images and {len(y)} labels.")
        size = self.train_size if split == "train" else self.test_size
        return (x, y) if size is None else (x[:size], y[:size])

    @property
    def smoke(self) -> bool:
        """True in the quick profiles (smoke, grading): a small subset of the data and one epoch."""
        return self.name != "full"

    @property
    def floors(self) -> bool:
        """True where the exercises' accuracy floors apply: in full, and in grading with its own floors."""
        return self.name != "smoke"

    def choose(self, *, full, smoke, grading=None):
        """Return the value for this profile: ``full``, ``smoke``, or ``grading`` (``smoke``'s if not given)."""
        return full if self.name == "full" else grading if self.name == "grading" and grading is not None else smoke

    def __str__(self) -> str:
        if self.name == "full":
            return "full (all the data and every epoch, as the committed outputs)"
        what = "floors of results/grading_floors.csv" if self.name == "grading" else "it proves the code runs, no more"
        epochs = f"{self.max_epochs} epoch{'s' * (self.max_epochs > 1)}"
        return f"{self.name} (at most {self.train_size:,} images, {epochs}: {what})"


PROFILES = {"full": Profile("full", train_size=None, test_size=None, max_epochs=None),
            "smoke": Profile("smoke", train_size=2_000, test_size=1_000, max_epochs=1),
            "grading": Profile("grading", train_size=2_000, test_size=1_000, max_epochs=1)}  # smoke, with floors


def get_profile(name: str | None = None) -> Profile:
    """Return the run profile named ``name``, or else by ``$LAB_PROFILE``, or else ``full``."""
    name = (os.environ.get(PROFILE_ENV_VAR, "").strip() or "full") if name is None else name
    if (key := str(name).strip().lower()) not in PROFILES:
        raise ValueError(f"Unknown run profile {name!r} (from {PROFILE_ENV_VAR} or the argument): "
                         f"use one of {', '.join(sorted(PROFILES))}.")
    return PROFILES[key]


def set_seed(seed: int) -> int:
    """Seed Python's ``random``, NumPy and Keras (TensorFlow) in one call; return the seed."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras  # imported here so that `import lab_utils` stays light
    keras.utils.set_random_seed(int(seed))
    return int(seed)
