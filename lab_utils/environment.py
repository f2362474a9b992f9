"""The lab's environment: a quiet TensorFlow import and the version checks."""
from __future__ import annotations

import contextlib
import os
import platform
import re
import sys

REQUIRED = {"python": (3, 10), "tensorflow": (2, 16), "keras": (3, 3)}  # as requirements.txt
THREADS_ENV_VAR = "LAB_THREADS"  # caps a kernel's TensorFlow threads: one setting for every kernel of a shared hub


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
    apply_thread_cap()
    import keras
    return keras


def thread_cap() -> int | None:
    """Return the number of threads ``$LAB_THREADS`` allows a kernel, or None when it is not set."""
    setting = os.environ.get(THREADS_ENV_VAR, "").strip()
    if not setting:
        return None
    if not setting.isdigit() or int(setting) < 1:
        raise ValueError(f"{THREADS_ENV_VAR} must be a whole number of threads, at least 1, got {setting!r}: set it "
                         "to the cores one student may use (docs/teacher_guide.md, 'A class on one machine').")
    return int(setting)


def apply_thread_cap() -> str:
    """Cap TensorFlow's thread pools at ``$LAB_THREADS`` before it starts them; return a line saying what was set."""
    import tensorflow as tf
    cap = thread_cap()
    if cap is None:
        return f"TensorFlow's default (all {os.cpu_count()} cores; {THREADS_ENV_VAR} caps it)"
    threading = tf.config.threading
    if (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()) != (cap, cap):
        try:
            threading.set_intra_op_parallelism_threads(cap)
            threading.set_inter_op_parallelism_threads(cap)
        except RuntimeError:  # TensorFlow ran an operation before lab_utils was imported: its pools are fixed now
            return (f"{THREADS_ENV_VAR}={cap} not applied: TensorFlow had already started; restart the kernel and "
                    "import lab_utils first")
    return f"{cap} ({THREADS_ENV_VAR}={cap})"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(piece) for piece in re.findall(r"\d+", text.split("+")[0])[:2])  # "2.16.0rc1" -> (2, 16)


def check_versions() -> dict:
    """Return the versions that matter; raise RuntimeError naming what to upgrade if one is too old."""
    import keras
    import tensorflow as tf
    found = {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}
    for name, minimum in REQUIRED.items():
        if _version_tuple(found[name]) < minimum:
            raise RuntimeError(f"This lab needs {name} >= {'.'.join(map(str, minimum))}, found {found[name]}. Run "
                               f"`pip install -r requirements.txt` from the lab's folder (or upgrade {name}).")
    return found
