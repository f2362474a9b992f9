"""The machine a result was measured on: CPU naming, cores, versions, timestamps; and how a command reports errors."""
from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

from lab_utils.precision import detect_capabilities

# The features that decide how fast this lab trains on a CPU, widest first (benchmarks/speed.py measures them).
CPU_FEATURES = (("amx_bf16", "AMX-BF16"), ("avx512_bf16", "AVX512-BF16"), ("avx512f", "AVX-512"), ("avx2", "AVX2"))
INTERESTING_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_name(cpu_model: str, cpu_flags) -> str:
    """Return "MODEL with FEATURE": the model and its widest vector feature, or the model alone if it has none of them.

    One model name can cover very different chips ("AMD EPYC" is a Zen 2 or Zen 3 with AVX2 only, or a Zen 4 with
    AVX512-BF16), so results are keyed by this name. ``cpu_flags``: a set of /proc/cpuinfo flags, or one string.
    """
    if not isinstance(cpu_model, str) or not cpu_model.strip():
        raise ValueError(f"cpu_model must be a non-empty string, got {cpu_model!r}.")
    if isinstance(cpu_flags, str):
        cpu_flags = cpu_flags.split()
    try:
        flags = {str(flag) for flag in cpu_flags}
    except TypeError:
        raise ValueError(f"cpu_flags must be a set of flags or a space-separated string, got {cpu_flags!r}.") from None
    for flag, feature in CPU_FEATURES:
        if flag in flags:
            return f"{cpu_model.strip()} with {feature}"
    return cpu_model.strip()


def cpu_model() -> str:
    """Return this CPU's model name: /proc/cpuinfo's "model name" where there is one, else what platform says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def current_cpu() -> str:
    """Return this machine's CPU name, as results key their rows (see ``cpu_name``)."""
    return cpu_name(cpu_model(), detect_capabilities().cpu_flags)


def utc_timestamp() -> str:
    """Return the current time in UTC as ISO 8601 to the second, e.g. "2026-11-25T03:10:37Z", as run records use."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def machine_info() -> dict:
    """Return the facts a result needs to be reproducible: CPU (model and widest vector feature), cores, versions."""
    import keras
    import numpy as np
    import tensorflow as tf

    caps = detect_capabilities()
    return {
        "cpu": cpu_name(cpu_model(), caps.cpu_flags),
        "cores": os.cpu_count(),
        "cpu_flags": " ".join(f for f in INTERESTING_FLAGS if f in caps.cpu_flags)
        or "none of " + "/".join(INTERESTING_FLAGS),
        "gpu": "; ".join(name for name, _ in caps.gpus) or "none",
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def library_versions() -> dict:
    """Return the versions of TensorFlow, Keras and NumPy, the libraries whose changes can change a result."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


def machine_summary(info=None) -> str:
    """Return "CPU (N cores), TensorFlow x, Keras y" for a run's facts: a row or dict of machine_info()'s keys."""
    info = machine_info() if info is None else info
    try:
        return f"{info['cpu']} ({int(info['cores'])} cores), TensorFlow {info['tensorflow']}, Keras {info['keras']}"
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"info must hold machine_info()'s cpu, cores, tensorflow and keras ({error!r}).") from None


def run_command(main, argv=None) -> int:
    """Run a command's ``main(argv)``; a missing or unreadable input ends it with its message and status 2.

    The lab's errors already say what is wrong and what to do, so a command prints that message, not a traceback
    (``LAB_TRACEBACK=1`` shows the traceback too). Other errors propagate as usual.
    """
    if not callable(main):
        raise TypeError(f"main must be a function taking argv, got {type(main).__name__}.")
    try:
        return main(argv)
    except (FileNotFoundError, ValueError) as error:
        if os.environ.get("LAB_TRACEBACK", "").strip() not in ("", "0"):
            raise
        name = os.path.basename(sys.argv[0]) or "command"
        print(f"{name}: error: {error}\n(LAB_TRACEBACK=1 shows where it came from.)", file=sys.stderr)
        return 2
