"""Test set-up. Variables set here at import time reach the notebook kernels that nbval starts."""
import os
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
