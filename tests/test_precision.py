"""Precision choice: a pure function of the detected capabilities, so every branch is tested with made-up flags."""
import keras
import pytest

from bench import machine
from lab_utils import precision
from lab_utils.precision import Capabilities, PrecisionChoice

XEON_AMX = Capabilities(frozenset({"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}))
EPYC_ZEN4 = Capabilities(frozenset({"avx2", "avx512f", "avx512_bf16"}))
AVX2_ONLY = Capabilities(frozenset({"avx2", "fma"}))
NO_FLAGS = Capabilities()
GPU_TENSOR_CORES = Capabilities(frozenset(), (("NVIDIA T4", (7, 5)),))
GPU_OLD = Capabilities(frozenset({"amx_bf16"}), (("NVIDIA K80", (3, 7)),))


@pytest.mark.parametrize(
    "caps, policy, why",
    [
        (XEON_AMX, "mixed_bfloat16", "bfloat16 matrix units"),
        (EPYC_ZEN4, "mixed_bfloat16", "bfloat16 instructions"),
        (AVX2_ONLY, "float32", "no bfloat16 hardware"),
        (NO_FLAGS, "float32", "no bfloat16 hardware"),
        (GPU_TENSOR_CORES, "mixed_float16", "tensor cores"),
        (GPU_OLD, "float32", "no tensor cores"),
    ],
)
def test_choice_follows_capabilities(caps, policy, why):
    choice = precision.choose_precision(caps)
    assert choice.policy == policy
    assert why in choice.reason
    assert str(choice).startswith(policy)


@pytest.mark.parametrize("caps", [XEON_AMX, EPYC_ZEN4, AVX2_ONLY, GPU_TENSOR_CORES])
def test_forced_float32_wins_everywhere(caps):
    choice = precision.choose_precision(caps, force_float32=True)
    assert choice == PrecisionChoice("float32", choice.reason) and "forced" in choice.reason


def test_choice_needs_capabilities():
    with pytest.raises(TypeError, match="capabilities must be a Capabilities"):
        precision.choose_precision({"amx_bf16"})


def test_detected_capabilities_are_well_formed():
    caps = precision.detect_capabilities()
    assert isinstance(caps.cpu_flags, frozenset)
    assert all(len(cc) == 2 for _, cc in caps.gpus)


@pytest.mark.parametrize(
    "env, caps, policy",
    [("float32", XEON_AMX, "float32"), ("auto", XEON_AMX, "mixed_bfloat16"), ("", EPYC_ZEN4, "mixed_bfloat16"), ("", AVX2_ONLY, "float32"),
     ("AUTO", GPU_TENSOR_CORES, "mixed_float16")],
)
def test_use_best_precision_sets_the_keras_policy(monkeypatch, env, caps, policy):
    monkeypatch.setenv("LAB_PRECISION", env)
    try:
        choice = precision.use_best_precision(capabilities=caps)
        assert choice.policy == policy
        assert keras.mixed_precision.global_policy().name == policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_argument_beats_the_environment(monkeypatch):
    monkeypatch.setenv("LAB_PRECISION", "auto")
    try:
        assert precision.use_best_precision(force_float32=True, capabilities=XEON_AMX).policy == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_unknown_precision_setting_is_refused(monkeypatch):
    monkeypatch.setenv("LAB_PRECISION", "float8")
    with pytest.raises(ValueError, match="LAB_PRECISION must be 'auto' or 'float32'"):
        precision.use_best_precision(capabilities=XEON_AMX)


@pytest.mark.parametrize("model, caps, name", [
    ("Intel Xeon (Sapphire Rapids)", XEON_AMX, "Intel Xeon (Sapphire Rapids) with AMX-BF16"),
    ("AMD EPYC (Zen 4)", EPYC_ZEN4, "AMD EPYC (Zen 4) with AVX512-BF16"),
    ("AMD EPYC (Zen 3)", AVX2_ONLY, "AMD EPYC (Zen 3) with AVX2"),
    ("Intel Core i7", Capabilities(frozenset({"avx2", "avx512f"})), "Intel Core i7 with AVX-512"),
    ("Apple M2", NO_FLAGS, "Apple M2"),  # an ARM laptop or macOS: no x86 flags to name
])
def test_cpu_name_adds_the_widest_vector_feature(model, caps, name):
    assert machine.cpu_name(model, caps.cpu_flags) == name
    assert machine.cpu_name(model, " ".join(sorted(caps.cpu_flags))) == name  # a results row's flags string


def test_one_model_name_on_two_chips_gets_two_cpu_names():
    assert machine.cpu_name("AMD EPYC", "avx2 avx512f avx512_bf16") != machine.cpu_name("AMD EPYC", "avx2 fma")


@pytest.mark.parametrize("model, flags, message", [
    ("", "avx2", "cpu_model must be a non-empty string"),
    (None, "avx2", "cpu_model must be a non-empty string"),
    ("AMD EPYC", 42, "cpu_flags must be a set of flags or a space-separated string"),
])
def test_cpu_name_refuses_bad_input(model, flags, message):
    with pytest.raises(ValueError, match=message):
        machine.cpu_name(model, flags)


def test_machine_info_names_the_cpu_by_model_and_feature():
    caps, model = precision.detect_capabilities(), machine.cpu_model()
    assert isinstance(model, str) and model.strip() == model and model
    assert machine.machine_info()["cpu"] == machine.current_cpu() == machine.cpu_name(model, caps.cpu_flags)
    assert machine.current_cpu().startswith(model)
