"""Tests for lab_utils.inspect: a tiny untrained CNN and synthetic digits, no MNIST, no training."""
import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

import lab_utils as lab
from lab_utils import artifacts
from lab_utils.inspect import (
    dense_activations,
    feature_maps,
    pca_2d,
    plot_conv_filters,
    plot_embedding,
    plot_feature_maps,
    plot_saliency,
    saliency_map,
)

N = 12
FILTERS = (4, 8)


pytestmark = pytest.mark.usefixtures("no_pyplot_figures")


@pytest.fixture(scope="module")
def cnn():
    keras.mixed_precision.set_global_policy("float32")
    lab.set_seed(0)
    return lab.build_seed_cnn(filters=FILTERS, dense_units=(16,))


@pytest.fixture(scope="module")
def dense():
    keras.mixed_precision.set_global_policy("float32")
    return lab.build_dense_baseline(hidden_units=8)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, size=(N, 28, 28), dtype=np.uint8)


@pytest.fixture(scope="module")
def labels():
    return np.arange(N) % 10


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


# --------------------------------------------------------------------------------------------------
# Bad models, layers and images: the same clear errors everywhere
# --------------------------------------------------------------------------------------------------

CONV_HELPERS = {
    "plot_conv_filters": lambda model, image: plot_conv_filters(model),
    "feature_maps": feature_maps,
    "plot_feature_maps": plot_feature_maps,
}
IMAGE_HELPERS = {
    "feature_maps": feature_maps,
    "plot_feature_maps": plot_feature_maps,
    "saliency_map": saliency_map,
    "dense_activations": dense_activations,
    "plot_saliency": lambda model, x: plot_saliency(model, x, np.zeros(2, dtype=int)),
}


@pytest.mark.parametrize("helper", CONV_HELPERS.values(), ids=CONV_HELPERS.keys())
def test_a_model_without_convolutions_is_refused(helper, dense, images):
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        helper(dense, images[0])


def test_a_model_that_does_not_take_images_has_no_feature_maps_but_has_filters():
    keras.mixed_precision.set_global_policy("float32")
    flat_input = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Reshape((28, 28, 1)),
                                   keras.layers.Conv2D(2, 5), keras.layers.Flatten(), keras.layers.Dense(10)])
    for helper in (feature_maps, plot_feature_maps):
        with pytest.raises(ValueError, match=r"inputs of shape \(784,\), not MNIST images \(28, 28, 1\)"):
            helper(flat_input, np.zeros((28, 28), dtype=np.uint8))
    assert len(image_axes(plot_conv_filters(flat_input))) == 2  # drawing filters needs no image


@pytest.mark.parametrize("helper", IMAGE_HELPERS.values(), ids=IMAGE_HELPERS.keys())
@pytest.mark.parametrize("model", ["a string", None, np.zeros(3)])
def test_something_that_is_not_a_keras_model_is_refused(helper, model, images):
    with pytest.raises(ValueError, match="must be a Keras model"):
        helper(model, images[:2])


def test_a_model_with_no_input_yet_is_refused(images):
    unbuilt = keras.Sequential([keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(10)])
    for helper in (plot_conv_filters, lambda m: saliency_map(m, images[:1]), lambda m: feature_maps(m, images[0])):
        with pytest.raises(ValueError, match=r"no defined input yet.*keras.Input"):
            helper(unbuilt)


@pytest.mark.parametrize("shape", [(27, 28), (28, 28, 3), (2, 28, 28, 3), (784,), (2, 784), (1, 1, 28, 28, 1), ()])
@pytest.mark.parametrize("helper", IMAGE_HELPERS.values(), ids=IMAGE_HELPERS.keys())
def test_a_wrong_image_shape_is_refused_with_the_expected_shape(helper, shape, cnn):
    with pytest.raises(ValueError, match=r"\(28, 28, 1\).*got an array of shape"):
        helper(cnn, np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("helper", ["feature_maps", "plot_feature_maps"])
def test_the_single_image_helpers_refuse_a_batch_and_say_how_to_pick_one(helper, cnn, images):
    with pytest.raises(ValueError, match=r"one MNIST image.*x_test\[i\]"):
        IMAGE_HELPERS[helper](cnn, images[:3])


@pytest.mark.parametrize("helper", ["saliency_map", "dense_activations", "plot_saliency"])
def test_an_empty_batch_is_refused(helper, cnn):
    with pytest.raises(ValueError, match="empty"):
        IMAGE_HELPERS[helper](cnn, np.zeros((0, 28, 28), dtype=np.uint8))


@pytest.mark.parametrize("bad, message", [
    (np.full((2, 28, 28), 2.0), r"must lie in \[0, 1\]"),
    (np.full((2, 28, 28), np.nan), "NaN"),
    (np.full((2, 28, 28), 300), r"0\.\.255"),
    (np.full((2, 28, 28), "a"), "dtype"),
])
@pytest.mark.parametrize("helper", ["saliency_map", "dense_activations"])
def test_bad_pixel_values_are_refused(helper, bad, message, cnn):
    with pytest.raises(ValueError, match=message):
        IMAGE_HELPERS[helper](cnn, bad)


@pytest.mark.parametrize("call", [
    lambda m: plot_conv_filters(m, layer="conv9"),
    lambda m: dense_activations(m, np.zeros((2, 28, 28)), layer="dense_500"),
])
def test_an_unknown_layer_name_lists_the_available_ones(call, cnn):
    with pytest.raises(ValueError, match=r"no layer named .*conv1, pool1, .*, output"):
        call(cnn)


def test_a_layer_given_as_a_non_string_is_refused_with_the_names(cnn):
    with pytest.raises(ValueError, match=r"no layer named 0; its layers are: conv1, pool1"):
        plot_conv_filters(cnn, layer=0)


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "8"])
def test_counts_must_be_positive_whole_numbers(value, cnn, images, labels):
    with pytest.raises(ValueError, match="whole number"):
        plot_feature_maps(cnn, images[0], max_maps=value)
    with pytest.raises(ValueError, match="whole number"):
        plot_saliency(cnn, images, labels, per_group=value)
    with pytest.raises(ValueError, match="whole number"):
        plot_conv_filters(cnn, ncols=value)


# --------------------------------------------------------------------------------------------------
# plot_conv_filters
# --------------------------------------------------------------------------------------------------

def test_filter_figure_draws_each_filter_of_the_first_convolution(cnn):
    fig = plot_conv_filters(cnn)
    assert isinstance(fig, Figure)
    drawn = image_axes(fig)
    assert len(drawn) == FILTERS[0]
    kernel = keras.ops.convert_to_numpy(cnn.get_layer("conv1").kernel)
    for i, ax in enumerate(drawn):
        np.testing.assert_allclose(ax.images[0].get_array(), kernel[:, :, 0, i])
    low, high = drawn[0].images[0].get_clim()
    assert low == -high == -np.abs(kernel).max(), "one symmetric colour scale, so zero is white in every filter"


def test_a_deeper_convolution_or_a_non_convolution_is_refused_with_the_reason(cnn):
    with pytest.raises(ValueError, match=r"each span 4 input maps.*'conv1'"):
        plot_conv_filters(cnn, layer="conv2")
    with pytest.raises(ValueError, match=r"'pool1' is a MaxPooling2D, not a Conv2D.*conv1, conv2"):
        plot_conv_filters(cnn, layer="pool1")


def test_many_filters_wrap_into_rows_without_empty_frames():
    keras.mixed_precision.set_global_policy("float32")
    model = lab.build_seed_cnn(filters=(20, 2), dense_units=())
    fig = plot_conv_filters(model, ncols=6)
    assert len(image_axes(fig)) == 20
    assert len(fig.axes) == 20 + 1  # the filters and one colour bar: the 4 unused cells of the last row are gone


# --------------------------------------------------------------------------------------------------
# feature_maps and plot_feature_maps
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["(28,28)", "(28,28,1)", "(1,28,28,1)", "float"])
def test_feature_maps_have_the_shapes_that_seed_cnn_shapes_predicts(layout, cnn, images):
    image = {"(28,28)": images[0], "(28,28,1)": images[0, ..., None], "(1,28,28,1)": images[:1, ..., None],
             "float": images[0] / 255.0}[layout]
    maps = feature_maps(cnn, image)
    expected = lab.seed_cnn_shapes(filters=FILTERS)
    assert [name for name, _ in maps] == [name for name, _ in expected]
    for (name, m), (_, side), channels in zip(maps, expected, np.repeat(FILTERS, 2)):
        assert m.shape == (side, side, channels), name
        assert m.dtype == np.float32 and (m >= 0).all(), "ReLU and max-pooling outputs are never negative"


def test_feature_maps_agree_with_the_layers_computed_by_hand(cnn, images):
    x = images[:1, ..., None].astype("float32") / 255
    conv1 = keras.ops.convert_to_numpy(cnn.get_layer("conv1")(x))[0]
    pool1 = keras.ops.convert_to_numpy(cnn.get_layer("pool1")(conv1[None]))[0]
    maps = dict(feature_maps(cnn, images[0]))
    np.testing.assert_allclose(maps["conv1"], conv1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps["pool1"], pool1, rtol=1e-5, atol=1e-6)


def test_feature_maps_work_on_a_model_loaded_from_a_keras_file(cnn, images, tmp_path):
    loaded = artifacts.load_model_file(artifacts.save_model_atomic(cnn, tmp_path / "cnn.keras"))
    for (name, mine), (loaded_name, theirs) in zip(feature_maps(cnn, images[0]), feature_maps(loaded, images[0])):
        assert name == loaded_name
        np.testing.assert_allclose(theirs, mine, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(saliency_map(loaded, images[:2]), saliency_map(cnn, images[:2]), rtol=1e-3, atol=1e-8)
    assert dense_activations(loaded, images[:2]).shape == (2, 16)


def test_feature_map_figure_has_the_digit_then_one_row_per_layer(cnn, images):
    fig = plot_feature_maps(cnn, images[0], max_maps=3)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1 + 4 * 3  # the input digit, then 3 maps for conv1, pool1, conv2, pool2
    assert fig.axes[0].get_ylabel() == "input\n28×28"
    row_labels = [ax.get_ylabel() for ax in fig.axes[1::3]]
    assert row_labels == ["conv1\n24×24×4", "pool1\n12×12×4", "conv2\n8×8×8", "pool2\n4×4×8"]


def test_each_pooling_row_follows_the_maps_of_its_convolution(cnn, images):
    fig = plot_feature_maps(cnn, images[0], max_maps=3)
    titles = [[ax.get_title() for ax in fig.axes[1 + 3 * row: 4 + 3 * row]] for row in range(4)]
    assert titles[0] == titles[1] and titles[2] == titles[3]
    conv1 = dict(feature_maps(cnn, images[0]))["conv1"]
    most_active = np.argsort(-conv1.sum(axis=(0, 1)), kind="stable")[:3]
    assert titles[0] == [f"map {i}" for i in most_active]


def test_more_maps_asked_than_there_are_shows_them_all(cnn, images):
    fig = plot_feature_maps(cnn, images[0], max_maps=50)
    assert len(fig.axes) == 1 + 2 * 4 + 2 * 8  # conv1 and pool1 have 4 maps, conv2 and pool2 have 8


# --------------------------------------------------------------------------------------------------
# saliency_map and plot_saliency
# --------------------------------------------------------------------------------------------------

def logits_of(model, x):
    """The output layer's scores before the softmax, computed independently of lab_utils."""
    hidden = keras.Model(model.inputs[0], model.layers[-2].output)
    output = model.layers[-1]
    h = keras.ops.convert_to_numpy(hidden(x)).astype("float64")
    return h @ keras.ops.convert_to_numpy(output.kernel) + keras.ops.convert_to_numpy(output.bias)


@pytest.mark.parametrize("layout", ["(n,28,28)", "(n,28,28,1)", "(28,28)", "(28,28,1)"])
def test_saliency_has_the_shape_of_its_input_and_is_non_negative(layout, cnn, images):
    x = {"(n,28,28)": images, "(n,28,28,1)": images[..., None], "(28,28)": images[0],
         "(28,28,1)": images[0, ..., None]}[layout]
    saliency = saliency_map(cnn, x)
    assert saliency.shape == x.shape and saliency.dtype == np.float32
    assert np.isfinite(saliency).all() and (saliency >= 0).all() and saliency.max() > 0


def test_saliency_is_the_gradient_of_the_logit(cnn, images):
    """A finite difference on the pixel that matters most changes the class logit by about saliency x step."""
    x = images[:1, ..., None].astype("float32") / 255
    digit = 3
    saliency = saliency_map(cnn, x, class_index=digit)[0, :, :, 0]
    row, col = np.unravel_index(saliency.argmax(), saliency.shape)
    step = 1e-3
    up, down = x.copy(), x.copy()
    up[0, row, col, 0] += step
    down[0, row, col, 0] -= step
    change = (logits_of(cnn, up)[0, digit] - logits_of(cnn, down)[0, digit]) / (2 * step)
    assert abs(change) == pytest.approx(saliency[row, col], rel=0.05)


def test_saliency_follows_the_class_asked_for(cnn, images, labels):
    predicted = saliency_map(cnn, images[:4])
    scores = logits_of(cnn, images[:4, ..., None].astype("float32") / 255)
    np.testing.assert_allclose(saliency_map(cnn, images[:4], class_index=scores.argmax(axis=1)), predicted)
    per_image = saliency_map(cnn, images[:4], class_index=labels[:4])
    for i in range(4):
        np.testing.assert_allclose(per_image[i], saliency_map(cnn, images[i], class_index=int(labels[i])),
                                   rtol=1e-3, atol=1e-8)
    assert not np.allclose(saliency_map(cnn, images[:1], class_index=0), saliency_map(cnn, images[:1], class_index=1))


def test_saliency_batches_give_the_same_answer_as_one_pass(cnn, images):
    np.testing.assert_allclose(saliency_map(cnn, images, batch_size=5), saliency_map(cnn, images), rtol=1e-3, atol=1e-8)


def test_saliency_under_mixed_precision_comes_back_as_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = lab.build_seed_cnn(filters=FILTERS, dense_units=(16,))
        saliency = saliency_map(model, np.random.default_rng(1).random((3, 28, 28), dtype="float32"))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert saliency.dtype == np.float32 and np.isfinite(saliency).all() and saliency.max() > 0


def test_saliency_works_for_a_dense_network_too(dense, images):
    saliency = saliency_map(dense, images[:3])
    assert saliency.shape == (3, 28, 28) and saliency.max() > 0


@pytest.mark.parametrize("softmax", [keras.layers.Softmax, lambda: keras.layers.Activation("softmax")],
                         ids=["Softmax", "Activation"])
def test_a_separate_softmax_layer_is_skipped_to_reach_the_logit(softmax, images):
    keras.mixed_precision.set_global_policy("float32")
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, use_bias=False), softmax()])
    weights = keras.ops.convert_to_numpy(model.layers[1].kernel)
    saliency = saliency_map(model, images[:2], class_index=7)  # the logit is linear in the pixels: its gradient is W
    np.testing.assert_allclose(saliency, np.broadcast_to(np.abs(weights[:, 7]).reshape(28, 28), (2, 28, 28)), rtol=1e-5)


def test_a_model_without_softmax_is_differentiated_on_its_output(images):
    keras.mixed_precision.set_global_policy("float32")
    linear = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(10, use_bias=False)])
    weights = keras.ops.convert_to_numpy(linear.layers[-1].kernel)
    saliency = saliency_map(linear, images[:2], class_index=7)
    np.testing.assert_allclose(saliency, np.broadcast_to(np.abs(weights[:, 7]).reshape(28, 28), (2, 28, 28)), rtol=1e-5)


@pytest.mark.parametrize("class_index, message", [
    (10, r"must lie in 0\.\.9"),
    (-1, r"must lie in 0\.\.9"),
    (2.5, "integers"),
    (np.arange(3), f"has 3 entries but images has {N}"),
    (np.zeros((N, 10), dtype=int), "one-hot"),
])
def test_a_bad_class_index_is_refused(class_index, message, cnn, images):
    with pytest.raises(ValueError, match=message):
        saliency_map(cnn, images, class_index=class_index)


def test_saliency_figure_puts_correct_and_misclassified_digits_side_by_side(cnn, images):
    predicted = logits_of(cnn, images[..., None].astype("float32") / 255).argmax(axis=1)
    labels = predicted.copy()
    labels[[1, 4, 6]] = (predicted[[1, 4, 6]] + 1) % 10  # three mistakes, the rest right
    fig = plot_saliency(cnn, images, labels, per_group=2)
    left, right = fig.subfigs
    assert left.get_suptitle() == "Correctly classified (2)"
    assert right.get_suptitle() == "Misclassified (2)"
    assert len(left.axes) == len(right.axes) == 2 * 2  # per digit: the image and its saliency
    wrong_titles = [ax.get_title() for ax in right.axes[::2]]
    assert wrong_titles[0].startswith(f"true {labels[1]} → {predicted[1]} (")
    assert wrong_titles[1].startswith(f"true {labels[4]} → {predicted[4]} (")
    np.testing.assert_allclose(right.axes[1].images[0].get_array(), saliency_map(cnn, images[1]), rtol=1e-3, atol=1e-8)
    assert "logit" in fig.get_suptitle()


def test_saliency_figure_says_when_a_group_is_empty(cnn, images):
    predicted = logits_of(cnn, images[..., None].astype("float32") / 255).argmax(axis=1)
    fig = plot_saliency(cnn, images, predicted, per_group=3)
    left, right = fig.subfigs
    assert right.get_suptitle() == "Misclassified (0)" and right.axes == []
    assert any("No misclassified digits" in text.get_text() for text in right.texts)
    assert len(left.axes) == 6


@pytest.mark.parametrize("labels, message", [
    (np.arange(N - 1) % 10, f"has {N - 1} entries but images has {N}"),
    (np.full(N, 10), r"must lie in 0\.\.9"),
    (np.full(N, 1.5), "integers"),
])
def test_saliency_figure_refuses_bad_labels(labels, message, cnn, images):
    with pytest.raises(ValueError, match=message):
        plot_saliency(cnn, images, labels)


# --------------------------------------------------------------------------------------------------
# dense_activations, pca_2d and plot_embedding
# --------------------------------------------------------------------------------------------------

def test_dense_activations_read_the_last_hidden_dense_layer_by_default(cnn, images):
    activations = dense_activations(cnn, images)
    assert activations.shape == (N, 16) and activations.dtype == np.float32 and (activations >= 0).all()
    reader = keras.Model(cnn.inputs[0], cnn.get_layer("dense1").output)
    np.testing.assert_allclose(activations, reader.predict(images[..., None] / 255, verbose=0), rtol=1e-5, atol=1e-6)


def test_dense_activations_of_any_named_layer_come_flattened(cnn, images):
    assert dense_activations(cnn, images, layer="pool2").shape == (N, 4 * 4 * 8)
    assert dense_activations(cnn, images[0], layer="output").shape == (1, 10)


def test_a_model_without_a_hidden_dense_layer_needs_a_layer_name(images):
    model = lab.build_seed_cnn(filters=FILTERS, dense_units=())
    with pytest.raises(ValueError, match="no hidden Dense layer; name the layer"):
        dense_activations(model, images)
    assert dense_activations(model, images, layer="flatten").shape == (N, 4 * 4 * 8)


def test_pca_finds_the_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    spread = np.array([10.0, 3.0, 1.0, 0.5, 0.1])
    rotation, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    features = (rng.normal(size=(2000, 5)) * spread) @ rotation.T + 7.0
    coords, explained = pca_2d(features)
    assert coords.shape == (2000, 2) and explained.shape == (2,)
    np.testing.assert_allclose(coords.mean(axis=0), 0.0, atol=1e-9)
    variance = coords.var(axis=0)
    assert variance[0] > variance[1]
    assert explained[0] > explained[1] and explained.sum() < 1
    np.testing.assert_allclose(explained, spread[:2] ** 2 / (spread ** 2).sum(), rtol=0.1)
    # the same as projecting on the top two eigenvectors of the covariance matrix, up to sign
    values, vectors = np.linalg.eigh(np.cov(features, rowvar=False))
    top = vectors[:, np.argsort(values)[::-1][:2]]
    np.testing.assert_allclose(np.abs(coords), np.abs((features - features.mean(axis=0)) @ top), atol=1e-8)
    np.testing.assert_allclose(explained, np.sort(values)[::-1][:2] / values.sum(), rtol=1e-8)


def test_pca_signs_are_fixed_so_the_picture_is_reproducible():
    features = np.random.default_rng(1).normal(size=(50, 4)) * [5, 2, 1, 1]
    coords, _ = pca_2d(features)
    flipped, _ = pca_2d(-features)
    np.testing.assert_allclose(coords, -flipped, atol=1e-9)  # negated data: the same components, mirrored points


@pytest.mark.parametrize("features, message", [
    (np.zeros((0, 5)), "at least 2 rows"),
    (np.ones((1, 5)), "at least 2 rows"),
    (np.ones((5, 1)), "2 columns"),
    (np.ones(5), "2-D"),
    (np.ones((4, 3)), "do not vary"),
    (np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]), "NaN"),
    (np.array([["a", "b"], ["c", "d"]]), "numbers"),
])
def test_pca_refuses_what_it_cannot_project(features, message):
    with pytest.raises(ValueError, match=message):
        pca_2d(features)


@pytest.fixture
def embedding():
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 10
    return rng.normal(size=(60, 2)) + labels[:, None], labels


@pytest.mark.parametrize("kind", ["mask", "indices"])
def test_embedding_colours_each_digit_and_marks_the_mistakes(kind, embedding):
    coords, labels = embedding
    wrong = np.zeros(60, dtype=bool)
    wrong[[3, 17, 42]] = True
    mistakes = wrong if kind == "mask" else np.flatnonzero(wrong)
    fig = plot_embedding(coords, labels, mistakes=mistakes, explained_variance=[0.4, 0.2])
    ax = fig.axes[0]
    digits, marks = ax.collections[:10], ax.collections[10]
    assert [len(c.get_offsets()) for c in digits] == [6] * 10
    assert len({tuple(c.get_facecolor()[0][:3]) for c in digits}) == 10, "one colour per digit"
    np.testing.assert_allclose(marks.get_offsets(), coords[wrong])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [str(d) for d in range(10)] + ["misclassified\n(3)"]
    assert ax.get_xlabel() == "component 1 (40% of the variance)"


def test_embedding_without_mistakes_has_no_marks(embedding):
    coords, labels = embedding
    for mistakes in (None, np.zeros(60, dtype=bool), np.array([], dtype=int)):
        ax = plot_embedding(coords, labels, mistakes=mistakes, title="PCA").axes[0]
        assert len(ax.collections) == 10 and len(ax.get_legend().get_texts()) == 10
        assert ax.get_title() == "PCA" and ax.get_xlabel() == "component 1"


@pytest.mark.parametrize("change, message", [
    (dict(coords=np.zeros((60, 3))), r"\(n, 2\)"),
    (dict(coords=np.zeros((0, 2))), r"non-empty \(n, 2\)"),
    (dict(coords=np.full((60, 2), np.inf)), "finite"),
    (dict(labels=np.arange(59) % 10), "has 59 entries but coords has 60"),
    (dict(labels=np.full(60, 11)), r"must lie in 0\.\.9"),
    (dict(mistakes=np.zeros(59, dtype=bool)), "one entry per point"),
    (dict(mistakes=np.array([0, 60])), r"outside 0\.\.59"),
    (dict(mistakes=np.array([0.5])), "boolean mask or a 1-D array of indices"),
    (dict(explained_variance=[0.9, 0.5]), "two shares"),
    (dict(explained_variance=[0.5]), "two shares"),
])
def test_embedding_refuses_bad_inputs(change, message, embedding):
    coords, labels = embedding
    arguments = dict(coords=coords, labels=labels) | change
    with pytest.raises(ValueError, match=message):
        plot_embedding(**arguments)
