"""The lab's environment: a quiet TensorFlow import, version checks, Colab detection, machine facts."""
from __future__ import annotations

import contextlib
import datetime
import os
import platform
import sys

REQUIRED = {"python": (3, 10), "tensorflow": (2, 16), "keras": (3, 0)}


@contextlib.contextmanager
def _stderr_fd_silenced():
    """Send the process's stderr (file descriptor 2) to /dev/null, for C++ logs that ignore TF_CPP_MIN_LOG_LEVEL."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import TensorFlow and Keras without their start-up logs (CUDA probes, oneDNN notice); return keras."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_fd_silenced():
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe logs here, once
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no "WARNING:tensorflow: ... retracing" when a notebook builds many models
    import keras

    return keras


def in_colab() -> bool:
    """Return True when running inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_versions() -> dict:
    """Return the versions that matter; raise RuntimeError naming what to upgrade if one is too old."""
    import keras
    import tensorflow as tf

    found = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    for name, minimum in REQUIRED.items():
        if _version_tuple(found[name]) < minimum:
            wanted = ".".join(map(str, minimum))
            raise RuntimeError(
                f"This lab needs {name} >= {wanted}, found {found[name]}. "
                f"Run `pip install -r requirements.txt` from the lab's folder (or upgrade {name})."
            )
    return found


def utc_timestamp() -> str:
    """Return the current time in UTC as ISO 8601 to the second, e.g. "2026-11-25T03:10:37Z", as run records use."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def machine_info() -> dict:
    """Return the facts a result needs to be reproducible: CPU (model and widest vector feature), cores, versions."""
    import keras
    import numpy as np
    import tensorflow as tf

    from .precision import detect_capabilities

    caps = detect_capabilities()
    interesting = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    return {
        "cpu": caps.cpu_name,  # the model and its widest vector feature: one model name can cover different chips
        "cores": os.cpu_count(),
        "cpu_flags": " ".join(f for f in interesting if f in caps.cpu_flags) or "none of " + "/".join(interesting),
        "gpu": "; ".join(name for name, _ in caps.gpus) or "none",
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }
