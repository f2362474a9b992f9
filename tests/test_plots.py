"""Tests for lab_utils.plots: small synthetic arrays, no MNIST, no training."""
import io

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from lab_utils.plots import (
    confusion_matrix,
    misclassified_indices,
    plot_class_balance,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_learning_curves,
    plot_mean_digits,
    plot_misclassified,
    plot_pixel_histogram,
)

N = 30


pytestmark = pytest.mark.usefixtures("no_pyplot_figures")


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(N, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels():
    return np.arange(N) % 10  # every digit, three times each


@pytest.fixture
def history():
    return {
        "loss": [0.9, 0.5, 0.3],
        "accuracy": [0.7, 0.85, 0.9],
        "val_loss": [0.6, 0.4, 0.35],
        "val_accuracy": [0.8, 0.88, 0.89],
    }


def one_hot_probabilities(predicted, confidence=0.9, num_classes=10):
    """Return softmax-like rows that put ``confidence`` on each predicted digit."""
    p = np.full((len(predicted), num_classes), (1 - confidence) / (num_classes - 1))
    p[np.arange(len(predicted)), predicted] = confidence
    return p


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


# --------------------------------------------------------------------------------------------------
# plot_digit_grid (and the shared image checks)
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["(n,28,28)", "(n,28,28,1)", "(n,784)", "float"])
def test_digit_grid_accepts_every_image_layout(images, labels, layout):
    x = {
        "(n,28,28)": images,
        "(n,28,28,1)": images[..., None],
        "(n,784)": images.reshape(N, 784),
        "float": images / 255.0,
    }[layout]
    fig = plot_digit_grid(x, labels)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == N
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    assert titles(fig) == [str(label) for label in labels]
    assert fig.axes[0].get_xticks().size == 0 and fig.axes[0].get_yticks().size == 0


def test_digit_grid_marks_wrong_predictions_in_red(images, labels):
    predictions = labels.copy()
    predictions[3] = 2  # label 3 predicted as 2
    fig = plot_digit_grid(images, labels, predictions, title="Test digits")
    assert fig.axes[3].get_title() == "3 → 2"
    assert fig.axes[3].title.get_color() == "tab:red"
    assert fig.axes[4].get_title() == "4"
    assert fig.axes[4].title.get_color() == "black"
    assert fig.get_suptitle() == "Test digits"


def test_digit_grid_caps_the_number_of_images_and_drops_empty_panels(images, labels):
    fig = plot_digit_grid(images, labels, max_images=23, ncols=10)
    assert len(fig.axes) == 23  # 3 rows, the last one holds 3 panels and no empty frames
    assert plot_digit_grid(images, max_images=100).axes[0].get_title() == ""  # no labels: no titles


def test_digit_grid_says_so_when_there_is_nothing_to_show():
    fig = plot_digit_grid(np.zeros((0, 28, 28), np.uint8), np.zeros(0, int), title="confident mistakes")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert "No digits to show" in fig.axes[0].texts[0].get_text()


@pytest.mark.parametrize(
    "bad_images, match",
    [
        (np.zeros((5, 28, 27), np.uint8), r"shaped \(n, 28, 28\).*\(5, 28, 27\)"),
        (np.zeros((28, 28), np.uint8), r"single image"),
        (np.zeros((0, 28, 27), np.uint8), r"non-empty"),
        (np.full((2, 28, 28), 255.0), r"\[0, 1\].*divide"),
        (np.full((2, 28, 28), 300), r"0\.\.255"),
        (np.full((2, 28, 28), np.nan), r"NaN"),
    ],
)
def test_digit_grid_rejects_bad_images(bad_images, match):
    with pytest.raises(ValueError, match=match):
        plot_digit_grid(bad_images)


def test_digit_grid_rejects_bad_labels_and_predictions(images, labels):
    with pytest.raises(ValueError, match=r"labels has 29 entries but images has 30"):
        plot_digit_grid(images, labels[:-1])
    with pytest.raises(ValueError, match=r"0\.\.9, but holds 10 at index 0"):
        plot_digit_grid(images, labels + 10)
    with pytest.raises(ValueError, match=r"argmax\(axis=1\)"):
        plot_digit_grid(images, keras.utils.to_categorical(labels, 10))
    with pytest.raises(ValueError, match=r"pass labels="):
        plot_digit_grid(images, predictions=labels)
    with pytest.raises(ValueError, match=r"predictions has 5 entries"):
        plot_digit_grid(images, labels, labels[:5])
    with pytest.raises(ValueError, match=r"ncols must be a positive integer \(a whole number of at least 1\)"):
        plot_digit_grid(images, ncols=0)


# --------------------------------------------------------------------------------------------------
# plot_learning_curves
# --------------------------------------------------------------------------------------------------

def test_learning_curves_from_a_keras_history(history):
    keras_history = keras.callbacks.History()
    keras_history.history = history
    fig = plot_learning_curves(keras_history, title="Seed CNN")
    assert isinstance(fig, Figure)
    ax_loss, ax_accuracy = fig.axes
    for ax, metric in ((ax_loss, "loss"), (ax_accuracy, "accuracy")):
        assert len(ax.lines) == 2
        training, validation = ax.lines
        np.testing.assert_array_equal(training.get_xdata(), [1, 2, 3])
        np.testing.assert_allclose(training.get_ydata(), history[metric])
        np.testing.assert_allclose(validation.get_ydata(), history[f"val_{metric}"])
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == metric
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
        assert all(float(tick).is_integer() for tick in ax.get_xticks())
    assert fig.get_suptitle() == "Seed CNN"


def test_learning_curves_without_validation(history):
    fig = plot_learning_curves({"loss": history["loss"], "accuracy": history["accuracy"]})
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]


@pytest.mark.parametrize(
    "bad_history, match",
    [
        ([0.9, 0.5], r"History that model.fit returns.*got list"),
        ({}, r"history is empty"),
        (keras.callbacks.History(), r"history is empty"),
        ({"loss": [0.5]}, r"no 'accuracy'.*metrics=\['accuracy'\]"),
        ({"accuracy": [0.5]}, r"no 'loss'"),
        ({"loss": [], "accuracy": []}, r"non-empty list"),
        ({"loss": [0.9, 0.5], "accuracy": [0.7]}, r"history\['accuracy'\] has 1 values but history\['loss'\] has 2"),
        ({"loss": [0.9, 0.5], "accuracy": [0.7, 0.8], "val_loss": [0.6]}, r"validation_freq"),
    ],
)
def test_learning_curves_rejects_bad_histories(bad_history, match):
    with pytest.raises(ValueError, match=match):
        plot_learning_curves(bad_history)


# --------------------------------------------------------------------------------------------------
# confusion_matrix and plot_confusion_matrix
# --------------------------------------------------------------------------------------------------

def test_confusion_matrix_counts_a_hand_made_example():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    expected = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]  # row = true, column = predicted
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, num_classes=3), expected)
    counts = confusion_matrix(y_true, y_pred)
    assert counts.shape == (10, 10) and counts.sum() == 6 and np.issubdtype(counts.dtype, np.integer)


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        (np.array([0, 1, 2]), np.array([0, 1]), r"y_pred has 2 entries but y_true has 3"),
        (np.array([0, 1, 2]), np.array([0, 1, 10]), r"y_pred must lie in 0\.\.9, but holds 10 at index 2"),
        (np.array([-1, 1, 2]), np.array([0, 1, 2]), r"y_true must lie in 0\.\.9, but holds -1"),
        (np.array([], dtype=int), np.array([], dtype=int), r"y_true is empty"),
        (np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]), r"y_pred.argmax\(axis=1\)"),
        (np.array([0.0, 1.0]), np.array([0, 1]), r"astype\(int\)"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(y_true, y_pred)
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(y_true, y_pred)


def test_plot_confusion_matrix_shows_counts_and_accuracy(labels):
    predictions = labels.copy()
    predictions[:3] = [1, 0, 0]  # 3 mistakes out of 30
    fig = plot_confusion_matrix(labels, predictions)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    ax = fig.axes[0]
    annotations = np.array([int(t.get_text() or 0) for t in ax.texts]).reshape(10, 10)
    np.testing.assert_array_equal(annotations, confusion_matrix(labels, predictions))
    assert all(t.get_text() != "0" for t in ax.texts), "zero cells are left blank"
    assert ax.get_title() == "Confusion matrix — accuracy 90.00%"
    assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "true digit"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(d) for d in range(10)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(d) for d in range(10)]


def test_plot_confusion_matrix_normalized_rows_sum_to_one(labels):
    predictions = (labels + (labels == 4)) % 10  # every 4 predicted as 5
    fig = plot_confusion_matrix(labels, predictions, normalize=True, title="Seed CNN")
    ax = fig.axes[0]
    shares = np.asarray(ax.collections[0].get_array()).reshape(10, 10)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares[4, 5] == 1.0
    assert all(t.get_text().endswith("%") or t.get_text() == "" for t in ax.texts)
    assert ax.get_title() == "Seed CNN — accuracy 90.00%"


# --------------------------------------------------------------------------------------------------
# misclassified_indices and plot_misclassified
# --------------------------------------------------------------------------------------------------

def test_misclassified_indices_puts_the_most_confident_mistakes_first():
    y_true = np.array([0, 1, 2, 3, 4])
    probabilities = np.array([
        [0.9, 0.1, 0.0],  # right
        [0.6, 0.4, 0.0],  # wrong, 60% sure
        [0.0, 0.95, 0.05],  # wrong, 95% sure
        [0.1, 0.1, 0.8],  # wrong, 80% sure
        [0.2, 0.3, 0.5],  # wrong, 50% sure
    ])
    with pytest.raises(ValueError, match=r"y_true must lie in 0\.\.2"):  # 3 classes in the probabilities
        misclassified_indices(y_true, probabilities)
    y_true = np.array([0, 1, 2, 1, 0])
    np.testing.assert_array_equal(misclassified_indices(y_true, probabilities), [2, 3, 1, 4])
    none_wrong = misclassified_indices(np.array([0, 1]), np.eye(3)[:2])
    assert none_wrong.size == 0 and np.issubdtype(none_wrong.dtype, np.integer)


@pytest.mark.parametrize(
    "probabilities, match",
    [
        (np.array([0, 1, 2]), r"2-D.*predicted labels.*model.predict"),
        (np.full((3, 10), 0.1)[:2], r"y_true has 3 entries but probabilities has 2"),
        (np.full((3, 10), 3.0), r"logits.*softmax"),
        (np.zeros((0, 10)), r"non-empty 2-D"),
    ],
)
def test_misclassified_indices_rejects_bad_probabilities(probabilities, match):
    with pytest.raises(ValueError, match=match):
        misclassified_indices(np.array([0, 1, 2]), probabilities)


def test_plot_misclassified_titles_true_and_predicted(images, labels):
    predicted = labels.copy()
    predicted[[4, 7, 9]] = [9, 1, 4]
    probabilities = one_hot_probabilities(predicted)
    probabilities[7] = one_hot_probabilities([1], confidence=0.97)[0]  # the most confident mistake
    fig = plot_misclassified(images, labels, probabilities)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    assert titles(fig) == ["true 7\npred 1 (97%)", "true 4\npred 9 (90%)", "true 9\npred 4 (90%)"]
    assert fig.get_suptitle().startswith("3 of 30 images misclassified")
    capped = plot_misclassified(images, labels, probabilities, max_images=2)
    assert len(capped.axes) == 2 and "the 2 most confident" in capped.get_suptitle()


def test_plot_misclassified_without_mistakes_says_so(images, labels):
    fig = plot_misclassified(images, labels, one_hot_probabilities(labels))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    assert "No misclassified digits" in fig.axes[0].texts[0].get_text()


def test_plot_misclassified_rejects_mismatched_inputs(images, labels):
    probabilities = one_hot_probabilities(labels)
    with pytest.raises(ValueError, match=r"y_true has 29 entries but images has 30"):
        plot_misclassified(images, labels[:-1], probabilities[:-1])
    with pytest.raises(ValueError, match=r"probabilities has 29 entries but images has 30"):
        plot_misclassified(images, labels, probabilities[:-1])
    with pytest.raises(ValueError, match=r"predicted labels"):
        plot_misclassified(images, labels, labels)


# --------------------------------------------------------------------------------------------------
# plot_class_balance, plot_mean_digits, plot_pixel_histogram
# --------------------------------------------------------------------------------------------------

def test_class_balance_counts_each_digit_in_each_split(labels):
    y_test = np.array([0, 0, 1, 9])
    fig = plot_class_balance(labels, y_test)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    train_bars, test_bars = ax.containers
    assert [bar.get_height() for bar in train_bars] == [3] * 10
    assert [bar.get_height() for bar in test_bars] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert "30 in train" in ax.get_title() and "4 in test" in ax.get_title()
    assert len(ax.texts) == 20  # every bar carries its count


def test_class_balance_rejects_bad_labels(labels):
    with pytest.raises(ValueError, match=r"y_test is empty"):
        plot_class_balance(labels, np.array([], dtype=int))
    with pytest.raises(ValueError, match=r"y_train must lie in 0\.\.9"):
        plot_class_balance(labels + 1, labels)
    with pytest.raises(ValueError, match=r"y_test.argmax\(axis=1\)"):
        plot_class_balance(labels, np.eye(10)[labels])


def test_mean_digits_shows_each_digit_mean(images, labels):
    fig = plot_mean_digits(images.reshape(N, 784), labels)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 10
    for digit, ax in enumerate(fig.axes):
        np.testing.assert_allclose(ax.images[0].get_array(), images[labels == digit].mean(axis=0))
        assert ax.get_title() == f"{digit}\n3 examples"


def test_mean_digits_rejects_missing_digits_and_mismatches(images, labels):
    with pytest.raises(ValueError, match=r"digit\(s\) 3, 7 do not appear"):
        plot_mean_digits(images, np.where(np.isin(labels, [3, 7]), 0, labels))
    with pytest.raises(ValueError, match=r"labels has 10 entries but images has 30"):
        plot_mean_digits(images, labels[:10])


@pytest.mark.parametrize("scale", [1, 255.0])
def test_pixel_histogram_notes_the_background_share(scale):
    images = np.zeros((4, 28, 28), np.uint8)
    images[:, :14] = 255  # half the pixels are ink
    fig = plot_pixel_histogram(images / scale if scale != 1 else images)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "50.0% of the pixels are exactly 0" in ax.texts[0].get_text()
    assert sum(patch.get_height() for patch in ax.patches) == 4 * 784


def test_pixel_histogram_rejects_bad_images():
    with pytest.raises(ValueError, match=r"non-empty batch"):
        plot_pixel_histogram(np.zeros((0, 784), np.uint8))
    with pytest.raises(ValueError, match=r"divide uint8 pixels by 255"):
        plot_pixel_histogram(np.full((1, 784), 128.0))


# --------------------------------------------------------------------------------------------------
# Every figure renders
# --------------------------------------------------------------------------------------------------

def test_every_figure_renders_to_png(images, labels, history):
    probabilities = one_hot_probabilities((labels + (labels == 3)) % 10)
    figures = [
        plot_digit_grid(images, labels, probabilities.argmax(axis=1)),
        plot_learning_curves(history),
        plot_confusion_matrix(labels, probabilities.argmax(axis=1), normalize=True),
        plot_misclassified(images, labels, probabilities),
        plot_misclassified(images, labels, one_hot_probabilities(labels)),
        plot_class_balance(labels, labels),
        plot_mean_digits(images, labels),
        plot_pixel_histogram(images),
    ]
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=30)
        assert buffer.getvalue().startswith(b"\x89PNG")
