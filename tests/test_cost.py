"""bench/cost.py: the lab's one cost model, calibrated by this CPU's benchmark row or a short timed fit."""
import keras
import pytest

import lab_utils as lab
from bench import cost, records


def test_multiply_adds_counts_the_seed_cnn_and_looks_inside_nested_models():
    assert cost.multiply_adds(lab.build_seed_cnn()) == cost.SEED_CNN_MULTIPLY_ADDS == 13_885_000
    nested = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                               keras.Sequential([keras.layers.Dense(10)])])
    assert cost.multiply_adds(nested) == 784 * 10
    with pytest.raises(TypeError, match="model must be a Keras model"):
        cost.multiply_adds("seed cnn")


def test_benchmarked_rate_is_this_cpus_newest_lab_defaults_row(tmp_path):
    path = tmp_path / "benchmark_speed.csv"
    assert cost.benchmarked_rate("CPU X with AVX2", path) is None  # no file yet
    for cpu, configuration, rate in [("CPU X with AVX2", "plain Keras float32", 700.0),
                                     ("CPU X with AVX2", "lab defaults (float32)", 800.0),
                                     ("CPU Y with AMX-BF16", "lab defaults (mixed_bfloat16)", 5000.0),
                                     ("CPU X with AVX2", "lab defaults (float32)", 900.0)]:
        records.append_run(path, {"cpu": cpu, "configuration": configuration, "images_per_second": rate})
    assert cost.benchmarked_rate("CPU X with AVX2", path) == 900.0
    assert cost.benchmarked_rate("CPU Z", path) is None
    path.write_bytes(b"\x00garbage")
    assert cost.benchmarked_rate("CPU X with AVX2", path) is None
    with pytest.raises(ValueError, match="cpu must be a CPU name"):
        cost.benchmarked_rate("", path)


def test_seed_cnn_rate_prefers_the_benchmark_and_else_times_a_fit(tmp_path, monkeypatch):
    path = tmp_path / "benchmark_speed.csv"
    monkeypatch.setattr(cost, "calibrate", lambda: 1234.0)
    assert cost.seed_cnn_rate("CPU X", path) == (1234.0, "a short timed fit on CPU X (no benchmarks/speed.py row "
                                                          "for it yet)")
    with pytest.raises(ValueError, match="has no row for CPU X: run `python benchmarks/speed.py`"):
        cost.seed_cnn_rate("CPU X", path, measure=False)
    records.append_run(path, {"cpu": "CPU X", "configuration": "lab defaults (float32)", "images_per_second": 900.0})
    assert cost.seed_cnn_rate("CPU X", path) == (900.0, "measured on CPU X by benchmarks/speed.py")


def test_calibrate_times_a_short_fit_of_the_seed_cnn():
    rate = cost.calibrate(images=200, batch_size=100)
    assert 1 < rate < 1e6
    with pytest.raises(ValueError, match="images must be a positive integer"):
        cost.calibrate(images=0)


def test_estimates_scale_with_epochs_images_network_and_batch():
    base = dict(rate=2_000.0, epochs=3, train_images=48_000, val_images=12_000, test_images=10_000)
    seed = cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, **base)
    assert seed == pytest.approx(3 * (48_000 + 4_000) / 2_000 + 10_000 / 3 / 2_000 + cost.RUN_OVERHEAD_SECONDS)
    assert cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, **{**base, "epochs": 6}) > 1.9 * seed
    assert cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, **{**base, "rate": 4_000.0}) < 0.6 * seed
    assert cost.estimate_seconds(2 * cost.SEED_CNN_MULTIPLY_ADDS, **base) > 1.7 * seed
    assert cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, **base, batch_size=32) > 1.2 * seed  # more steps
    assert cost.network_factor(cost.SEED_CNN_MULTIPLY_ADDS) == pytest.approx(1.0)
    assert cost.network_factor(cost.SEED_CNN_MULTIPLY_ADDS, {"augment": True, "batch_norm": "after_conv"}) == (
        pytest.approx(1.05 * 1.6))


@pytest.mark.parametrize("change, message", [
    ({"rate": 0}, "rate must be a positive number"), ({"rate": True}, "rate"), ({"epochs": 0}, "epochs"),
    ({"train_images": 0}, "train_images"), ({"val_images": -1}, "val_images"), ({"test_images": 1.5}, "test_images"),
    ({"batch_size": 0}, "batch_size"),
])
def test_estimate_seconds_refuses_bad_input(change, message):
    arguments = {"rate": 2_000.0, "epochs": 3, "train_images": 1_000, **change}
    with pytest.raises(ValueError, match=message):
        cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, **arguments)
    with pytest.raises(ValueError, match="macs must be a positive integer"):
        cost.network_factor(0)
