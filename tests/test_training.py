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


def test_fast_recipe_keeps_the_seed_cnn_layers_and_validates_its_settings():
    assert lab.build_seed_cnn(**lab.FAST_RECIPE.model_options()).count_params() == 995_060
    for bad in ({"epochs": 0}, {"batch_size": 2.5}, {"epochs": True}, {"peak_learning_rate": 0.0},
                {"warmup_fraction": 1.0}, {"label_smoothing": -0.1}, {"conv_dropout": 1.5}):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=f"FastRecipe.{name}"):
            lab.FastRecipe(**bad)


def test_one_cycle_schedule_warms_up_then_decays_to_zero():
    schedule = lab.one_cycle_schedule(1e-2, total_steps=100, warmup_fraction=0.2)
    rates = [float(schedule(step)) for step in (0, 10, 20, 60, 100)]
    assert rates[0] == pytest.approx(1e-3) and rates[1] == pytest.approx(5.5e-3, rel=1e-3)
    assert rates[2] == pytest.approx(1e-2) and rates[2] > rates[3] > rates[4]
    assert rates[4] == pytest.approx(0.0, abs=1e-9)
    for kwargs, message in (({"total_steps": 1}, "total_steps"), ({"total_steps": 10, "warmup_fraction": 1.0}, "warmup"),
                            ({"total_steps": 10, "start_divisor": 0.5}, "start_divisor")):
        with pytest.raises(ValueError, match=message):
            lab.one_cycle_schedule(1e-3, **kwargs)
    with pytest.raises(ValueError, match="peak_learning_rate"):
        lab.one_cycle_schedule(0, 10)


def test_train_fast_records_a_run_and_refuses_bad_inputs():
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    data = (lab.prepare_images(x_train[:300]), lab.one_hot(y_train[:300]),
            lab.prepare_images(x_test[:100]), lab.one_hot(y_test[:100]))
    keras.backend.clear_session()
    lab.set_seed(0)
    model = lab.build_seed_cnn(filters=(4, 8), dense_units=(16,))
    recipe = lab.FastRecipe(epochs=2, batch_size=100, use_ema=True, label_smoothing=0.1)
    run = lab.train_fast(model, recipe, *data, verbose=0)
    assert len(run.epoch_seconds) == 2 and "val_loss" not in run.history
    assert 0.0 <= run.test_accuracy <= 1.0
    with pytest.raises(TypeError, match="FastRecipe"):
        lab.train_fast(model, lab.SEED_CNN_RECIPE, *data)
    with pytest.raises(ValueError, match="test images and labels"):
        lab.train_fast(model, recipe, *data[:3], data[3][:5])


def test_input_pipeline_batches_shuffles_reproducibly_and_turns_autotuning_off():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.arange(10, dtype="float32")
    pipeline = lab.input_pipeline(x, y, 4, shuffle_seed=3)
    assert pipeline.options().autotune.enabled is False
    batches = [(bx.numpy(), by.numpy()) for bx, by in pipeline]
    assert [len(bx) for bx, _ in batches] == [4, 4, 2]
    first_epoch = np.concatenate([by for _, by in batches])
    assert sorted(first_epoch) == list(range(10)) and list(first_epoch) != list(range(10))
    assert all((bx[:, 0] == by).all() for bx, by in batches)  # images stay with their labels
    second_epoch = np.concatenate([by.numpy() for _, by in pipeline])
    assert list(second_epoch) != list(first_epoch)  # reshuffled each epoch
    again = np.concatenate([by.numpy() for _, by in lab.input_pipeline(x, y, 4, shuffle_seed=3)])
    assert list(again) == list(first_epoch)  # same seed, same order
    in_order = np.concatenate([by.numpy() for _, by in lab.input_pipeline(x, y, 3, shuffle=False)])
    assert list(in_order) == list(range(10))


@pytest.mark.parametrize("args, message", [
    ((np.zeros((3, 2)), np.zeros(2), 2), r"^images and labels must be non-empty and equally long, got 3 and 2\.$"),
    ((np.zeros((0, 2)), np.zeros(0), 2), "non-empty"),
    ((np.zeros((3, 2)), np.zeros(3), 0), "batch_size"),
    ((np.zeros((3, 2)), np.zeros(3), True), "batch_size"),
])
def test_input_pipeline_refuses_bad_inputs(args, message):
    with pytest.raises(ValueError, match=message):
        lab.input_pipeline(*args)
    with pytest.raises(ValueError, match="shuffle_seed"):
        lab.input_pipeline(np.zeros((3, 2)), np.zeros(3), 2, shuffle_seed=-1)


def test_train_fast_holds_out_the_last_images_when_the_recipe_asks():
    (x_train, y_train), _ = lab.load_mnist()
    x, y = lab.prepare_images(x_train[:200]), lab.one_hot(y_train[:200])
    keras.backend.clear_session()
    lab.set_seed(0)
    model = lab.build_seed_cnn(filters=(4, 8), dense_units=(16,))
    run = lab.train_fast(model, lab.FastRecipe(epochs=1, batch_size=50, validation_split=0.25), x, y, x[:50], y[:50],
                         verbose=0)
    assert "val_accuracy" in run.history
