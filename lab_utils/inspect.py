"""Looking inside a trained CNN: its filters, its feature maps, saliency maps, and a 2-D map of its hidden layer."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .data import IMAGE_SIZE, NUM_CLASSES
from .plots import _CMAP, _WRONG, _as_images, _check_labels, _check_positive_int, _check_same_length

# Figures are built with matplotlib.figure.Figure, never pyplot (see plots.py).
_WEIGHTS_CMAP = "RdBu_r"  # red: positive weight, blue: negative, white: zero
_ACTIVATION_CMAP = "viridis"
_SALIENCY_CMAP = "Reds"
_SINGLE_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1))
_EXPECTED = "(28, 28), (28, 28, 1), (n, 28, 28) or (n, 28, 28, 1)"


# ---------------------------------------------------------------------------------------------------------------
# Checking inputs
# ---------------------------------------------------------------------------------------------------------------

def _as_batch(images, name: str = "images", single: bool = False) -> tuple[np.ndarray, bool]:
    """Return images as float32 in [0, 1] shaped (n, 28, 28, 1), and whether a single image was passed."""
    x = np.asarray(images)
    one = x.shape in _SINGLE_SHAPES
    if single:
        if not (one or x.shape == (1, IMAGE_SIZE, IMAGE_SIZE, 1) or x.shape == (1, IMAGE_SIZE, IMAGE_SIZE)):
            raise ValueError(
                f"{name} must be one MNIST image shaped (28, 28), (28, 28, 1) or (1, 28, 28, 1), got an array of "
                f"shape {x.shape}. To pick one digit from a batch, pass x_test[i]."
            )
    elif not one and not (x.ndim in (3, 4) and x.shape[1:] in ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1))):
        raise ValueError(f"{name} must be MNIST images shaped {_EXPECTED}, got an array of shape {x.shape}.")
    if not one and len(x) == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); pass at least one image.")
    batch = _as_images(x.reshape(-1, IMAGE_SIZE, IMAGE_SIZE), name)  # checks dtype and pixel range
    scale = 255.0 if np.issubdtype(batch.dtype, np.integer) else 1.0
    return (batch.astype("float32") / scale).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1), one


def _check_model(model):
    """Return ``model`` if it is a Keras model with one defined input, else raise a clear error."""
    _input_of(model)
    return model


def _input_of(model):
    """Return the one symbolic input tensor of ``model``, from which sub-models that read inner layers start."""
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model, got {type(model).__name__}.")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(
            f"model {model.name!r} has no defined input yet: build it starting with keras.Input(shape=(28, 28, 1))."
        )
    if len(inputs) != 1:
        raise ValueError(f"model {model.name!r} takes {len(inputs)} inputs; these helpers need a model with one.")
    return inputs[0]


def _check_image_model(model):
    """Return ``model`` if it takes (28, 28, 1) images, as the seed CNN does."""
    _check_model(model)
    if tuple(model.input_shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE, 1):
        raise ValueError(
            f"model {model.name!r} takes inputs of shape {tuple(model.input_shape[1:])}, not MNIST images (28, 28, 1)."
        )
    return model


def _to_model_input(model, x: np.ndarray) -> np.ndarray:
    """Return the (n, 28, 28, 1) batch ``x`` reshaped to what ``model`` takes: images, or flat 784-vectors."""
    shape = tuple(model.input_shape[1:])
    if None in shape or math.prod(shape) != IMAGE_SIZE * IMAGE_SIZE:
        raise ValueError(f"model {model.name!r} takes inputs of shape {shape}, not 28x28 MNIST images.")
    return x.reshape((-1, *shape))


def _get_layer(model, layer):
    """Return the layer of ``model`` named ``layer``; raise ValueError listing the names if there is none."""
    if not isinstance(layer, str):
        raise ValueError(f"layer must be a layer's name (a string), got {layer!r}.")
    names = [each.name for each in model.layers]
    if layer not in names:
        raise ValueError(f"model {model.name!r} has no layer named {layer!r}; its layers are: {', '.join(names)}.")
    return model.get_layer(layer)


def _conv_layers(model) -> list:
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def _map_layers(model) -> list:
    """Return the Conv2D and 2-D pooling layers of ``model``, in order; raise ValueError if there is no convolution."""
    import keras

    if not _conv_layers(model):
        names = ", ".join(f"{layer.name} ({type(layer).__name__})" for layer in model.layers)
        raise ValueError(f"model {model.name!r} has no Conv2D layer, so it has no filters or feature maps; "
                         f"its layers are: {names}.")
    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    return [layer for layer in model.layers if isinstance(layer, kinds)]


def _to_numpy(tensor) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float32")))


def _bare_axes(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


# ---------------------------------------------------------------------------------------------------------------
# Filters and feature maps
# ---------------------------------------------------------------------------------------------------------------

def plot_conv_filters(model, layer=None, ncols=15) -> Figure:
    """Return a Figure with every filter of a Conv2D layer (the first one by default) drawn as a small image.

    Only a convolution that reads one channel (the first one, on grey images) can be drawn this way; a deeper
    convolution's filters span all the maps before it.
    """
    _check_model(model)
    ncols = _check_positive_int(ncols, "ncols")
    convs = _conv_layers(model)
    _map_layers(model)  # refuses a model without convolutions
    if layer is None:
        conv = convs[0]
    else:
        conv = _get_layer(model, layer)
        if conv not in convs:
            raise ValueError(f"layer {layer!r} is a {type(conv).__name__}, not a Conv2D; the Conv2D layers of "
                             f"{model.name!r} are: {', '.join(each.name for each in convs)}.")
    kernel = _to_numpy(conv.kernel)  # (height, width, input channels, filters)
    height, width, channels, n = kernel.shape
    if channels != 1:
        raise ValueError(
            f"the filters of {conv.name!r} each span {channels} input maps, so they cannot be drawn as one image; "
            f"draw the first convolution ({convs[0].name!r}), or look at {conv.name!r}'s feature maps instead."
        )
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    limit = float(np.abs(kernel).max()) or 1.0  # one symmetric scale for all filters, so they can be compared
    fig = Figure(figsize=(0.75 * ncols + 1.2, 0.75 * nrows + 0.7), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes[:n]):
        image = ax.imshow(kernel[:, :, 0, i], cmap=_WEIGHTS_CMAP, vmin=-limit, vmax=limit)
        _bare_axes(ax)
    for ax in axes[n:]:
        ax.remove()
    fig.colorbar(image, ax=axes[:n].tolist(), shrink=0.8, label="weight")
    fig.suptitle(f"The {n} learned {height}×{width} filters of {conv.name} (red: ink raises the response, "
                 f"blue: ink lowers it)", fontsize=12)
    return fig


def _read_maps(model, image) -> tuple[list, list[np.ndarray]]:
    """Return the Conv2D and pooling layers of ``model``, and each one's maps for ``image`` as (height, width, maps)."""
    import keras

    layers = _map_layers(_check_model(model))  # a model without convolutions: say that first
    _check_image_model(model)
    x, _ = _as_batch(image, "image", single=True)
    reader = keras.Model(inputs=_input_of(model), outputs=[layer.output for layer in layers])
    outputs = reader(x, training=False)
    return layers, [_to_numpy(maps)[0] for maps in outputs]


def feature_maps(model, image) -> list[tuple[str, np.ndarray]]:
    """Return ``(layer name, maps)`` for each Conv2D and pooling layer, maps shaped (height, width, channels)."""
    layers, maps = _read_maps(model, image)
    return [(layer.name, m) for layer, m in zip(layers, maps)]


def plot_feature_maps(model, image, max_maps=8) -> Figure:
    """Return a Figure with the digit, then one row per Conv2D and pooling layer showing its most active maps.

    A convolution's row shows its ``max_maps`` most active maps for this digit; the pooling layer after it shows
    the same maps, so each column follows one filter down through its block.
    """
    import keras

    max_maps = _check_positive_int(max_maps, "max_maps")
    layers, maps = _read_maps(model, image)
    x, _ = _as_batch(image, "image", single=True)
    ncols = min(max_maps, max(m.shape[-1] for m in maps))
    fig = Figure(figsize=(1.25 * ncols + 1.0, 1.3 * (len(maps) + 1) + 0.5), layout="constrained")
    axes = fig.subplots(len(maps) + 1, ncols, squeeze=False)
    axes[0, 0].imshow(x[0, :, :, 0], cmap=_CMAP, vmin=0, vmax=1)
    _bare_axes(axes[0, 0])
    axes[0, 0].set_ylabel("input\n28×28", fontsize=10)
    for ax in axes[0, 1:]:
        ax.remove()
    chosen = np.arange(0)
    for row, layer, m in zip(axes[1:], layers, maps):
        if isinstance(layer, keras.layers.Conv2D) or len(chosen) == 0 or chosen.max() >= m.shape[-1]:
            chosen = np.argsort(-m.sum(axis=(0, 1)), kind="stable")[:ncols]
        top = float(m[:, :, chosen].max()) or 1.0  # one scale per row, so the maps of a layer can be compared
        for ax, channel in zip(row, chosen):
            ax.imshow(m[:, :, channel], cmap=_ACTIVATION_CMAP, vmin=0, vmax=top)
            ax.set_title(f"map {channel}", fontsize=8)
            _bare_axes(ax)
        for ax in row[len(chosen):]:
            ax.remove()
        row[0].set_ylabel(f"{layer.name}\n{m.shape[0]}×{m.shape[1]}×{m.shape[2]}", fontsize=10)
    fig.suptitle(f"One digit through the network: the {ncols} most active maps of each convolution "
                 f"(bright = strong response)", fontsize=12)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Saliency
# ---------------------------------------------------------------------------------------------------------------

def _class_scores(model):
    """Return a function from an input batch to class scores, and what the scores are: ``"logit"`` or ``"output"``.

    The logit (the score before the softmax) is used when the last layer is a Dense with softmax, or a softmax layer;
    otherwise the model's own output.
    """
    import keras

    last = model.layers[-1] if model.layers else None
    activation = getattr(last, "activation", None)
    if isinstance(last, keras.layers.Dense) and activation is keras.activations.softmax:
        hidden = keras.Model(inputs=_input_of(model), outputs=last.input)

        def logits(x):
            h = keras.ops.cast(hidden(x, training=False), "float32")
            z = keras.ops.matmul(h, keras.ops.cast(last.kernel, "float32"))
            return z + keras.ops.cast(last.bias, "float32") if last.use_bias else z

        return logits, "logit"
    if isinstance(last, keras.layers.Softmax) or (
            isinstance(last, keras.layers.Activation) and activation is keras.activations.softmax):
        before = keras.Model(inputs=_input_of(model), outputs=last.input)
        return (lambda x: keras.ops.cast(before(x, training=False), "float32")), "logit"
    return (lambda x: keras.ops.cast(model(x, training=False), "float32")), "output"


def saliency_map(model, images, class_index=None, batch_size=256) -> np.ndarray:
    """Return |d score / d pixel| for each image, shaped like ``images`` (float32, non-negative).

    The score is the class's logit (before the softmax) when the model ends in a softmax, else the model's own
    output: a saturated softmax would give near-zero gradients for confidently classified digits. ``class_index``:
    None for each image's predicted class, one digit for all images, or one digit per image (e.g. the true labels).
    """
    import tensorflow as tf

    _check_model(model)
    batch_size = _check_positive_int(batch_size, "batch_size")
    x, one = _as_batch(images, "images")
    x_model = _to_model_input(model, x)
    num_classes = model.output_shape[-1]
    if class_index is not None:
        if np.ndim(class_index) == 0:
            wanted = _check_labels(np.asarray([class_index]), "class_index", num_classes)
            wanted = np.repeat(wanted, len(x))
        else:
            wanted = _check_labels(class_index, "class_index", num_classes)
            _check_same_length("class_index", len(wanted), "images", len(x))
    scores_of, _ = _class_scores(model)
    gradients = []
    for start in range(0, len(x), batch_size):
        batch = tf.convert_to_tensor(x_model[start:start + batch_size])
        with tf.GradientTape() as tape:
            tape.watch(batch)
            scores = scores_of(batch)
            chosen = (np.asarray(tf.argmax(scores, axis=1)) if class_index is None
                      else wanted[start:start + batch_size])
            score = tf.reduce_sum(tf.gather(scores, chosen.astype("int32"), axis=1, batch_dims=1))
        gradient = tf.cast(tape.gradient(score, batch), "float32")  # computed in bfloat16 under mixed precision
        gradients.append(np.abs(gradient.numpy()))
    saliency = np.concatenate(gradients).reshape(len(x), IMAGE_SIZE, IMAGE_SIZE, 1)
    return saliency.reshape(np.shape(images))


def plot_saliency(model, images, labels, per_group=4) -> Figure:
    """Return a Figure of digits beside their saliency maps: correctly classified left, misclassified right.

    Each group takes the first ``per_group`` digits in the order given. The saliency is that of the predicted class:
    where a small change of a pixel would change its score most, in either direction.
    """
    _check_model(model)
    per_group = _check_positive_int(per_group, "per_group")
    x, _ = _as_batch(images, "images")
    y = _check_labels(np.atleast_1d(labels), "labels", NUM_CLASSES)
    _check_same_length("labels", len(y), "images", len(x))
    probabilities = np.asarray(model.predict(_to_model_input(model, x), batch_size=1000, verbose=0), dtype="float32")
    predicted = probabilities.argmax(axis=1)
    groups = (("Correctly classified", np.flatnonzero(predicted == y)[:per_group]),
              ("Misclassified", np.flatnonzero(predicted != y)[:per_group]))
    chosen = np.concatenate([index for _, index in groups])
    saliency = saliency_map(model, x[chosen], class_index=predicted[chosen])[..., 0] if chosen.size else None
    kind = _class_scores(model)[1]

    fig = Figure(figsize=(7.6, 1.45 * per_group + 0.9), layout="constrained")
    position = 0
    for subfig, (heading, index) in zip(fig.subfigures(1, 2, wspace=0.04), groups):
        colour = _WRONG if heading == "Misclassified" else "black"
        subfig.suptitle(f"{heading} ({len(index)})", fontsize=12, color=colour)
        if index.size == 0:
            subfig.text(0.5, 0.5, f"No {heading.lower()} digits\namong the {len(x):,} given", ha="center", va="center",
                        fontsize=11)
            continue
        axes = subfig.subplots(per_group, 2, squeeze=False)
        for row, i in zip(axes, index):
            guess = predicted[i]
            title = (f"{y[i]} ({probabilities[i, guess]:.0%})" if guess == y[i]
                     else f"true {y[i]} → {guess} ({probabilities[i, guess]:.0%})")
            row[0].imshow(x[i, :, :, 0], cmap=_CMAP, vmin=0, vmax=1)
            row[0].set_title(title, fontsize=9, color="black" if guess == y[i] else _WRONG)
            row[1].imshow(saliency[position], cmap=_SALIENCY_CMAP, vmin=0, vmax=float(saliency[position].max()) or 1.0)
            row[1].set_title(f"saliency of {guess}", fontsize=9)
            position += 1
            for ax in row:
                _bare_axes(ax)
        for ax in axes[len(index):].ravel():
            ax.remove()
    fig.suptitle(f"Where is the answer most sensitive?\nSaliency: |gradient of the predicted class's {kind}| for each "
                 f"pixel (darker = larger)", fontsize=11)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# The hidden layer's view of the test set
# ---------------------------------------------------------------------------------------------------------------

def dense_activations(model, images, layer=None, batch_size=1000) -> np.ndarray:
    """Return the activations of a hidden layer (the last hidden Dense by default), one row per image, float32."""
    import keras

    _check_model(model)
    batch_size = _check_positive_int(batch_size, "batch_size")
    x, _ = _as_batch(images, "images")
    if layer is None:
        hidden = [each for each in model.layers[:-1] if isinstance(each, keras.layers.Dense)]
        if not hidden:
            raise ValueError(f"model {model.name!r} has no hidden Dense layer; name the layer to read with layer=... "
                             f"(its layers are: {', '.join(each.name for each in model.layers)}).")
        chosen = hidden[-1]
    else:
        chosen = _get_layer(model, layer)
    reader = keras.Model(inputs=_input_of(model), outputs=chosen.output)
    activations = reader.predict(_to_model_input(model, x), batch_size=batch_size, verbose=0)
    return np.asarray(activations, dtype="float32").reshape(len(x), -1)


def pca_2d(features) -> tuple[np.ndarray, np.ndarray]:
    """Return the (n, 2) coordinates on the first two principal components and the share of variance each explains.

    Computed with NumPy's SVD of the centred features. Each component's sign is fixed (its largest loading is
    positive), so the same features always give the same picture.
    """
    f = np.asarray(features)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < 2:
        raise ValueError(
            f"features must be a 2-D array (n, d) with at least 2 rows and 2 columns, got shape {f.shape}."
        )
    if not (np.issubdtype(f.dtype, np.floating) or np.issubdtype(f.dtype, np.integer)) or np.issubdtype(f.dtype, bool):
        raise ValueError(f"features must be numbers, got dtype {f.dtype}.")
    f = f.astype("float64")
    if not np.isfinite(f).all():
        raise ValueError("features contain NaN or infinite values.")
    centred = f - f.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(singular ** 2))
    if total <= 1e-12 * max(1.0, float(np.abs(f).max()) ** 2):
        raise ValueError("features do not vary: every row is the same, so there is no direction to project on.")
    components = components[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    return centred @ components.T, singular[:2] ** 2 / total


def plot_embedding(coords, labels, mistakes=None, explained_variance=None, title=None) -> Figure:
    """Return a scatter Figure of 2-D points coloured by digit, with the ``mistakes`` (mask or indices) marked ×."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    xy = np.asarray(coords)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
        raise ValueError(f"coords must be a non-empty (n, 2) array, as pca_2d returns, got shape {xy.shape}.")
    if not (np.issubdtype(xy.dtype, np.floating) or np.issubdtype(xy.dtype, np.integer)) or not np.isfinite(xy).all():
        raise ValueError("coords must be finite numbers.")
    y = _check_labels(labels)
    _check_same_length("labels", len(y), "coords", len(xy))
    wrong = np.zeros(len(xy), dtype=bool)
    if mistakes is not None:
        m = np.asarray(mistakes)
        if m.dtype == bool:
            if m.shape != (len(xy),):
                raise ValueError(
                    f"a boolean mistakes mask needs one entry per point ({len(xy):,}), got shape {m.shape}."
                )
            wrong = m
        elif m.ndim == 1 and (m.size == 0 or np.issubdtype(m.dtype, np.integer)):
            if m.size and (m.min() < 0 or m.max() >= len(xy)):
                raise ValueError(f"mistakes holds indices outside 0..{len(xy) - 1} (found {m.min()}..{m.max()}).")
            wrong[m.astype(int)] = True
        else:
            raise ValueError(f"mistakes must be a boolean mask or a 1-D array of indices, got dtype {m.dtype} and "
                             f"shape {m.shape}.")
    if explained_variance is not None:
        ratio = np.asarray(explained_variance, dtype="float64")
        if ratio.shape != (2,) or not np.isfinite(ratio).all() or ratio.min() < 0 or ratio.sum() > 1 + 1e-9:
            raise ValueError(
                f"explained_variance must be the two shares that pca_2d returns, got {explained_variance!r}."
            )

    fig = Figure(figsize=(8.5, 7), layout="constrained")
    ax = fig.subplots()
    size = float(np.clip(20_000 / len(xy), 3, 30))  # small points for the 10,000 test digits, larger for few
    colours = colormaps["tab10"]
    handles = []
    for digit in range(NUM_CLASSES):
        here = y == digit
        ax.scatter(xy[here, 0], xy[here, 1], s=size, color=colours(digit), alpha=0.6, linewidths=0)
        handles.append(Line2D([], [], marker="o", linestyle="", color=colours(digit), label=str(digit)))
    if wrong.any():
        ax.scatter(xy[wrong, 0], xy[wrong, 1], s=max(25.0, 4 * size), marker="x", color="black", linewidths=1.2)
        handles.append(Line2D([], [], marker="x", linestyle="", color="black",
                              label=f"misclassified\n({int(wrong.sum()):,})"))
    ax.legend(handles=handles, title="true digit", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    for axis, setter in enumerate((ax.set_xlabel, ax.set_ylabel)):
        share = f" ({explained_variance[axis]:.0%} of the variance)" if explained_variance is not None else ""
        setter(f"component {axis + 1}{share}", fontsize=11)
    ax.set_title(title or f"{len(xy):,} points in 2-D, coloured by digit", fontsize=13)
    ax.grid(alpha=0.3)
    return fig
