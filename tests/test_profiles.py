"""Tests for lab_utils/profiles.py: choosing a run profile, what each profile does, and seeding."""
from __future__ import annotations

import random

import numpy as np
import pytest

from lab_utils.profiles import PROFILE_ENV_VAR, PROFILES, Profile, get_profile, set_seed

FULL, SMOKE = PROFILES["full"], PROFILES["smoke"]


# --------------------------------------------------------------------------- get_profile


def test_default_profile_is_full(monkeypatch):
    monkeypatch.delenv(PROFILE_ENV_VAR, raising=False)
    assert get_profile() is FULL


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_env_var_means_default(monkeypatch, blank):
    monkeypatch.setenv(PROFILE_ENV_VAR, blank)
    assert get_profile() is FULL


def test_conftest_runs_tests_in_smoke():
    assert get_profile() is SMOKE


@pytest.mark.parametrize(("value", "expected"), [("smoke", "smoke"), ("SMOKE", "smoke"), (" full ", "full"), ("Full", "full")])
def test_profile_from_env_var(monkeypatch, value, expected):
    monkeypatch.setenv(PROFILE_ENV_VAR, value)
    assert get_profile().name == expected


@pytest.mark.parametrize(("value", "expected"), [("smoke", "smoke"), ("Smoke", "smoke"), ("FULL", "full"), ("  full\n", "full")])
def test_profile_from_argument_is_case_insensitive(value, expected):
    assert get_profile(value) is PROFILES[expected]


def test_argument_beats_env_var(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV_VAR, "smoke")
    assert get_profile("full") is FULL
    monkeypatch.setenv(PROFILE_ENV_VAR, "full")
    assert get_profile("smoke") is SMOKE


@pytest.mark.parametrize("name", ["fast", "smoke-test", "ful", ""])
def test_unknown_profile_lists_the_options(name):
    with pytest.raises(ValueError) as info:
        get_profile(name)
    message = str(info.value)
    assert repr(name) in message
    assert "full, grading, smoke" in message
    assert PROFILE_ENV_VAR in message


def test_unknown_profile_from_env_var(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV_VAR, "quick")
    with pytest.raises(ValueError, match=r"'quick'.*full, grading, smoke"):
        get_profile()


@pytest.mark.parametrize(("name", "expected", "smoke", "floors"), [
    ("full", 1, False, True), ("grading", 3, True, True), ("smoke", 2, True, False)])
def test_each_profile_chooses_its_value_and_says_whether_it_is_small_and_has_floors(name, expected, smoke, floors):
    profile = PROFILES[name]
    assert profile.choose(full=1, smoke=2, grading=3) == expected
    assert (profile.smoke, profile.floors) == (smoke, floors)


def test_grading_chooses_smokes_value_where_it_has_none_of_its_own():
    assert PROFILES["grading"].choose(full=1, smoke=2) == 2


def test_profiles_are_frozen():
    with pytest.raises(AttributeError):
        SMOKE.max_epochs = 100  # type: ignore[misc]


# --------------------------------------------------------------------------- epochs


@pytest.mark.parametrize("recipe", [1, 2, 15, np.int64(7)])
def test_full_returns_recipe_epochs(recipe):
    out = FULL.epochs(recipe)
    assert out == int(recipe) and type(out) is int


@pytest.mark.parametrize("recipe", [1, 2, 15, np.int32(30)])
def test_smoke_caps_epochs_at_one(recipe):
    out = SMOKE.epochs(recipe)
    assert out == 1 and type(out) is int


def test_custom_cap():
    capped = Profile("custom", train_size=10, test_size=5, max_epochs=3)
    assert [capped.epochs(n) for n in (1, 2, 3, 4, 50)] == [1, 2, 3, 3, 3]


@pytest.mark.parametrize("bad", [0, -1, 2.0, 1.5, "3", None, True, np.float64(2.0)])
@pytest.mark.parametrize("profile", [FULL, SMOKE], ids=["full", "smoke"])
def test_bad_recipe_epochs(profile, bad):
    with pytest.raises(ValueError, match="recipe_epochs must be a positive integer"):
        profile.epochs(bad)


# --------------------------------------------------------------------------- subset


def test_smoke_subset_sizes():
    x, y = np.arange(3000 * 4).reshape(3000, 4), np.arange(3000) % 10
    xs, ys = SMOKE.subset(x, y)
    assert xs.shape == (2000, 4) and ys.shape == (2000,)
    np.testing.assert_array_equal(xs, x[:2000])
    np.testing.assert_array_equal(ys, y[:2000])
    xt, yt = SMOKE.subset(x, y, split="test")
    assert len(xt) == len(yt) == 1000
    np.testing.assert_array_equal(xt, x[:1000])


def test_smoke_subset_of_short_split_keeps_everything():
    x, y = np.zeros((300, 2)), np.zeros(300)
    xs, ys = SMOKE.subset(x, y)
    assert len(xs) == len(ys) == 300


def test_full_subset_returns_the_same_arrays():
    x, y = np.zeros((5, 28, 28)), np.zeros(5)
    for split in ("train", "test"):
        xs, ys = FULL.subset(x, y, split=split)
        assert xs is x and ys is y


def test_subset_works_on_lists():
    xs, ys = SMOKE.subset(list(range(2500)), list(range(2500)))
    assert xs == list(range(2000)) and ys == list(range(2000))


@pytest.mark.parametrize("profile", [FULL, SMOKE], ids=["full", "smoke"])
def test_subset_length_mismatch(profile):
    with pytest.raises(ValueError, match="same length, got 10 images and 9 labels"):
        profile.subset(np.zeros((10, 3)), np.zeros(9))


@pytest.mark.parametrize("split", ["validation", "Train", "", None])
def test_subset_bad_split(split):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        SMOKE.subset(np.zeros(3), np.zeros(3), split=split)


# --------------------------------------------------------------------------- smoke and str


def test_smoke_is_true_only_outside_the_full_profile():
    assert not FULL.smoke and SMOKE.smoke


def test_str_mentions_the_name():
    assert str(FULL).startswith("full")
    assert "all the data" in str(FULL)
    text = str(SMOKE)
    assert text.startswith("smoke")
    assert "at most 2,000 images" in text
    assert "1 epoch:" in text


def test_str_plural_epochs():
    assert ", 3 epochs:" in str(Profile("tiny", train_size=10, test_size=5, max_epochs=3))
    assert ", 1 epoch:" in str(SMOKE)


# --------------------------------------------------------------------------- set_seed


def _draws():
    # NumPy and Python draws; what Keras draws is tested by what it is used for, the initial weights (below). An
    # unseeded keras.random.normal is not reset by a new seed in every Keras the lab supports (3.3 keeps its stream).
    return np.random.rand(5), [random.random() for _ in range(5)]


def _initial_weights():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    return [np.asarray(w) for w in model.get_weights()]


def test_set_seed_returns_the_seed():
    assert set_seed(7) == 7
    assert type(set_seed(np.int64(8))) is int


def test_same_seed_same_draws():
    set_seed(123)
    first = _draws()
    set_seed(123)
    second = _draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    set_seed(124)
    third = _draws()
    for a, c in zip(first, third):
        assert not np.array_equal(a, c)


def test_same_seed_same_initial_weights():
    set_seed(5)
    first = _initial_weights()
    set_seed(5)
    second = _initial_weights()
    assert len(first) == 4
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    set_seed(6)
    third = _initial_weights()
    assert not np.array_equal(first[0], third[0])


@pytest.mark.parametrize("bad", [-1, 1.5, "a", "3", True, False, None, np.int64(-2), 2.0])
def test_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        set_seed(bad)


# --------------------------------------------------------------------------- smoke and setup


def test_smoke_is_true_only_in_the_smoke_profile():
    assert SMOKE.smoke and not FULL.smoke


def test_setup_prints_one_line_in_full_and_the_profile_too_elsewhere(monkeypatch, capsys, keep_the_precision_policy):
    import keras

    from lab_utils.session import setup

    monkeypatch.delenv("LAB_THREADS", raising=False)
    monkeypatch.setenv(PROFILE_ENV_VAR, "full")
    assert setup(seed=3, float32=True) is FULL
    [line] = capsys.readouterr().out.splitlines()
    assert "TensorFlow" in line and "float32 (forced)" in line and line.endswith("seed 3")
    assert keras.mixed_precision.global_policy().name == "float32"
    monkeypatch.setenv(PROFILE_ENV_VAR, "smoke")
    assert setup(seed=3, float32=True) is SMOKE
    assert capsys.readouterr().out.splitlines()[1:] == [f"Profile:   {SMOKE}"]
    first = np.random.rand()
    setup(seed=3, float32=True)
    assert np.random.rand() == first, "the seed is set: the same draws again"


def test_setup_names_no_cpu_model(monkeypatch, capsys, keep_the_precision_policy):
    from lab_utils.session import setup

    monkeypatch.delenv(PROFILE_ENV_VAR, raising=False)
    setup()
    printed = capsys.readouterr().out
    for word in ("EPYC", "Xeon", "AVX", "AMX", "Intel", "AMD"):
        assert word not in printed


@pytest.mark.parametrize("float32", ["yes", 1, None])
def test_setup_refuses_a_float32_that_is_not_a_bool(float32):
    from lab_utils.session import setup

    with pytest.raises(ValueError, match="float32 must be True or False"):
        setup(float32=float32)


def test_setup_refuses_a_bad_seed():
    from lab_utils.session import setup

    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        setup(seed=-1)


# --------------------------------------------------------------------------- Colab without a GPU


@pytest.fixture
def on_colab(monkeypatch):
    """Pretend to be a Colab runtime: the google.colab module is imported."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def test_on_colab_without_a_gpu_setup_says_how_to_get_one_and_how_long_training_takes(
        on_colab, monkeypatch, capsys, keep_the_precision_policy, tmp_path):
    from lab_utils import precision, session
    from lab_utils.precision import Capabilities

    times = tmp_path / "times.csv"
    times.write_text("notebook,profile,seconds,cpu,cores,finished_utc,gpu,networks,units\n"
                     "02_seed_cnn,full,300,X,2,2026-01-01T00:00:00Z,none,none,5.0\n"
                     "02_seed_cnn,full,200,X,2,2026-01-02T00:00:00Z,none,none,3.0\n"
                     "02_seed_cnn,full,9,X,2,2026-01-03T00:00:00Z,none,saved,0.2\n", encoding="utf-8")
    monkeypatch.setattr(session, "TIMES_CSV", times)
    monkeypatch.setattr(precision, "detect_capabilities", lambda: Capabilities(frozenset({"avx2"})))
    monkeypatch.setattr(session, "epoch_unit_seconds", lambda steps=None: 120.0)
    session.setup(notebook="02")
    hint = capsys.readouterr().out.splitlines()[-1]
    assert hint.startswith("No GPU:") and "Change runtime type" in hint
    assert "about 3.0 epochs" in hint and "about 6 min on this CPU" in hint, "the newest class-time run, x 120 s"


def test_on_colab_with_a_tensor_core_gpu_setup_picks_float16_and_gives_no_hint(
        on_colab, monkeypatch, capsys, keep_the_precision_policy):
    import keras

    from lab_utils import precision, session
    from lab_utils.precision import Capabilities

    gpu = Capabilities(frozenset({"avx2"}), gpus=(("Tesla T4", (7, 5)),))
    monkeypatch.setattr(precision, "detect_capabilities", lambda: gpu)
    session.setup(notebook="02")
    out = capsys.readouterr().out
    assert "No GPU" not in out and "mixed_float16" in out
    assert keras.mixed_precision.global_policy().name == "mixed_float16"


def test_a_notebook_never_timed_gets_the_hint_without_a_time(tmp_path, monkeypatch):
    from lab_utils import session

    monkeypatch.setattr(session, "TIMES_CSV", tmp_path / "none.csv")
    assert session.recorded_units("02") is None
    assert "Change runtime type" in session.gpu_hint(None, 100.0)
    with pytest.raises(ValueError, match="notebook must be the notebook's number"):
        session.recorded_units("")
