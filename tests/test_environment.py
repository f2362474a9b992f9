"""lab_utils.environment: the quiet TensorFlow import and the version checks."""

import pytest

from lab_utils import environment


def test_check_versions_reports_what_matters_here():
    found = environment.check_versions()
    assert set(found) == set(environment.REQUIRED)
    assert all(isinstance(version, str) and version[0].isdigit() for version in found.values())


def test_check_versions_names_the_library_to_upgrade(monkeypatch):
    monkeypatch.setitem(environment.REQUIRED, "keras", (99, 0))
    with pytest.raises(RuntimeError, match=r"keras >= 99\.0, found 3\..*pip install -r requirements\.txt"):
        environment.check_versions()


@pytest.mark.parametrize("text, expected", [("2.21.0", (2, 21)), ("3.15.1", (3, 15)), ("2.16.0rc1", (2, 16)),
                                            ("3.11.7+local", (3, 11)), ("3", (3,))])
def test_version_numbers_compare_by_major_and_minor(text, expected):
    assert environment._version_tuple(text) == expected


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_a_bad_thread_cap_is_refused_with_what_to_set(monkeypatch, bad):
    monkeypatch.setenv("LAB_THREADS", bad)
    with pytest.raises(ValueError, match="LAB_THREADS must be a whole number of threads, at least 1"):
        environment.thread_cap()


def test_the_thread_cap_reaches_tensorflow_before_its_pools_start():
    import subprocess
    import sys

    code = ("import lab_utils, tensorflow as tf\nfrom lab_utils.environment import apply_thread_cap\n"
            "t = tf.config.threading\nprint(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads(),"
            " apply_thread_cap())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "LAB_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.stdout.split()[:3] == ["1", "1", "1"], done.stderr[-2000:]


def test_a_cap_set_after_tensorflow_started_says_it_was_not_applied(monkeypatch):
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # TensorFlow's pools are running now
    current = tf.config.threading.get_intra_op_parallelism_threads()
    monkeypatch.setenv("LAB_THREADS", str(current + 3))
    assert "not applied" in environment.apply_thread_cap() and "restart the kernel" in environment.apply_thread_cap()
