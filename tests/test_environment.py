"""lab_utils.environment: version checks, Colab detection, machine facts and the run records' timestamps."""
import datetime
import os
import sys

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


def test_in_colab_looks_for_colab_itself(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert environment.in_colab() is False
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-20261101")
    assert environment.in_colab() is True


def test_machine_info_has_the_facts_a_result_row_needs():
    info = environment.machine_info()
    assert set(info) == {"cpu", "cores", "cpu_flags", "gpu", "python", "tensorflow", "keras", "numpy"}
    assert info["cores"] == os.cpu_count() and info["cpu"] and info["gpu"]


def test_utc_timestamp_is_iso_8601_in_utc_to_the_second():
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = environment.utc_timestamp()
    after = datetime.datetime.now(datetime.timezone.utc)
    assert len(stamp) == 20 and stamp.endswith("Z")
    assert before <= datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc) <= after


def test_machine_summary_names_the_cpu_cores_and_libraries():
    row = {"cpu": "AMD EPYC", "cores": 2.0, "tensorflow": "2.21.0", "keras": "3.15.1", "gpu": "none"}
    assert environment.machine_summary(row) == "AMD EPYC (2 cores), TensorFlow 2.21.0, Keras 3.15.1"
    assert environment.machine_summary().startswith(f"{environment.machine_info()['cpu']} (")
    with pytest.raises(ValueError, match="machine_info"):
        environment.machine_summary({"cpu": "AMD EPYC"})


def test_run_command_turns_a_lab_error_into_its_message_and_status_2(monkeypatch, capsys):
    def main(argv):
        raise FileNotFoundError("MNIST is not in /nowhere: set MNIST_DIR to the folder that holds the four files.")

    monkeypatch.delenv("LAB_TRACEBACK", raising=False)
    monkeypatch.setattr(sys, "argv", ["scripts/ladder.py"])
    assert environment.run_command(main, ["--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ladder.py: error: MNIST is not in /nowhere: set MNIST_DIR") and "Traceback" not in err
    monkeypatch.setenv("LAB_TRACEBACK", "1")
    with pytest.raises(FileNotFoundError, match="MNIST is not in"):
        environment.run_command(main)


def test_run_command_passes_arguments_and_status_and_lets_other_errors_through():
    assert environment.run_command(lambda argv: len(argv), ["a", "b"]) == 2
    assert environment.run_command(lambda argv: 0) == 0

    def broken(argv):
        raise KeyError("a bug, not bad input")

    with pytest.raises(KeyError):
        environment.run_command(broken)
    with pytest.raises(TypeError, match="main must be a function"):
        environment.run_command("main")
