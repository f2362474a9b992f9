"""Training helpers, on a few hundred images so each test takes a second or two."""
import dataclasses

import keras
import numpy as np
import pytest

import lab_utils as lab
from bench import published
from lab_utils import training
from lab_utils.training import Recipe


@pytest.fixture(scope="module")
def tiny_data():
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    return (lab.prepare_images(x_train[:400], "flat"), lab.one_hot(y_train[:400]),
            lab.prepare_images(x_test[:200], "flat"), lab.one_hot(y_test[:200]))


def test_recipes_are_the_published_ones():
    dense, cnn, fast = published.DENSE_BASELINE_RECIPE, published.SEED_CNN_RECIPE, training.FAST_RECIPE
    assert (dense.optimizer, dense.batch_size, dense.epochs, dense.validation_split) == ("sgd", 200, 25, 0.2)
    assert (cnn.optimizer, cnn.batch_size, cnn.epochs, cnn.validation_split) == ("adam", 200, 10, 0.2)
    assert dense.pipeline == cnn.pipeline == "keras"  # as published: model.fit on the arrays
    assert (fast.schedule, fast.learning_rate, fast.batch_size, fast.epochs, fast.label_smoothing, fast.pipeline) == (
        "one_cycle", 3e-3, 128, 3, 0.1, "lab")


def test_fit_records_history_times_and_scores(tiny_data):
    x_train, y_train, x_test, y_test = tiny_data
    lab.set_seed(0)
    run = training.fit(lab.build_dense_baseline(), published.DENSE_BASELINE_RECIPE, x_train, y_train, x_test=x_test,
                       y_test=y_test, epochs=2, verbose=0)
    assert set(run.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(run.history["loss"]) == len(run.epoch_seconds) == 2
    assert run.train_seconds >= sum(run.epoch_seconds) > 0
    assert 0.0 <= run.test_accuracy <= 1.0 and np.isfinite(run.test_loss)


def test_fit_without_test_images_leaves_the_test_scores_nan(tiny_data):
    x_train, y_train = tiny_data[:2]
    run = training.fit(lab.build_dense_baseline(), published.DENSE_BASELINE_RECIPE, x_train, y_train, epochs=1,
                       verbose=0)
    assert np.isnan(run.test_accuracy) and np.isnan(run.test_loss)


def test_same_seed_same_smoke_result(tiny_data):
    results = []
    for _ in range(2):
        keras.backend.clear_session()
        lab.set_seed(7)
        run = training.fit(lab.build_dense_baseline(), published.DENSE_BASELINE_RECIPE, tiny_data[0], tiny_data[1],
                           x_test=tiny_data[2], y_test=tiny_data[3], epochs=1, verbose=0)
        results.append((run.history["loss"][0], run.test_accuracy))
    assert results[0] == results[1]


def test_predict_classes_returns_digits_and_probabilities(tiny_data):
    x_test = tiny_data[2]
    classes, probabilities = lab.predict_classes(lab.build_dense_baseline(), x_test)
    assert classes.shape == (len(x_test),) and probabilities.shape == (len(x_test), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (classes == probabilities.argmax(axis=1)).all()


def test_epoch_timer_is_a_keras_callback():
    assert isinstance(training.EpochTimer(), keras.callbacks.Callback)


def test_fit_refuses_bad_inputs(tiny_data):
    x_train, y_train, x_test, y_test = tiny_data
    model, recipe = lab.build_dense_baseline(), published.DENSE_BASELINE_RECIPE
    with pytest.raises(TypeError, match="recipe must be a Recipe"):
        training.fit(model, {"optimizer": "sgd"}, x_train, y_train)
    with pytest.raises(ValueError, match="train images and labels must be non-empty and equally long"):
        training.fit(model, recipe, x_train, y_train[:10])
    with pytest.raises(ValueError, match="test images and labels"):
        training.fit(model, recipe, x_train, y_train, x_test=x_test[:0], y_test=y_test[:0])
    with pytest.raises(ValueError, match="give both the test images and their labels"):
        training.fit(model, recipe, x_train, y_train, x_test=x_test)
    with pytest.raises(ValueError, match="not both"):
        training.fit(model, recipe, x_train, y_train, x_val=x_test, y_val=y_test)
    stopping = dataclasses.replace(training.FAST_RECIPE, early_stopping_patience=2)
    with pytest.raises(ValueError, match="early stopping watches the validation images"):
        training.fit(model, stopping, x_train, y_train)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        training.fit(model, recipe, x_train, y_train, epochs=0)


@pytest.mark.parametrize("bad, message", [
    ({"epochs": 0}, "Recipe.epochs"), ({"batch_size": 2.5}, "Recipe.batch_size"), ({"epochs": True}, "Recipe.epochs"),
    ({"learning_rate": 0.0}, "Recipe.learning_rate"), ({"learning_rate": None}, "needs its peak learning rate"),
    ({"warmup_fraction": 1.0}, "Recipe.warmup_fraction"), ({"label_smoothing": -0.1}, "Recipe.label_smoothing"),
    ({"validation_split": 1.0}, "Recipe.validation_split"), ({"optimizer": "adm"}, "Recipe.optimizer must be one of"),
    ({"schedule": "step"}, "Recipe.schedule"), ({"pipeline": "numpy"}, "Recipe.pipeline"),
    ({"monitor": "accuracy"}, "Recipe.monitor"), ({"early_stopping_patience": 0}, "early_stopping_patience"),
])
def test_recipe_validates_its_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(training.FAST_RECIPE, **bad)


def _rate(optimizer, step=0):
    rate = optimizer._learning_rate  # the schedule itself, or the constant rate
    return float(keras.ops.convert_to_numpy(rate(step) if callable(rate) else rate))


def test_make_optimizer_builds_each_name_with_its_default_or_given_rate():
    assert isinstance(training.make_optimizer(published.SEED_CNN_RECIPE, 100), keras.optimizers.Adam)
    assert _rate(training.make_optimizer(published.SEED_CNN_RECIPE, 100)) == pytest.approx(0.001)  # Adam's default
    momentum = training.make_optimizer(Recipe("m", optimizer="sgd_momentum", learning_rate=0.05), 100)
    assert isinstance(momentum, keras.optimizers.SGD) and float(momentum.momentum) == pytest.approx(0.9)
    assert _rate(momentum) == pytest.approx(0.05)
    assert float(training.make_optimizer(Recipe("s", optimizer="sgd"), 100).momentum) == 0.0
    for name in training.OPTIMIZERS:
        assert isinstance(training.make_optimizer(Recipe(name, optimizer=name), 10), keras.optimizers.Optimizer)
    assert training.make_optimizer(Recipe("ema", use_ema=True), 10).use_ema


def test_make_optimizer_one_cycle_warms_up_from_a_tenth_then_decays_to_zero():
    recipe = dataclasses.replace(training.FAST_RECIPE, learning_rate=1e-2, warmup_fraction=0.2)
    optimizer = training.make_optimizer(recipe, total_steps=100)
    rates = [_rate(optimizer, step) for step in (0, 10, 20, 60, 100)]
    assert rates[0] == pytest.approx(1e-3) and rates[1] == pytest.approx(5.5e-3, rel=1e-3)
    assert rates[2] == pytest.approx(1e-2) and rates[2] > rates[3] > rates[4]
    assert rates[4] == pytest.approx(0.0, abs=1e-9)
    no_warmup = training.make_optimizer(dataclasses.replace(recipe, warmup_fraction=0.0), 100)
    assert _rate(no_warmup, 0) == pytest.approx(1e-3) and _rate(no_warmup, 100) == pytest.approx(0.0, abs=1e-9)
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="total_steps"):
            training.make_optimizer(recipe, bad)


def test_fit_on_the_lab_pipeline_with_a_schedule_ema_and_label_smoothing():
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    x, y = lab.prepare_images(x_train[:300]), lab.one_hot(y_train[:300])
    keras.backend.clear_session()
    lab.set_seed(0)
    model = lab.build_seed_cnn(filters=(4, 8), dense_units=(16,))
    recipe = dataclasses.replace(training.FAST_RECIPE, epochs=2, batch_size=100, use_ema=True)
    run = training.fit(model, recipe, x, y, x_test=lab.prepare_images(x_test[:100]), y_test=lab.one_hot(y_test[:100]),
                       verbose=0)
    assert len(run.epoch_seconds) == 2 and "val_loss" not in run.history
    assert 0.0 <= run.test_accuracy <= 1.0
    assert model.optimizer.use_ema and int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 6


def test_input_pipeline_batches_shuffles_reproducibly_and_turns_autotuning_off():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.arange(10, dtype="float32")
    pipeline = training.input_pipeline(x, y, 4, shuffle_seed=3)
    assert pipeline.options().autotune.enabled is False
    batches = [(bx.numpy(), by.numpy()) for bx, by in pipeline]
    assert [len(bx) for bx, _ in batches] == [4, 4, 2]
    first_epoch = np.concatenate([by for _, by in batches])
    assert sorted(first_epoch) == list(range(10)) and list(first_epoch) != list(range(10))
    assert all((bx[:, 0] == by).all() for bx, by in batches)  # images stay with their labels
    second_epoch = np.concatenate([by.numpy() for _, by in pipeline])
    assert list(second_epoch) != list(first_epoch)  # reshuffled each epoch
    again = np.concatenate([by.numpy() for _, by in training.input_pipeline(x, y, 4, shuffle_seed=3)])
    assert list(again) == list(first_epoch)  # same seed, same order
    in_order = np.concatenate([by.numpy() for _, by in training.input_pipeline(x, y, 3, shuffle=False)])
    assert list(in_order) == list(range(10))


@pytest.mark.parametrize("args, message", [
    ((np.zeros((3, 2)), np.zeros(2), 2), r"^images and labels must be non-empty and equally long, got 3 and 2\.$"),
    ((np.zeros((0, 2)), np.zeros(0), 2), "non-empty"),
    ((np.zeros((3, 2)), np.zeros(3), 0), "batch_size"),
    ((np.zeros((3, 2)), np.zeros(3), True), "batch_size"),
])
def test_input_pipeline_refuses_bad_inputs(args, message):
    with pytest.raises(ValueError, match=message):
        training.input_pipeline(*args)
    with pytest.raises(ValueError, match="shuffle_seed"):
        training.input_pipeline(np.zeros((3, 2)), np.zeros(3), 2, shuffle_seed=-1)


def test_fit_holds_out_the_last_images_and_can_stop_early():
    (x_train, y_train), _ = lab.load_mnist()
    x, y = lab.prepare_images(x_train[:200]), lab.one_hot(y_train[:200])
    keras.backend.clear_session()
    lab.set_seed(0)
    model = lab.build_seed_cnn(filters=(4, 8), dense_units=(16,))
    recipe = dataclasses.replace(training.FAST_RECIPE, epochs=4, batch_size=50, validation_split=0.25,
                                 schedule="constant", learning_rate=1e-9, early_stopping_patience=1)
    run = training.fit(model, recipe, x, y, verbose=0)
    assert "val_accuracy" in run.history
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 3 * len(run.epoch_seconds)  # 150 images
    assert len(run.epoch_seconds) == 2, "at a learning rate of 1e-9 nothing changes: early stopping ends epoch 2"


def test_the_unit_of_class_time_is_timed_in_float32_and_leaves_the_policy_as_it_was():
    import keras

    from lab_utils.session import epoch_unit_seconds

    before = keras.mixed_precision.global_policy().name
    seconds = epoch_unit_seconds(steps=2)
    assert 0 < seconds < 3600 and keras.mixed_precision.global_policy().name == before
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        epoch_unit_seconds(steps=0)
