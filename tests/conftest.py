"""Fixtures shared by the unit tests (the root conftest.py sets the profile and the MNIST folder for every test)."""
import keras
import pytest


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
