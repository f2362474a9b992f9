"""Looking inside a trained CNN: its filters, its feature maps, saliency maps, and a 2-D map of its hidden layer."""
import math

import numpy as np
from matplotlib.figure import Figure

from .checks import IMAGE_SIZE, NUM_CLASSES, as_images, check_labels, check_positive_int, check_same_length, pixel_max
from .plots import CMAP, WRONG, label_axes
from .training import predict_classes

_SINGLE_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1))


def _as_batch(images, name: str = "images", single: bool = False) -> np.ndarray:  # float32 in [0, 1], (n, 28, 28, 1)
    x = np.asarray(images)
    one = x.shape in _SINGLE_SHAPES
    if single and not (one or x.shape in ((1, IMAGE_SIZE, IMAGE_SIZE, 1), (1, IMAGE_SIZE, IMAGE_SIZE))):
        raise ValueError(f"{name} must be one MNIST image shaped (28, 28), (28, 28, 1) or (1, 28, 28, 1), got an "
                         f"array of shape {x.shape}. To pick one digit from a batch, pass x_test[i].")
    if not one and not (x.ndim in (3, 4) and x.shape[1:] in _SINGLE_SHAPES):
        raise ValueError(f"{name} must be MNIST images shaped (28, 28), (28, 28, 1), (n, 28, 28) or (n, 28, 28, 1), "
                         f"got an array of shape {x.shape}.")
    if not one and len(x) == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); pass at least one image.")
    batch = as_images(name, x.reshape(-1, IMAGE_SIZE, IMAGE_SIZE))  # checks dtype and pixel range
    return (batch.astype("float32") / pixel_max(batch)).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)


def _input_of(model):  # the model's one symbolic input, where sub-models that read inner layers start; checks the model
    import keras
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model, got {type(model).__name__}.")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(f"model {model.name!r} has no defined input yet: start with keras.Input(shape=(28, 28, 1)).")
    if len(inputs) != 1:
        raise ValueError(f"model {model.name!r} takes {len(inputs)} inputs; these helpers need a model with one.")
    return inputs[0]


def _to_model_input(model, x: np.ndarray) -> np.ndarray:  # the batch x as the model takes it: images or 784-vectors
    shape = tuple(model.input_shape[1:])
    if None in shape or math.prod(shape) != IMAGE_SIZE * IMAGE_SIZE:
        raise ValueError(f"model {model.name!r} takes inputs of shape {shape}, not 28x28 MNIST images.")
    return x.reshape((-1, *shape))


def _get_layer(model, layer):
    if layer not in (names := [each.name for each in model.layers]):
        raise ValueError(f"model {model.name!r} has no layer named {layer!r}; its layers are: {', '.join(names)}.")
    return model.get_layer(layer)


def _map_layers(model) -> tuple[list, list]:  # (Conv2D layers, Conv2D and 2-D pooling layers); refuses no Conv2D
    import keras
    _input_of(model)
    if not (convs := [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]):
        names = ", ".join(f"{layer.name} ({type(layer).__name__})" for layer in model.layers)
        raise ValueError(f"model {model.name!r} has no Conv2D layer, so it has no filters or feature maps; "
                         f"its layers are: {names}.")
    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    return convs, [layer for layer in model.layers if isinstance(layer, kinds)]


def plot_conv_filters(model, layer=None, ncols=15) -> Figure:
    """Return a Figure with every filter of a Conv2D layer (the first one by default) drawn as a small image."""
    ncols = check_positive_int("ncols", ncols)
    convs, _ = _map_layers(model)
    conv = convs[0] if layer is None else _get_layer(model, layer)
    if conv not in convs:
        raise ValueError(f"layer {layer!r} is a {type(conv).__name__}, not a Conv2D; the Conv2D layers of "
                         f"{model.name!r} are: {', '.join(each.name for each in convs)}.")
    kernel = np.asarray(conv.kernel, dtype="float32")  # (height, width, input channels, filters)
    height, width, channels, n = kernel.shape
    if channels != 1:
        raise ValueError(f"the filters of {conv.name!r} each span {channels} input maps, too many for one image; "
                         f"draw the first convolution ({convs[0].name!r}), or look at {conv.name!r}'s feature maps.")
    ncols, nrows = min(ncols, n), math.ceil(n / min(ncols, n))
    limit = float(np.abs(kernel).max()) or 1.0  # one symmetric scale for all filters, so they can be compared
    fig = Figure(figsize=(0.75 * ncols + 1.2, 0.75 * nrows + 0.7), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw={"xticks": [], "yticks": []}).ravel()
    for i, ax in enumerate(axes[:n]):
        image = ax.imshow(kernel[:, :, 0, i], cmap="RdBu_r", vmin=-limit, vmax=limit)  # red: positive, blue: negative
    for ax in axes[n:]:
        ax.remove()
    fig.colorbar(image, ax=axes[:n].tolist(), shrink=0.8, label="weight")
    fig.suptitle(f"The {n} learned {height}×{width} filters of {conv.name} (red: ink raises the response, "
                 f"blue: ink lowers it)", fontsize=12)
    return fig


def feature_maps(model, image) -> list[tuple[str, np.ndarray]]:
    """Return ``(layer name, maps)`` for each Conv2D and pooling layer, maps shaped (height, width, channels)."""
    import keras
    _, layers = _map_layers(model)  # a model without convolutions: say that first
    if (shape := tuple(model.input_shape[1:])) != (IMAGE_SIZE, IMAGE_SIZE, 1):
        raise ValueError(f"model {model.name!r} takes inputs of shape {shape}, not MNIST images (28, 28, 1).")
    reader = keras.Model(inputs=_input_of(model), outputs=[layer.output for layer in layers])
    outputs = reader(_as_batch(image, "image", single=True), training=False)
    return [(layer.name, np.asarray(maps, dtype="float32")[0]) for layer, maps in zip(layers, outputs)]


def plot_feature_maps(model, image, max_maps=8) -> Figure:
    """Return a Figure with the digit, then one row per Conv2D and pooling layer showing its most active maps."""
    import keras
    max_maps = check_positive_int("max_maps", max_maps)
    maps, x = feature_maps(model, image), _as_batch(image, "image", single=True)
    ncols = min(max_maps, max(m.shape[-1] for _, m in maps))
    fig = Figure(figsize=(1.25 * ncols + 1.0, 1.3 * (len(maps) + 1) + 0.5), layout="constrained")
    axes = fig.subplots(len(maps) + 1, ncols, squeeze=False, subplot_kw={"xticks": [], "yticks": []})
    axes[0, 0].imshow(x[0, :, :, 0], cmap=CMAP, vmin=0, vmax=1)
    axes[0, 0].set_ylabel("input\n28×28", fontsize=10)
    for ax in axes[0, 1:]:
        ax.remove()
    chosen = np.arange(0)
    for row, (name, m) in zip(axes[1:], maps):  # a pooling row shows the maps its convolution chose
        if isinstance(model.get_layer(name), keras.layers.Conv2D) or len(chosen) == 0 or chosen.max() >= m.shape[-1]:
            chosen = np.argsort(-m.sum(axis=(0, 1)), kind="stable")[:ncols]
        top = float(m[:, :, chosen].max()) or 1.0  # one scale per row, so the maps of a layer can be compared
        for ax, channel in zip(row, chosen):
            ax.imshow(m[:, :, channel], cmap="viridis", vmin=0, vmax=top)
            ax.set_title(f"map {channel}", fontsize=8)
        for ax in row[len(chosen):]:
            ax.remove()
        row[0].set_ylabel(f"{name}\n{m.shape[0]}×{m.shape[1]}×{m.shape[2]}", fontsize=10)
    fig.suptitle(f"One digit through the network: the {ncols} most active maps of each convolution "
                 f"(bright = strong response)", fontsize=12)
    return fig


def _class_scores(model):  # (a function from an input batch to class scores, what they are: "logit" or "output")
    import keras
    last = model.layers[-1] if model.layers else None
    softmax = getattr(last, "activation", None) is keras.activations.softmax
    dense = softmax and isinstance(last, keras.layers.Dense)
    if not (dense or isinstance(last, keras.layers.Softmax) or softmax and isinstance(last, keras.layers.Activation)):
        return (lambda x: keras.ops.cast(model(x, training=False), "float32")), "output"
    before = keras.Model(inputs=_input_of(model), outputs=last.input)  # the logit: the score before the softmax

    def logits(x):
        z = keras.ops.cast(before(x, training=False), "float32")
        if dense:
            z = keras.ops.matmul(z, keras.ops.cast(last.kernel, "float32"))
            z = z + keras.ops.cast(last.bias, "float32") if last.use_bias else z
        return z

    return logits, "logit"


def saliency_map(model, images, class_index=None, batch_size=256) -> np.ndarray:
    """Return |d score / d pixel| of a class (by default the predicted one) for each image, shaped like ``images``."""
    # The score is the class's logit when the model ends in a softmax: a saturated softmax would give near-zero
    # gradients for confident digits. class_index: None, one digit for all images, or one per image (the labels).
    import tensorflow as tf
    _input_of(model)
    batch_size, x = check_positive_int("batch_size", batch_size), _as_batch(images, "images")
    x_model = _to_model_input(model, x)
    if class_index is not None:
        wanted = check_labels("class_index", np.atleast_1d(class_index), model.output_shape[-1])
        wanted = np.repeat(wanted, len(x)) if np.ndim(class_index) == 0 else wanted
        check_same_length("class_index", len(wanted), "images", len(x))
    scores_of, gradients = _class_scores(model)[0], []
    for start in range(0, len(x), batch_size):
        batch = tf.convert_to_tensor(x_model[start:start + batch_size])
        with tf.GradientTape() as tape:
            tape.watch(batch)
            scores = scores_of(batch)
            chosen = np.asarray(tf.argmax(scores, 1)) if class_index is None else wanted[start:start + batch_size]
            score = tf.reduce_sum(tf.gather(scores, chosen.astype("int32"), axis=1, batch_dims=1))
        gradients.append(np.abs(tf.cast(tape.gradient(score, batch), "float32").numpy()))  # bfloat16 when mixed
    return np.concatenate(gradients).reshape(np.shape(images))


def plot_saliency(model, images, labels, per_group=4) -> Figure:
    """Return a Figure of the first ``per_group`` digits beside their saliency: correct left, misclassified right."""
    _input_of(model)
    per_group, x = check_positive_int("per_group", per_group), _as_batch(images, "images")
    y = check_labels("labels", np.atleast_1d(labels), like=("images", len(x)))
    predicted, probabilities = predict_classes(model, _to_model_input(model, x))
    groups = (("Correctly classified", np.flatnonzero(predicted == y)[:per_group]),
              ("Misclassified", np.flatnonzero(predicted != y)[:per_group]))
    chosen = np.concatenate([index for _, index in groups])
    saliency = saliency_map(model, x[chosen], class_index=predicted[chosen])[..., 0] if chosen.size else None
    fig, position = Figure(figsize=(7.6, 1.45 * per_group + 0.9), layout="constrained"), 0
    for subfig, (heading, index) in zip(fig.subfigures(1, 2, wspace=0.04), groups):
        subfig.suptitle(f"{heading} ({len(index)})", fontsize=12, color=WRONG if heading[0] == "M" else "black")
        if index.size == 0:
            subfig.text(0.5, 0.5, f"No {heading.lower()} digits\namong the {len(x):,} given", ha="center",
                        va="center", fontsize=11)
            continue
        axes = subfig.subplots(per_group, 2, squeeze=False, subplot_kw={"xticks": [], "yticks": []})
        for row, i in zip(axes, index):
            guess, share = predicted[i], f"({probabilities[i, predicted[i]]:.0%})"
            row[0].imshow(x[i, :, :, 0], cmap=CMAP, vmin=0, vmax=1)
            row[0].set_title(f"{y[i]} {share}" if guess == y[i] else f"true {y[i]} → {guess} {share}", fontsize=9,
                             color="black" if guess == y[i] else WRONG)
            row[1].imshow(saliency[position], cmap="Reds", vmin=0, vmax=float(saliency[position].max()) or 1.0)
            row[1].set_title(f"saliency of {guess}", fontsize=9)
            position += 1
        for ax in axes[len(index):].ravel():
            ax.remove()
    fig.suptitle(f"Where is the answer most sensitive?\nSaliency: |gradient of the predicted class's "
                 f"{_class_scores(model)[1]}| for each pixel (darker = larger)", fontsize=11)
    return fig


def dense_activations(model, images, layer=None, batch_size=1000) -> np.ndarray:
    """Return the activations of a hidden layer (the last hidden Dense by default), one row per image, float32."""
    import keras
    _input_of(model)
    batch_size, x = check_positive_int("batch_size", batch_size), _as_batch(images, "images")
    hidden = [each for each in model.layers[:-1] if isinstance(each, keras.layers.Dense)]
    if layer is None and not hidden:
        raise ValueError(f"model {model.name!r} has no hidden Dense layer; name the layer to read with layer=... "
                         f"(its layers are: {', '.join(each.name for each in model.layers)}).")
    chosen = hidden[-1] if layer is None else _get_layer(model, layer)
    reader = keras.Model(inputs=_input_of(model), outputs=chosen.output)
    activations = reader.predict(_to_model_input(model, x), batch_size=batch_size, verbose=0)
    return np.asarray(activations, dtype="float32").reshape(len(x), -1)


def pca_2d(features) -> tuple[np.ndarray, np.ndarray]:
    """Return the (n, 2) coordinates on the first two principal components, and the share of variance of each."""
    f = np.asarray(features)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < 2:
        raise ValueError(f"features must be a 2-D array (n, d) of at least 2 rows and 2 columns, got shape {f.shape}.")
    if not (np.issubdtype(f.dtype, np.floating) or np.issubdtype(f.dtype, np.integer)) or not np.isfinite(f).all():
        raise ValueError(f"features must be finite numbers (no NaN or infinity), got dtype {f.dtype}.")
    f = f.astype("float64")
    centred = f - f.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    if (total := float(np.sum(singular ** 2))) <= 1e-12 * max(1.0, float(np.abs(f).max()) ** 2):
        raise ValueError("features do not vary: every row is the same, so there is no direction to project on.")
    # Each component's sign is fixed (its largest loading positive): the same features always give the same picture.
    components = components[:2] * np.sign(components[np.arange(2), np.abs(components[:2]).argmax(axis=1)])[:, None]
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
    y = check_labels("labels", labels, like=("coords", len(xy)))
    wrong, m = np.zeros(len(xy), dtype=bool), np.asarray([] if mistakes is None else mistakes)
    if m.dtype == bool and m.shape != (len(xy),):
        raise ValueError(f"a boolean mistakes mask needs one entry per point ({len(xy):,}), got shape {m.shape}.")
    if m.dtype != bool and not (m.ndim == 1 and (m.size == 0 or np.issubdtype(m.dtype, np.integer))):
        raise ValueError(f"mistakes must be a boolean mask or a 1-D array of indices, got dtype {m.dtype} and "
                         f"shape {m.shape}.")
    if m.dtype != bool and m.size and (m.min() < 0 or m.max() >= len(xy)):
        raise ValueError(f"mistakes holds indices outside 0..{len(xy) - 1} (found {m.min()}..{m.max()}).")
    wrong[m if m.dtype == bool else m.astype(int)] = True
    if explained_variance is not None:
        ratio = np.asarray(explained_variance, dtype="float64")
        if ratio.shape != (2,) or not np.isfinite(ratio).all() or ratio.min() < 0 or ratio.sum() > 1 + 1e-9:
            raise ValueError(f"explained_variance must be the two shares pca_2d returns, got {explained_variance!r}.")
    fig = Figure(figsize=(8.5, 7), layout="constrained")
    ax = fig.subplots()
    size = float(np.clip(20_000 / len(xy), 3, 30))  # small points for the 10,000 test digits, larger for few
    colours, handles = colormaps["tab10"], []
    for digit in range(NUM_CLASSES):
        ax.scatter(xy[y == digit, 0], xy[y == digit, 1], s=size, color=colours(digit), alpha=0.6, linewidths=0)
        handles.append(Line2D([], [], marker="o", linestyle="", color=colours(digit), label=str(digit)))
    if wrong.any():
        ax.scatter(xy[wrong, 0], xy[wrong, 1], s=max(25.0, 4 * size), marker="x", color="black", linewidths=1.2)
        handles.append(Line2D([], [], marker="x", linestyle="", color="black",
                              label=f"misclassified\n({int(wrong.sum()):,})"))
    ax.legend(handles=handles, title="true digit", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    shares = ["", ""] if explained_variance is None else [f" ({share:.0%} of the variance)" for share in ratio]
    label_axes(ax, f"component 1{shares[0]}", f"component 2{shares[1]}",
               title or f"{len(xy):,} points in 2-D, coloured by digit", fontsize=13)
    ax.grid(alpha=0.3)
    return fig
