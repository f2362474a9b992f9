"""Training helpers, on a few hundred images so each test takes a second or two."""
import keras
import numpy as np
import pytest

import lab_utils as lab


@pytest.fixture(scope="module")
def tiny_data():
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    return (lab.prepare_images(x_train[:400], "flat"), lab.one_hot(y_train[:400]),
            lab.prepare_images(x_test[:200], "flat"), lab.one_hot(y_test[:200]))


def test_recipes_are_the_published_ones():
    assert (lab.DENSE_BASELINE_RECIPE.optimizer, lab.DENSE_BASELINE_RECIPE.batch_size,
            lab.DENSE_BASELINE_RECIPE.epochs, lab.DENSE_BASELINE_RECIPE.validation_split) == ("SGD", 200, 25, 0.2)
    assert (lab.SEED_CNN_RECIPE.optimizer, lab.SEED_CNN_RECIPE.batch_size,
            lab.SEED_CNN_RECIPE.epochs, lab.SEED_CNN_RECIPE.validation_split) == ("adam", 200, 10, 0.2)


def test_train_and_evaluate_records_history_times_and_scores(tiny_data):
    lab.set_seed(0)
    run = lab.train_and_evaluate(lab.build_dense_baseline(), lab.DENSE_BASELINE_RECIPE, *tiny_data, epochs=2, verbose=0)
    assert set(run.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(run.history["loss"]) == len(run.epoch_seconds) == 2
    assert run.train_seconds >= sum(run.epoch_seconds) > 0
    assert 0.0 <= run.test_accuracy <= 1.0 and np.isfinite(run.test_loss)


def test_same_seed_same_smoke_result(tiny_data):
    results = []
    for _ in range(2):
        keras.backend.clear_session()
        lab.set_seed(7)
        run = lab.train_and_evaluate(lab.build_dense_baseline(), lab.DENSE_BASELINE_RECIPE, *tiny_data, epochs=1, verbose=0)
        results.append((run.history["loss"][0], run.test_accuracy))
    assert results[0] == results[1]


def test_predict_classes_returns_digits_and_probabilities(tiny_data):
    x_test = tiny_data[2]
    classes, probabilities = lab.predict_classes(lab.build_dense_baseline(), x_test)
    assert classes.shape == (len(x_test),) and probabilities.shape == (len(x_test), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (classes == probabilities.argmax(axis=1)).all()


def test_epoch_timer_is_a_keras_callback():
    assert isinstance(lab.EpochTimer(), keras.callbacks.Callback)


def test_train_and_evaluate_refuses_bad_inputs(tiny_data):
    x_train, y_train, x_test, y_test = tiny_data
    model = lab.build_dense_baseline()
    with pytest.raises(TypeError, match="recipe must be a Recipe"):
        lab.train_and_evaluate(model, {"optimizer": "sgd"}, *tiny_data)
    with pytest.raises(ValueError, match="train images and labels must be non-empty and equally long"):
        lab.train_and_evaluate(model, lab.DENSE_BASELINE_RECIPE, x_train, y_train[:10], x_test, y_test)
    with pytest.raises(ValueError, match="test images and labels"):
        lab.train_and_evaluate(model, lab.DENSE_BASELINE_RECIPE, x_train, y_train, x_test[:0], y_test[:0])
