"""Fixtures shared by the unit tests (the root conftest.py sets the profile and the MNIST folder for every test)."""
import keras
import pytest

SELF_CHECK_TEST = "test_every_self_check_fails_against_the_stubs"  # tests/test_student_edition.py


def pytest_collection_finish(session):
    """Start the selected student editions' executions now: they run beside the unit tests, not after them."""
    wanted = [item.callspec.params["path"] for item in session.items
              if getattr(item, "originalname", None) == SELF_CHECK_TEST]
    if wanted:
        import student_runs

        student_runs.start(wanted)


def pytest_sessionfinish(session):
    import sys

    if "student_runs" in sys.modules:
        sys.modules["student_runs"].stop()


@pytest.fixture()
def keep_the_precision_policy():
    """Restore Keras's global precision policy after a test that changes it."""
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


@pytest.fixture()
def no_pyplot_figures():
    """Every helper builds its own Figure: pyplot's registry of open figures must stay empty."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a plotting helper created a pyplot-managed figure"
