"""Beyond the seed CNN: augmentation, batch normalisation, schedules, early stopping, and the ablation ladder's steps.

Each rung of the ladder (notebook 05, ``scripts/ladder.py``) adds one idea to the one before:

    from bench import improved
    from lab_utils import training

    step = improved.LADDER[3]              # the seed CNN's layers + batch normalisation + augmentation
    model = step.build()
    run = training.fit(model, step.recipe, x_train, y_train, x_val=x_val, y_val=y_val)

Every choice is scored on a validation split (the last images of the training set); the test set only reports.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from lab_utils.checks import as_int_tuple, check_positive_int, check_rate
from lab_utils.data import IMAGE_SIZE, NUM_CLASSES
from lab_utils.models import SEED_CNN_DEFAULTS, build_seed_cnn
from lab_utils.training import FAST_RECIPE, Recipe

from .ensemble import TTA_SHIFTS

# The seed CNN's layer sizes in build_improved_cnn's terms: with batch_norm=False it *is* the seed CNN (995,060
# parameters, the fast recipe's dropout); with batch normalisation it is the ladder's "+ batch normalisation" rung.
SEED_CNN_LAYOUT = dict(
    filters=SEED_CNN_DEFAULTS["filters"],
    convs_per_block=1,
    kernel_size=SEED_CNN_DEFAULTS["kernel_size"],
    padding=SEED_CNN_DEFAULTS["padding"],
    pool_size=SEED_CNN_DEFAULTS["pool_size"],
    dense_units=SEED_CNN_DEFAULTS["dense_units"],
    conv_dropout=SEED_CNN_DEFAULTS["conv_dropout"],
    dense_dropout=SEED_CNN_DEFAULTS["dense_dropout"],
)

# The improved network: two 3x3 convolutions per block (32-32-pool-64-64-pool, 'valid' padding) and one hidden Dense
# layer of 256 units, with the seed CNN's dropout rates. About 0.33M parameters and 0.72x the seed CNN's multiply-adds
# per image: deeper, not wider.
IMPROVED_CNN_DEFAULTS = dict(
    filters=(32, 64),
    convs_per_block=2,
    kernel_size=3,
    padding="valid",
    pool_size=2,
    dense_units=(256,),
    conv_dropout=SEED_CNN_DEFAULTS["conv_dropout"],
    dense_dropout=SEED_CNN_DEFAULTS["dense_dropout"],
)

# Where BatchNormalization goes. "after_pool" normalises each block's pooled maps (Conv -> ReLU -> MaxPool -> BN);
# "after_conv" is the textbook Conv -> BN -> ReLU after every convolution. `python benchmarks/batch_norm_place.py`
# trains the ladder's deeper network (step 4's) both ways (10 epochs, seeds 0 and 1, mixed_bfloat16, 2-core AMD EPYC):
# the same validation accuracy (99.56% and 99.54% either way), a slightly higher validation loss after every conv,
# and 1.54x the training time (310 s against 202 s): Keras runs BN unfused and in float32, and "after_conv" normalises
# about nine times as many values (50,560 against 5,632 per image). Hidden Dense layers get Dense -> BN -> ReLU
# either way.
BATCH_NORM_PLACES = ("after_pool", "after_conv")



# ---------------------------------------------------------------------------------------------------------------
# Data augmentation
# ---------------------------------------------------------------------------------------------------------------

def augmentation_block(shift: float = 0.1, rotation_degrees: float = 10.0, zoom: float = 0.1, seed: int | None = None):
    """Return a keras.Sequential that shifts, rotates and zooms each training image at random (identity at inference).

    ``shift`` and ``zoom`` are fractions of the image side (0.1 of 28 pixels is up to 2.8 pixels), ``rotation_degrees``
    is the largest turn either way. There are no flips: a mirrored 2, 3 or 7 is not a digit, and a 6 turned upside
    down is a 9, so a flip would teach the network wrong labels; rotations stay small for the same reason. Pixels
    moved in from outside the frame are black (0), as MNIST's background is, not reflected copies of the stroke.
    The layers compute in float32 whatever the precision policy, so the resampling keeps full precision.
    """
    for name, value, upper in (("shift", shift, 0.5), ("zoom", zoom, 0.5)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < upper:
            raise ValueError(f"{name} must be a fraction of the image side in [0, {upper}), got {value!r}.")
    if (isinstance(rotation_degrees, bool) or not isinstance(rotation_degrees, (int, float, np.floating))
            or not 0.0 <= rotation_degrees <= 45.0):
        raise ValueError(f"rotation_degrees must be in [0, 45] (a 6 turned far enough is a 9), "
                         f"got {rotation_degrees!r}.")
    if seed is not None:
        _check_non_negative_int("seed", seed)
    if shift == 0 and rotation_degrees == 0 and zoom == 0:
        raise ValueError("shift, rotation_degrees and zoom are all 0: nothing to augment (pass augment=None instead).")
    layer_seed = (lambda offset: None) if seed is None else (lambda offset: int(seed) + offset)
    common = dict(fill_mode="constant", fill_value=0.0, interpolation="bilinear", dtype="float32")
    layers = []
    if shift:
        layers.append(keras.layers.RandomTranslation(float(shift), float(shift), seed=layer_seed(0), **common,
                                                     name="random_shift"))
    if rotation_degrees:
        # RandomRotation's factor is a fraction of a full turn (2 pi), not degrees.
        layers.append(keras.layers.RandomRotation(float(rotation_degrees) / 360.0, seed=layer_seed(1), **common,
                                                  name="random_rotation"))
    if zoom:
        layers.append(keras.layers.RandomZoom(float(zoom), seed=layer_seed(2), **common, name="random_zoom"))
    return keras.Sequential(layers, name="augmentation")


# ---------------------------------------------------------------------------------------------------------------
# The improved network
# ---------------------------------------------------------------------------------------------------------------

def improved_cnn_shapes(
    filters=IMPROVED_CNN_DEFAULTS["filters"],
    convs_per_block=IMPROVED_CNN_DEFAULTS["convs_per_block"],
    kernel_size=IMPROVED_CNN_DEFAULTS["kernel_size"],
    padding=IMPROVED_CNN_DEFAULTS["padding"],
    pool_size=IMPROVED_CNN_DEFAULTS["pool_size"],
) -> list[tuple[str, int]]:
    """Return the feature-map side after each conv and pool layer; raise ValueError if a kernel or pool does not fit."""
    filters = as_int_tuple("filters", filters)
    for name, value in (("convs_per_block", convs_per_block), ("kernel_size", kernel_size), ("pool_size", pool_size)):
        check_positive_int(name, value)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    side, shapes = IMAGE_SIZE, []
    for block in range(1, len(filters) + 1):
        for conv in range(1, convs_per_block + 1):
            if padding == "valid":
                if kernel_size > side:
                    raise ValueError(
                        f"block {block}, conv {conv}: a {kernel_size}x{kernel_size} kernel does not fit the "
                        f"{side}x{side} feature map it receives. Use fewer blocks or convs_per_block, a smaller "
                        "kernel_size, or padding='same'.")
                side = side - kernel_size + 1
            shapes.append((f"conv{block}_{conv}", side))
        if pool_size > side:
            raise ValueError(f"block {block}: a {pool_size}x{pool_size} pool does not fit the {side}x{side} "
                             "feature map. Use fewer blocks, a smaller kernel_size or pool_size, or padding='same'.")
        side //= pool_size
        shapes.append((f"pool{block}", side))
    return shapes


def build_improved_cnn(
    filters: Sequence[int] = IMPROVED_CNN_DEFAULTS["filters"],
    convs_per_block: int = IMPROVED_CNN_DEFAULTS["convs_per_block"],
    kernel_size: int = IMPROVED_CNN_DEFAULTS["kernel_size"],
    padding: str = IMPROVED_CNN_DEFAULTS["padding"],
    pool_size: int = IMPROVED_CNN_DEFAULTS["pool_size"],
    dense_units: int | Sequence[int] = IMPROVED_CNN_DEFAULTS["dense_units"],
    conv_dropout: float = IMPROVED_CNN_DEFAULTS["conv_dropout"],
    dense_dropout: float = IMPROVED_CNN_DEFAULTS["dense_dropout"],
    batch_norm: bool | str = "after_pool",
    augment=None,
    num_classes: int = NUM_CLASSES,
    name: str = "improved_cnn",
):
    """Return a CNN of conv blocks (two 3x3 convolutions, pooling, batch normalisation, dropout) and Dense layers.

    ``batch_norm`` is where BatchNormalization goes: ``"after_pool"`` (or True), ``"after_conv"``, or False for none;
    see :data:`BATCH_NORM_PLACES`. ``augment`` puts data augmentation first: None, True (:func:`augmentation_block`'s
    defaults) or a block of your own. ``build_improved_cnn(**SEED_CNN_LAYOUT, batch_norm=False)`` has exactly the
    seed CNN's layers. The model is not compiled.
    """
    from keras import layers

    improved_cnn_shapes(filters, convs_per_block, kernel_size, padding, pool_size)  # refuses what does not fit
    filters = as_int_tuple("filters", filters)
    dense_units = as_int_tuple("dense_units", dense_units, allow_empty=True)
    check_rate("conv_dropout", conv_dropout)
    check_rate("dense_dropout", dense_dropout)
    check_positive_int("num_classes", num_classes)
    if batch_norm is True or batch_norm is None:
        batch_norm = BATCH_NORM_PLACES[0] if batch_norm else False
    if batch_norm is not False and batch_norm not in BATCH_NORM_PLACES:
        raise ValueError(f"batch_norm must be False, True or one of {', '.join(map(repr, BATCH_NORM_PLACES))}, "
                         f"got {batch_norm!r}.")
    if augment is True:
        augment = augmentation_block()
    elif augment is False:
        augment = None
    if augment is not None and not isinstance(augment, keras.layers.Layer):
        raise ValueError(f"augment must be None, True or a Keras layer such as augmentation_block(), got {augment!r}.")

    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1)))
    if augment is not None:
        model.add(augment)
    for block, n_maps in enumerate(filters, start=1):
        for conv in range(1, convs_per_block + 1):
            tag = f"{block}_{conv}" if convs_per_block > 1 else f"{block}"
            if batch_norm == "after_conv":  # BN's shift replaces the bias; ReLU comes after the normalisation
                model.add(layers.Conv2D(n_maps, kernel_size, padding=padding, use_bias=False, name=f"conv{tag}"))
                model.add(layers.BatchNormalization(name=f"bn{tag}"))
                model.add(layers.ReLU(name=f"relu{tag}"))
            else:
                model.add(layers.Conv2D(n_maps, kernel_size, padding=padding, activation="relu", name=f"conv{tag}"))
        model.add(layers.MaxPooling2D(pool_size, name=f"pool{block}"))
        if batch_norm == "after_pool":
            model.add(layers.BatchNormalization(name=f"bn{block}"))
        if conv_dropout:
            model.add(layers.Dropout(conv_dropout, name=f"dropout{block}"))
    model.add(layers.Flatten(name="flatten"))
    for i, units in enumerate(dense_units, start=1):
        if batch_norm:
            model.add(layers.Dense(units, use_bias=False, name=f"dense{i}"))
            model.add(layers.BatchNormalization(name=f"dense_bn{i}"))
            model.add(layers.ReLU(name=f"dense_relu{i}"))
        else:
            model.add(layers.Dense(units, activation="relu", name=f"dense{i}"))
        if dense_dropout:
            model.add(layers.Dropout(dense_dropout, name=f"dense_dropout{i}"))
    # The output stays float32 under mixed precision, so the softmax is computed accurately.
    model.add(layers.Dense(num_classes, activation="softmax", dtype="float32", name="output"))
    return model


# ---------------------------------------------------------------------------------------------------------------
# The ablation ladder: one idea per step
# ---------------------------------------------------------------------------------------------------------------

CONSTANT_RECIPE = Recipe(  # the seed CNN's published optimizer (Adam at its default 1e-3), for 3 epochs
    name="constant learning rate 1e-3 (3 epochs)", epochs=3, batch_size=128, learning_rate=1e-3,
    schedule="constant", warmup_fraction=0.0)
SHORT_RECIPE = dataclasses.replace(FAST_RECIPE, name="fast recipe (3 epochs, one-cycle)")  # the lab's fast recipe
# Longer: the one-cycle schedule stretched over 25 epochs. Early stopping watches the validation loss (smoother than
# the accuracy of 5,000 images, which moves in steps of 0.02%) and keeps the best epoch's weights; as the learning
# rate anneals to zero it rarely fires, but it guards the run and never lets the test set choose the epoch.
LONG_RECIPE = dataclasses.replace(SHORT_RECIPE, name="long (25 epochs, one-cycle, early stopping)", epochs=25,
                                  early_stopping_patience=5, monitor="val_loss")
# Lighter dropout for the longer step. With augmentation and step 4's dropout (0.2 after each block, 0.5 after the
# Dense layer), the six networks of the ladder's earlier 25-epoch step 5 kept their training accuracy (on augmented
# images, dropout on) below their validation accuracy in 23 to 25 of 25 epochs: a hint of more regularisation than
# needed. Step 5 halves both rates; results/ladder_runs.csv holds both versions (same seeds, same 25 epochs), and
# their validation accuracy, not the test set, says which to keep.
LONG_DROPOUT = dict(conv_dropout=0.1, dense_dropout=0.25)
# The final network: once validation has chosen everything, step 5's network and recipe train once more, on all
# 60,000 training images (the validation images too), for the full 25 epochs. Nothing is left to watch, so nothing
# stops it early; nothing is chosen among seeds either (one network, seed 0), so its test accuracy is not a pick.
FINAL_RECIPE = dataclasses.replace(LONG_RECIPE, name="long (25 epochs, one-cycle), all training images",
                                   early_stopping_patience=None)


@dataclass(frozen=True)
class LadderStep:
    """One rung of the ablation ladder: a network, how it is trained, and the seeds it is trained with."""

    number: int
    name: str  # what the rung adds to the one before
    network: str  # "seed_cnn" or "improved_cnn"
    model_options: dict = field(default_factory=dict)
    recipe: Recipe | None = None
    seeds: tuple = (0,)
    ensemble_of: int | None = None  # an ensemble averages the trained models of this step number
    tta_shifts: tuple | None = None  # an ensemble step may also average over shifted copies of each image
    train_on_validation: bool = False  # the final network: trains on the validation images too (no validation score)

    def __post_init__(self):
        if self.train_on_validation and (self.ensemble_of is not None or self.recipe is None
                                         or self.recipe.early_stopping_patience is not None):
            raise ValueError(f"step {self.number}: a step that trains on the validation images has nothing to stop "
                             "early on; give it a recipe without early_stopping_patience (and no ensemble_of).")

    def build(self):
        """Return this step's network, freshly initialised (an ensemble step has none of its own)."""
        if self.ensemble_of is not None:
            raise ValueError(f"step {self.number} is an ensemble of step {self.ensemble_of}'s models: build those.")
        if self.network == "seed_cnn":
            return build_seed_cnn(**self.model_options)
        return build_improved_cnn(**self.model_options)

    def config(self, **context) -> dict:
        """Return what decides this step's models as JSON-ready values, plus ``context`` (profile, precision, ...)."""
        config = {"network": self.network, "model_options": _jsonable(self.model_options),
                  "recipe": _jsonable(dataclasses.asdict(self.recipe)) if self.recipe else None,
                  "ensemble_of": self.ensemble_of, **_jsonable(context)}
        if self.tta_shifts is not None:  # only then, so that the steps before test-time augmentation keep their hashes
            config["tta_shifts"] = _jsonable(self.tta_shifts)
        if self.train_on_validation:  # likewise
            config["train_on_validation"] = True
        return config


# Models in the ladder's ensemble (the long step's seeds 0 .. ENSEMBLE_MEMBERS - 1).
ENSEMBLE_MEMBERS = 6


def ladder_steps(members: int | None = None, seeds: Sequence[int] = (0, 1, 2)) -> tuple[LadderStep, ...]:
    """Return the ablation ladder: from the seed CNN, one idea per step, up to an ensemble of ``members`` models.

    The short steps train with ``seeds`` each. The long step trains seeds 0 .. members-1, the models the ensemble
    averages, so its spread over seeds comes for free. Step 7 trains nothing: it averages the ensemble's outputs over
    copies of each image shifted by one pixel (test-time augmentation, ``bench.ensemble.tta_predict``). The last step is the
    final single network: the long step's network and recipe, seed 0, trained on the validation images too.
    """
    members = ENSEMBLE_MEMBERS if members is None else members
    check_positive_int("members", members)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of non-negative integers, got {seeds!r}.")
    seeds = tuple(_check_non_negative_int("each seed", s) for s in seeds)
    seed_cnn = {name: SEED_CNN_DEFAULTS[name] for name in ("conv_dropout", "dense_dropout")}  # the seed CNN as published
    seed_bn = {**SEED_CNN_LAYOUT, "batch_norm": "after_pool"}
    improved = {**IMPROVED_CNN_DEFAULTS, "batch_norm": "after_pool", "augment": True}
    return (
        LadderStep(0, "seed CNN, constant learning rate", "seed_cnn", seed_cnn, CONSTANT_RECIPE, seeds),
        LadderStep(1, "+ one-cycle learning rate (the fast recipe)", "seed_cnn", seed_cnn, SHORT_RECIPE, seeds),
        LadderStep(2, "+ batch normalisation", "improved_cnn", seed_bn, SHORT_RECIPE, seeds),
        LadderStep(3, "+ data augmentation", "improved_cnn", {**seed_bn, "augment": True}, SHORT_RECIPE, seeds),
        LadderStep(4, "deeper network (two 3x3 convs per block)", "improved_cnn", improved, SHORT_RECIPE, seeds),
        LadderStep(5, "+ longer training, lighter dropout, early stopping", "improved_cnn",
                   {**improved, **LONG_DROPOUT}, LONG_RECIPE, tuple(range(members))),
        LadderStep(6, f"+ ensemble of {members}", "ensemble", seeds=tuple(range(members)), ensemble_of=5),
        LadderStep(7, "+ test-time augmentation (one-pixel shifts)", "ensemble", seeds=tuple(range(members)),
                   ensemble_of=5, tta_shifts=TTA_SHIFTS),
        LadderStep(8, "step 5 once more, on all training images (validation too)", "improved_cnn",
                   {**improved, **LONG_DROPOUT}, FINAL_RECIPE, (0,), train_on_validation=True),
    )


LADDER_COLUMNS = ("step", "name", "network", "members", "val_accuracy", "test_accuracy", "train_seconds")


def summarize_ladder(runs) -> pd.DataFrame:
    """Return one row per ladder step: test accuracy mean, spread and range over seeds, validation accuracy, time.

    ``runs`` has one row per trained model, as ``scripts/ladder.py`` writes them to ``results/ladder_runs.csv``; an
    ensemble's row (network "ensemble") has its members' summed training time.
    """
    if not isinstance(runs, pd.DataFrame) or runs.empty:
        raise ValueError("runs must be a non-empty table of ladder runs (results/ladder_runs.csv).")
    missing = [c for c in LADDER_COLUMNS if c not in runs.columns]
    if missing:
        raise ValueError(f"runs lacks the columns {missing}; expected those scripts/ladder.py writes.")
    summary = (runs.groupby(["step", "name", "network"], sort=True)
               .agg(models=("test_accuracy", "size"), members=("members", "max"),
                    val_accuracy=("val_accuracy", "mean"), test_accuracy=("test_accuracy", "mean"),
                    test_std=("test_accuracy", "std"), test_min=("test_accuracy", "min"),
                    test_max=("test_accuracy", "max"), train_seconds=("train_seconds", "mean"))
               .reset_index())
    summary["test_std"] = summary["test_std"].fillna(0.0)
    return summary


def plot_ladder(runs, *, reference_accuracy: float | None = 0.9941, title=None):
    """Return a Figure: each step's test accuracy (mean, bars from min to max over seeds) against its training time."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    summary = summarize_ladder(runs)
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    for row in summary.itertuples(index=False):
        ensemble, final = row.network == "ensemble", pd.isna(row.val_accuracy)  # final: trained on validation too
        ax.errorbar(row.train_seconds, 100 * row.test_accuracy,
                    yerr=[[100 * (row.test_accuracy - row.test_min)], [100 * (row.test_max - row.test_accuracy)]],
                    fmt="*" if ensemble else "D" if final else "o", markersize=12 if ensemble else 7, capsize=4,
                    color="tab:red" if ensemble else "tab:green" if final else "tab:blue",
                    label=f"{row.step}: {row.name}")
        ax.annotate(str(row.step), (row.train_seconds, 100 * row.test_accuracy), xytext=(6, 2),
                    textcoords="offset points", fontsize=9)
    if reference_accuracy is not None:
        ax.axhline(100 * reference_accuracy, color="gray", linestyle="--", linewidth=1)
        ax.text(0.99, 100 * reference_accuracy, f"published seed CNN ({reference_accuracy:.2%})", ha="right",
                va="bottom", fontsize=8, color="gray", transform=ax.get_yaxis_transform())  # x: axes fraction
    ax.set_xscale("log")
    ax.set_xlim(summary.train_seconds.min() / 1.5, summary.train_seconds.max() * 1.5)
    ax.set_xlabel("training time per model (s, log scale; the ensemble: all its members)")
    ax.set_ylabel("test accuracy")
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=2))
    ax.set_title(title or "The ablation ladder: what each idea buys, and what it costs")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", handlelength=1, title="step", title_fontsize=8)
    return fig


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{value!r} ({type(value).__name__}) cannot be written to a JSON config.")


def _check_non_negative_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)


LADDER = ladder_steps()  # the ladder scripts/ladder.py runs by default
