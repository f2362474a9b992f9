"""Model builders: the published architectures exactly, and clear errors for knobs that cannot work."""
import inspect

import keras
import pytest

import lab_utils as lab
from lab_utils.models import SEED_CNN_DEFAULTS

SEED_CNN_PARAMS = 995_060  # as the 2017 post reports
DENSE_BASELINE_PARAMS = 636_010  # 784*800 + 800 + 800*10 + 10


def layer_summary(model):
    return [(type(layer).__name__, layer.output.shape[1:]) for layer in model.layers]


def test_dense_baseline_is_the_published_network():
    model = lab.build_dense_baseline()
    assert model.count_params() == DENSE_BASELINE_PARAMS
    hidden, output = model.layers
    assert hidden.units == 800 and hidden.activation.__name__ == "relu"
    assert output.units == 10 and output.activation.__name__ == "softmax"
    assert isinstance(hidden.kernel_initializer, keras.initializers.RandomNormal)
    assert hidden.kernel_initializer.stddev == pytest.approx(0.05)
    assert model.input_shape == (None, 784)


def test_seed_cnn_defaults_are_written_once_in_each_signature_and_agree():
    """The signatures spell the published values out for students; SEED_CNN_DEFAULTS (the sweeps' base) must match."""
    build = inspect.signature(lab.build_seed_cnn).parameters
    shapes = inspect.signature(lab.seed_cnn_shapes).parameters
    assert list(SEED_CNN_DEFAULTS) == [name for name in build if name != "num_classes"]
    for name, value in SEED_CNN_DEFAULTS.items():
        assert build[name].default == value, name
        if name in shapes:
            assert shapes[name].default == value, name
    assert list(shapes) == ["filters", "kernel_size", "pool_size", "padding"]


def test_seed_cnn_defaults_are_the_published_network():
    model = lab.build_seed_cnn()
    assert model.count_params() == SEED_CNN_PARAMS
    assert layer_summary(model) == [
        ("Conv2D", (24, 24, 75)),
        ("MaxPooling2D", (12, 12, 75)),
        ("Dropout", (12, 12, 75)),
        ("Conv2D", (8, 8, 100)),
        ("MaxPooling2D", (4, 4, 100)),
        ("Dropout", (4, 4, 100)),
        ("Flatten", (1600,)),
        ("Dense", (500,)),
        ("Dropout", (500,)),
        ("Dense", (10,)),
    ]
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.2, 0.2, 0.5]


def test_output_layer_stays_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = lab.build_seed_cnn()
        assert model.layers[0].compute_dtype == "bfloat16"
        assert model.layers[-1].compute_dtype == "float32"
        assert lab.build_dense_baseline().layers[-1].compute_dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "kwargs, params",
    [
        (dict(filters=(32,)), (5 * 5 * 1 + 1) * 32 + (12 * 12 * 32 + 1) * 500 + 501 * 10),
        (dict(filters=(8, 16, 32), kernel_size=3), None),
        (dict(dense_units=()), (26 * 75 + 0) + 187_600 + 1601 * 10),
        (dict(dense_units=(256, 128)), 1950 + 187_600 + 1601 * 256 + 257 * 128 + 129 * 10),
        (dict(conv_dropout=0.0, dense_dropout=0.0), SEED_CNN_PARAMS),
        (dict(padding="same", filters=(16, 16, 16, 16)), None),
    ],
)
def test_seed_cnn_knobs_build(kwargs, params):
    model = lab.build_seed_cnn(**kwargs)
    if params is not None:
        assert model.count_params() == params
    if kwargs.get("conv_dropout") == 0.0:
        assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    assert model.output_shape == (None, 10)


def test_seed_cnn_shapes_follow_the_published_network():
    assert lab.seed_cnn_shapes() == [("conv1", 24), ("pool1", 12), ("conv2", 8), ("pool2", 4)]
    assert lab.seed_cnn_shapes(filters=(1, 1, 1), kernel_size=3) == [
        ("conv1", 26), ("pool1", 13), ("conv2", 11), ("pool2", 5), ("conv3", 3), ("pool3", 1)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(filters=(75, 100, 120)), "conv block 3: a 5x5 kernel does not fit the 4x4"),
        (dict(kernel_size=29), "conv block 1: a 29x29 kernel does not fit the 28x28"),
        (dict(filters=(8, 8), pool_size=4), "conv block 2: a 4x4 pool does not fit the 2x2"),
        (dict(filters=()), "filters needs at least one entry"),
        (dict(filters=(75, 0)), "each entry of filters must be a positive integer"),
        (dict(filters="75"), "filters must be a positive integer or a sequence"),
        (dict(kernel_size=0), "kernel_size must be a positive integer"),
        (dict(kernel_size=2.5), "kernel_size must be a positive integer"),
        (dict(pool_size=-2), "pool_size must be a positive integer"),
        (dict(dense_units=(500, -1)), "each entry of dense_units"),
        (dict(conv_dropout=1.0), r"conv_dropout must be a dropout rate in \[0, 1\)"),
        (dict(dense_dropout=-0.1), "dense_dropout must be a dropout rate"),
        (dict(padding="full"), "padding must be 'valid' or 'same'"),
        (dict(num_classes=0), "num_classes must be a positive integer"),
    ],
)
def test_seed_cnn_refuses_bad_knobs_before_building(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.build_seed_cnn(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(hidden_units=0), dict(hidden_units=True), dict(num_classes=-3)])
def test_dense_baseline_refuses_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="must be a positive integer"):
        lab.build_dense_baseline(**kwargs)
