"""bench.machine: the facts a result row records (CPU, cores, versions, time) and how a command reports errors."""
import datetime
import os
import sys

import pytest

from bench import machine


def test_machine_info_has_the_facts_a_result_row_needs():
    info = machine.machine_info()
    assert set(info) == {"cpu", "cores", "cpu_flags", "gpu", "python", "tensorflow", "keras", "numpy"}
    assert info["cores"] == os.cpu_count() and info["cpu"] and info["gpu"]


def test_utc_timestamp_is_iso_8601_in_utc_to_the_second():
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = machine.utc_timestamp()
    after = datetime.datetime.now(datetime.timezone.utc)
    assert len(stamp) == 20 and stamp.endswith("Z")
    assert before <= datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc) <= after


def test_machine_summary_names_the_cpu_cores_and_libraries():
    row = {"cpu": "AMD EPYC", "cores": 2.0, "tensorflow": "2.21.0", "keras": "3.15.1", "gpu": "none"}
    assert machine.machine_summary(row) == "AMD EPYC (2 cores), TensorFlow 2.21.0, Keras 3.15.1"
    assert machine.machine_summary().startswith(f"{machine.machine_info()['cpu']} (")
    with pytest.raises(ValueError, match="machine_info"):
        machine.machine_summary({"cpu": "AMD EPYC"})


def test_run_command_turns_a_lab_error_into_its_message_and_status_2(monkeypatch, capsys):
    def main(argv):
        raise FileNotFoundError("MNIST is not in /nowhere: set MNIST_DIR to the folder that holds the four files.")

    monkeypatch.delenv("LAB_TRACEBACK", raising=False)
    monkeypatch.setattr(sys, "argv", ["scripts/ladder.py"])
    assert machine.run_command(main, ["--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ladder.py: error: MNIST is not in /nowhere: set MNIST_DIR") and "Traceback" not in err
    monkeypatch.setenv("LAB_TRACEBACK", "1")
    with pytest.raises(FileNotFoundError, match="MNIST is not in"):
        machine.run_command(main)


def test_run_command_passes_arguments_and_status_and_lets_other_errors_through():
    assert machine.run_command(lambda argv: len(argv), ["a", "b"]) == 2
    assert machine.run_command(lambda argv: 0) == 0

    def broken(argv):
        raise KeyError("a bug, not bad input")

    with pytest.raises(KeyError):
        machine.run_command(broken)
    with pytest.raises(TypeError, match="main must be a function"):
        machine.run_command("main")
