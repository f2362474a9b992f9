"""Tests for lab_utils/checks.py: every shared input check, on good inputs and bad ones, and what its message says."""
import ast
from pathlib import Path

import numpy as np
import pytest

from lab_utils import checks
from lab_utils.checks import (
    as_images,
    as_int_tuple,
    check_images_and_labels,
    check_labels,
    check_pixels,
    check_positive_int,
    check_probabilities,
    check_rate,
    check_same_length,
    pixel_max,
)

LAB_UTILS = Path(__file__).resolve().parents[1] / "lab_utils"


def test_checks_imports_only_numpy():
    """No keras, no matplotlib: bench/ and every teaching module can import it cheaply, and without cycles."""
    tree = ast.parse((LAB_UTILS / "checks.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"collections", "numpy", "__future__"}, imported


def test_no_module_imports_a_private_name_from_another():
    for path in LAB_UTILS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("lab_utils")):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{path.name} imports private {private} from {node.module}"


def test_every_check_is_public_and_documented_in_one_line():
    for name in ("check_positive_int", "check_rate", "as_int_tuple", "check_pixels", "as_images", "pixel_max",
                 "check_labels", "check_probabilities", "check_same_length", "check_images_and_labels"):
        doc = getattr(checks, name).__doc__
        assert doc and "\n" not in doc.strip(), name


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(200)])
def test_positive_int_accepts_whole_numbers_and_returns_an_int(value):
    result = check_positive_int("ncols", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value", [0, -2, 2.5, 3.0, True, False, "8", None, [3]])
def test_positive_int_refuses_the_rest_and_names_the_argument(value):
    with pytest.raises(ValueError, match=r"^ncols must be a positive integer \(a whole number of at least 1\), got "):
        check_positive_int("ncols", value)


@pytest.mark.parametrize("value", [0, 0.0, 0.2, 0.999, np.float32(0.5), np.int64(0)])
def test_rate_accepts_zero_up_to_one_excluded(value):
    result = check_rate("conv_dropout", value)
    assert result == pytest.approx(float(value)) and type(result) is float


@pytest.mark.parametrize("value", [1.0, 1, -0.1, 1.5, True, "0.2", None, float("nan")])
def test_rate_refuses_the_rest(value):
    with pytest.raises(ValueError, match=r"conv_dropout must be a dropout rate in \[0, 1\), got "):
        check_rate("conv_dropout", value)


@pytest.mark.parametrize("value, expected", [(5, (5,)), ((75, 100), (75, 100)), ([32, np.int64(64)], (32, 64)),
                                             (np.int64(8), (8,))])
def test_int_tuple_accepts_an_int_or_a_sequence_of_them(value, expected):
    result = as_int_tuple("filters", value)
    assert result == expected and all(type(v) is int for v in result)


def test_int_tuple_allows_an_empty_sequence_only_when_asked():
    assert as_int_tuple("dense_units", (), allow_empty=True) == ()
    with pytest.raises(ValueError, match=r"dense_units needs at least one entry \(one per block\)"):
        as_int_tuple("dense_units", ())


@pytest.mark.parametrize("value, message", [
    ("75", "filters must be a positive integer or a sequence of them"),
    (b"75", "filters must be a positive integer or a sequence of them"),
    (2.5, "filters must be a positive integer or a sequence of them"),
    (None, "filters must be a positive integer or a sequence of them"),
    ((75, 0), "each entry of filters must be a positive integer"),
    ((75, True), "each entry of filters must be a positive integer"),
    ([8, 2.0], "each entry of filters must be a positive integer"),
])
def test_int_tuple_refuses_the_rest(value, message):
    with pytest.raises(ValueError, match=message):
        as_int_tuple("filters", value)


# --------------------------------------------------------------------------- pixels and images


@pytest.mark.parametrize("pixels, full", [(np.full((2, 3), 255, np.uint8), 255), (np.zeros((4,), np.int16), 255),
                                          (np.full((2, 2), 1.0), 1.0), (np.zeros((2, 2), np.float32), 1.0)])
def test_pixels_accept_uint8_style_integers_and_unit_floats(pixels, full):
    assert check_pixels("image", pixels) is not None and pixel_max(pixels) == full


@pytest.mark.parametrize("pixels, message", [
    (np.full((2, 2), 256), r"image: integer pixels must lie in 0\.\.255 \(found 256\.\.256\); pass the uint8"),
    (np.full((2, 2), -1, np.int8), r"integer pixels must lie in 0\.\.255 \(found -1\.\.-1\)"),
    (np.full((2, 2), 255.0), (r"image: float pixels must lie in \[0, 1\] \(found 255\.\.255\); divide uint8 "
                              r"pixels by 255")),
    (np.full((2, 2), -0.5), r"float pixels must lie in \[0, 1\]"),
    (np.array([0.5, np.nan]), "image holds NaN or infinite pixel values"),
    (np.array([0.5, np.inf]), "image holds NaN or infinite pixel values"),
    (np.array([True, False]), r"image must be uint8 \(0\.\.255\) or float \(0\.\.1\) pixels, got dtype bool"),
    (np.array(["a", "b"]), "got dtype <U1"),
])
def test_pixels_refuse_values_out_of_range_and_say_what_to_do(pixels, message):
    with pytest.raises(ValueError, match=message):
        check_pixels("image", pixels)


@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 28, 28, 1), (5, 784), (1, 28, 28)])
def test_images_come_back_as_n_28_28_unchanged(shape):
    x = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    images = as_images("x_test", x)
    assert images.shape == (shape[0], 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(shape), x)


@pytest.mark.parametrize("shape, hint", [((28, 28), True), ((784,), True), ((28, 28, 1), True), ((5, 28, 27), False),
                                         ((0, 28, 28), False), ((5, 28, 28, 3), False), ((), False)])
def test_images_of_the_wrong_shape_are_refused_with_the_shapes_accepted(shape, hint):
    with pytest.raises(ValueError, match=r"x_test must be a non-empty batch of MNIST images shaped \(n, 28, 28\), "
                                         r"\(n, 28, 28, 1\) or \(n, 784\)") as error:
        as_images("x_test", np.zeros(shape, np.uint8))
    assert str(shape) in str(error.value)
    assert ("For a single image, pass x_test[i:i+1]" in str(error.value)) == hint


def test_images_check_their_pixels_too():
    with pytest.raises(ValueError, match=r"x_test: float pixels must lie in \[0, 1\]"):
        as_images("x_test", np.full((2, 28, 28), 3.0))


# --------------------------------------------------------------------------- labels and probabilities


@pytest.mark.parametrize("labels", [[0, 9, 3], np.arange(10), np.array([1, 2], np.uint8)])
def test_labels_come_back_as_a_1d_integer_array(labels):
    y = check_labels("y_test", labels)
    assert y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and list(y) == list(labels)


@pytest.mark.parametrize("labels, num_classes, message", [
    (np.eye(10)[[1, 2]], 10, (r"y_test must be a 1-D array of digits 0\.\.9, got shape \(2, 10\): these look "
                              r"like one-hot labels.*y_test\.argmax\(axis=1\)")),
    (np.int64(3), 10, r"y_test must be a 1-D array of digits 0\.\.9, got shape \(\)"),
    (np.zeros((2, 2, 2), int), 10, r"got shape \(2, 2, 2\)\.$"),
    (np.array([], int), 10, "y_test is empty; pass a non-empty array"),
    (np.array([0.0, 1.0]), 10, r"y_test must be integers 0\.\.9, got dtype float64; .*y_test\.astype\(int\)"),
    (np.array([True]), 10, "must be integers"),
    (np.array([0, 10, 3]), 10, r"y_test must lie in 0\.\.9, but holds 10 at index 1 \(range found: 0\.\.10\)"),
    (np.array([2, -1]), 10, r"holds -1 at index 1"),
    (np.array([0, 3]), 3, r"y_test must lie in 0\.\.2, but holds 3"),
])
def test_labels_refuse_what_is_not_digits(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        check_labels("y_test", labels, num_classes)


def test_probabilities_come_back_as_float64_rows():
    p = check_probabilities("probabilities", np.array([[0.2, 0.8], [1, 0]]))
    assert p.dtype == np.float64 and p.shape == (2, 2)
    assert check_probabilities("probabilities", np.full((3, 10), 0.1)).shape == (3, 10)


@pytest.mark.parametrize("probabilities, message", [
    (np.array([0, 1, 2]), r"probabilities must be 2-D \(n, num_classes\).*these look like predicted labels"),
    (np.zeros((0, 10)), r"must be a non-empty 2-D array \(n, num_classes\) with at least 2 classes.*\(0, 10\)"),
    (np.ones((3, 1)), "at least 2 classes"),
    (np.zeros((2, 2, 2)), r"got shape \(2, 2, 2\)"),
    (np.array([["a", "b"]]), "probabilities must be numbers, got dtype"),
    (np.full((2, 10), 3.0), r"values in \[0, 1\] that sum to 1 in every row \(row 0 sums to 30\).*logits.*softmax"),
    (np.array([[0.5, 0.5], [0.9, 0.3]]), r"row 1 sums to 1\.2"),
    (np.array([[0.5, 0.5], [1.5, -0.5]]), r"row 1 sums to 1\b"),
    (np.array([[np.nan, 1.0]]), r"must be probabilities"),
])
def test_probabilities_refuse_labels_logits_and_bad_shapes(probabilities, message):
    with pytest.raises(ValueError, match=message):
        check_probabilities("probabilities", probabilities)


def test_same_length_names_both_and_counts_with_commas():
    check_same_length("labels", 3, "images", 3)
    with pytest.raises(ValueError, match=r"^labels has 1,000 entries but images has 1,001; pass one entry for each"):
        check_same_length("labels", 1000, "images", 1001)


def test_images_and_labels_must_be_non_empty_and_equally_long():
    check_images_and_labels(("train", np.zeros((3, 28, 28)), np.zeros(3)), ("", [1], [2]))
    with pytest.raises(ValueError, match=r"^test images and labels must be non-empty and equally long, got 3 and 2"):
        check_images_and_labels(("train", [1], [1]), ("test", [1, 2, 3], [1, 2]))
    with pytest.raises(ValueError, match=r"^images and labels must be non-empty and equally long, got 0 and 0"):
        check_images_and_labels(("", [], []))
