"""Test set-up. Variables set here at import time reach the notebook kernels that nbval starts."""
import os
import sys
from pathlib import Path

# Every test, and every notebook under `pytest --nbval`, runs in the smoke profile.
os.environ["LAB_PROFILE"] = "smoke"
# TensorFlow's C++ logs would land in the notebooks' stderr and fail nbval's comparison.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Offline: use the shared MNIST copy beside the repository when MNIST_DIR is not set (CI sets it explicitly).
_shared = Path(__file__).resolve().parents[1] / "shared" / "data" / "mnist"
if not os.environ.get("MNIST_DIR") and _shared.is_dir():
    os.environ["MNIST_DIR"] = str(_shared)

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # the test process only; the kernels keep their inline backend

# TensorFlow now, quietly: an xdist worker's stderr goes straight to the terminal, and its first import would print
# absl's start-up lines there (tests/conftest.py imports keras).
from lab_utils.environment import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()


def pytest_collection_modifyitems(session, config, items):
    """Check each notebook's student edition, then its wrong answers, in nbval's own kernel before its first exercise."""
    tests = str(Path(__file__).resolve().parent / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from nbval_student import insert_student_items
    from nbval_wrong import insert_wrong_answer_items

    insert_student_items(items)
    insert_wrong_answer_items(items)


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml): one worker per core, at most 4, since every worker and kernel loads TensorFlow."""
    return max(1, min(os.cpu_count() or 1, 4))
