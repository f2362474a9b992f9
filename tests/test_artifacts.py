"""Trained-model files: atomic saves, safe-mode loads, and a retrain (never a crash) when a file is missing or bad."""
import builtins
import io
import os
import stat
import zipfile

import keras
import numpy as np
import pytest

import lab_utils as lab
from lab_utils import artifacts, profiles


@pytest.fixture()
def tiny_model():
    keras.backend.clear_session()
    lab.set_seed(0)
    return lab.build_seed_cnn(filters=(4, 8), dense_units=(16,))


@pytest.fixture()
def isolated_artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv(lab.artifacts.ARTIFACTS_ENV_VAR, str(tmp_path))
    return tmp_path


def test_artifacts_dir_follows_the_environment(isolated_artifacts, monkeypatch):
    assert artifacts.artifacts_dir() == isolated_artifacts
    monkeypatch.delenv(lab.artifacts.ARTIFACTS_ENV_VAR)
    assert artifacts.artifacts_dir() == lab.artifacts.REPO_ROOT / "artifacts"


def test_save_then_load_gives_the_same_predictions(tiny_model, tmp_path):
    path = artifacts.save_model_atomic(tiny_model, tmp_path / "sub" / "m.keras")
    assert zipfile.is_zipfile(path) and [p.name for p in path.parent.iterdir()] == ["m.keras"]  # no temporary left
    loaded = artifacts.load_model_file(path, input_shape=(28, 28, 1), num_classes=10)
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), tiny_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_save_refuses_bad_arguments(tiny_model, tmp_path):
    with pytest.raises(TypeError, match="must be a Keras model"):
        artifacts.save_model_atomic("model", tmp_path / "m.keras")
    with pytest.raises(ValueError, match="ending in .keras"):
        artifacts.save_model_atomic(tiny_model, tmp_path / "m.h5")


def test_a_failed_save_leaves_no_half_written_file(tiny_model, tmp_path, monkeypatch):
    def broken_save(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK half")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        artifacts.save_model_atomic(tiny_model, tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content, message", [
    (None, "No model file"),
    (b"", "not a .keras model file"),
    (b"this is not a zip archive", "not a .keras model file"),
])
def test_missing_or_non_zip_files_are_named(tmp_path, content, message):
    path = tmp_path / "m.keras"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(artifacts.ModelFileError, match=message):
        artifacts.load_model_file(path)


def test_truncated_and_foreign_zip_files_are_refused(tiny_model, tmp_path):
    path = artifacts.save_model_atomic(tiny_model, tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(artifacts.ModelFileError, match="m.keras"):
        artifacts.load_model_file(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "a zip, but no model in it")
    with pytest.raises(artifacts.ModelFileError, match="not a readable Keras model"):
        artifacts.load_model_file(path)


def test_a_model_of_the_wrong_shape_is_refused(tmp_path):
    dense = artifacts.save_model_atomic(lab.build_dense_baseline(), tmp_path / "dense.keras")
    with pytest.raises(artifacts.ModelFileError, match=r"expects inputs of shape \(784,\)"):
        artifacts.load_model_file(dense, input_shape=(28, 28, 1))
    with pytest.raises(artifacts.ModelFileError, match="outputs of shape"):
        artifacts.load_model_file(dense, num_classes=3)


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["umask022", "umask077"])
def test_a_saved_network_is_readable_by_other_accounts_as_the_umask_allows(tiny_model, tmp_path, umask):
    """A folder a teacher's account prepares is read by students' accounts: not mkstemp's 0600, but 0666 less umask."""
    old = os.umask(umask)
    try:
        path = artifacts.save_model_atomic(tiny_model, tmp_path / "m.keras")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert (mode & 0o044 == 0o044) == (umask == 0o022) and mode == 0o666 & ~umask


@pytest.fixture()
def unreadable(monkeypatch):
    """Make files unreadable as another account's 0600 file is: chmod where that works, else open() refuses them."""
    def make(path):
        path.chmod(0o200)
        if os.access(path, os.R_OK):  # root reads any file: have open() answer as it would answer a student
            def refusing(original):
                def opener(file, *args, **kwargs):
                    if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) == os.path.abspath(path):
                        raise PermissionError(13, "Permission denied", str(file))
                    return original(file, *args, **kwargs)
                return opener
            monkeypatch.setattr(builtins, "open", refusing(builtins.open))
            monkeypatch.setattr(io, "open", refusing(io.open))
        return path
    return make


def test_an_unreadable_file_is_called_unreadable_not_truncated(tiny_model, tmp_path, unreadable):
    path = unreadable(artifacts.save_model_atomic(tiny_model, tmp_path / "m.keras"))
    with pytest.raises(artifacts.ModelFileError, match="(?i)unreadable: permission denied") as info:
        artifacts.load_model_file(path)
    assert "chmod a+r" in str(info.value) and "truncated" not in str(info.value)


def test_a_lambda_layer_is_refused_for_safety_not_called_truncated(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2.0),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(artifacts.ModelFileError, match="would run arbitrary code") as info:
        artifacts.load_model_file(path)
    assert "safe_mode" in str(info.value) and "truncated" not in str(info.value)


def test_read_model_info_tolerates_missing_and_broken_files(tmp_path):
    assert artifacts.read_model_info(tmp_path / "m.keras") == {}
    (tmp_path / "m.json").write_text("{broken")
    assert artifacts.read_model_info(tmp_path / "m.keras") == {}
    (tmp_path / "m.json").write_text('{"test_accuracy": 0.5}')
    assert artifacts.read_model_info(tmp_path / "m.keras") == {"test_accuracy": 0.5}


def test_trained_seed_cnn_trains_saves_loads_and_retrains_a_bad_file(isolated_artifacts, capsys):
    tiny = profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1)
    model = lab.trained_seed_cnn(tiny)
    path = isolated_artifacts / "seed_cnn_tiny.keras"
    assert path.is_file() and model.count_params() == 995_060
    assert artifacts.read_model_info(path)["profile"] == "tiny"
    assert "Training the seed CNN" in capsys.readouterr().out

    again = lab.trained_seed_cnn(tiny)
    assert "Loaded the trained seed CNN" in capsys.readouterr().out
    x = np.zeros((1, 28, 28, 1), "float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-4, atol=1e-5)

    path.write_bytes(path.read_bytes()[:500])  # truncated: reported, then retrained
    lab.trained_seed_cnn(tiny)
    out = capsys.readouterr().out
    assert "not a .keras model file" in out and "Training the seed CNN" in out
    assert zipfile.is_zipfile(path)


@pytest.fixture()
def read_only_share(tmp_path, monkeypatch):
    """A teacher's shared folder that cannot be written (as the students see it), and a repository of our own."""
    share, repo = tmp_path / "share", tmp_path / "repo"
    share.mkdir()
    monkeypatch.setenv(lab.artifacts.ARTIFACTS_ENV_VAR, str(share))
    monkeypatch.setattr(artifacts, "REPO_ROOT", repo)
    writable = artifacts._is_writable
    monkeypatch.setattr(artifacts, "_is_writable", lambda folder: folder != share and writable(folder))
    share.chmod(0o555)  # and truly read-only where the tests do not run as root
    yield share, repo
    share.chmod(0o755)


def test_a_read_only_share_is_never_written_and_a_missing_network_goes_to_artifacts(read_only_share, capsys):
    share, repo = read_only_share
    tiny = profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1)
    lab.trained_seed_cnn(tiny)
    out = capsys.readouterr().out
    assert "is read-only: the network trained now goes to" in out and "Training the seed CNN" in out
    assert list(share.iterdir()) == [] and (repo / "artifacts" / "seed_cnn_tiny.keras").is_file()
    lab.trained_seed_cnn(tiny)  # found where it went: loaded, not trained again
    out = capsys.readouterr().out
    assert "Loaded the trained seed CNN from" in out and "Training" not in out


def test_a_prepared_network_in_a_read_only_share_is_loaded(tiny_model, read_only_share, capsys):
    share, repo = read_only_share
    share.chmod(0o755)
    artifacts.save_model_atomic(tiny_model, share / "seed_cnn_tiny.keras")
    share.chmod(0o555)
    lab.trained_seed_cnn(profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1))
    printed = capsys.readouterr().out  # the share named by its variable: no machine's folders in a notebook's output
    assert "Loaded the trained seed CNN from $LAB_ARTIFACTS_DIR/seed_cnn_tiny.keras" in printed
    assert str(share) not in printed
    assert not (repo / "artifacts" / "seed_cnn_tiny.keras").exists()


def test_an_unreadable_prepared_network_is_reported_so_and_trained_again(tiny_model, read_only_share, unreadable,
                                                                         capsys):
    share, repo = read_only_share
    share.chmod(0o755)
    unreadable(artifacts.save_model_atomic(tiny_model, share / "seed_cnn_tiny.keras"))
    share.chmod(0o555)
    lab.trained_seed_cnn(profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1))
    out = capsys.readouterr().out
    assert "seed_cnn_tiny.keras is unreadable: permission denied" in out and "chmod a+r" in out
    assert "truncated" not in out and "Training the seed CNN" in out
    assert (repo / "artifacts" / "seed_cnn_tiny.keras").is_file()


def test_nowhere_to_save_is_a_clear_error(read_only_share, monkeypatch):
    monkeypatch.setattr(artifacts, "_is_writable", lambda folder: False)
    with pytest.raises(OSError, match="are read-only. Set LAB_ARTIFACTS_DIR to a folder you can write"):
        lab.trained_seed_cnn(profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1))


# Two kernels on a shared machine saving the same network at once: each round, both save; the file must be whole.
SAVER = """
import sys, time
from pathlib import Path
import keras
from lab_utils import artifacts
who, folder, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
keras.utils.set_random_seed(int(who))
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(64),
                          keras.layers.Dense(10, activation="softmax")])
artifacts.save_model_atomic(model, folder / f"reference_{who}.keras")
deadline = time.monotonic() + 120  # the test gave up: do not wait for ever
for i in range(rounds):
    while not (folder / f"go_{i}").exists():
        if time.monotonic() > deadline:
            sys.exit("no go signal from the test")
        time.sleep(0.002)
    artifacts.save_model_atomic(model, folder / "shared.keras")
    (folder / f"done_{who}_{i}").touch()
"""


def test_two_processes_saving_one_network_at_once_leave_a_whole_file(tmp_path):
    import subprocess
    import sys
    import time

    rounds = 8
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    workers = [subprocess.Popen([sys.executable, str(script), who, str(tmp_path), str(rounds)]) for who in "12"]
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"reference_{who}.keras").exists() for who in "12"):
            assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "the savers did not start"
            time.sleep(0.05)
        references = [artifacts.load_model_file(tmp_path / f"reference_{who}.keras").get_weights() for who in "12"]
        assert not np.array_equal(references[0][0], references[1][0])
        for i in range(rounds):
            (tmp_path / f"go_{i}").touch()
            while not all((tmp_path / f"done_{who}_{i}").exists() for who in "12"):
                assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "a saver failed"
                time.sleep(0.002)
            weights = artifacts.load_model_file(tmp_path / "shared.keras").get_weights()
            matches = [all(np.array_equal(a, b) for a, b in zip(weights, ref)) for ref in references]
            assert any(matches), f"round {i}: the saved file is neither process's network"
        assert sorted(p.name for p in tmp_path.glob(".shared.keras*")) == []  # no temporary file left behind
        for worker in workers:
            worker.wait(timeout=60)
    finally:
        for worker in workers:  # a failed round leaves them waiting for a signal that never comes
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert all(worker.returncode == 0 for worker in workers)


# --- networks a teacher prepared: loaded read-only, never trained ---

def test_prepared_networks_load_in_name_order_and_say_so(tiny_model, isolated_artifacts, capsys):
    for seed in (1, 0):
        artifacts.save_model_atomic(tiny_model, isolated_artifacts / "ladder" / f"step5_{seed}.keras")
    (isolated_artifacts / "ladder" / "other.keras").write_bytes(b"")  # not matched by the pattern
    models = lab.load_prepared_networks("ladder", "step5_*.keras")
    assert len(models) == 2 and all(isinstance(m, keras.Model) for m in models)
    assert "Loaded 2 prepared networks" in capsys.readouterr().out
    x = np.zeros((2, 28, 28, 1), "float32")
    np.testing.assert_allclose(models[0].predict(x, verbose=0), tiny_model.predict(x, verbose=0), rtol=1e-5)


def test_no_prepared_folder_gives_an_empty_list(isolated_artifacts, capsys):
    assert lab.load_prepared_networks("ladder", "step5_*.keras") == []
    assert "No prepared networks" in capsys.readouterr().out


def test_a_broken_prepared_file_is_left_out_with_its_reason(tiny_model, isolated_artifacts, capsys):
    artifacts.save_model_atomic(tiny_model, isolated_artifacts / "ladder" / "step5_0.keras")
    (isolated_artifacts / "ladder" / "step5_1.keras").write_bytes(b"not a zip")
    models = lab.load_prepared_networks("ladder", "step5_*.keras")
    printed = capsys.readouterr().out
    assert len(models) == 1
    assert "Left out" in printed and "step5_1.keras" in printed and "Loaded 1 prepared network from" in printed


def test_an_unreadable_prepared_file_is_left_out_as_unreadable(tiny_model, isolated_artifacts, unreadable, capsys):
    artifacts.save_model_atomic(tiny_model, isolated_artifacts / "ladder" / "step5_0.keras")
    unreadable(artifacts.save_model_atomic(tiny_model, isolated_artifacts / "ladder" / "step5_1.keras"))
    assert len(lab.load_prepared_networks("ladder", "step5_*.keras")) == 1
    printed = capsys.readouterr().out
    assert "Left out: " in printed and "step5_1.keras is unreadable: permission denied" in printed
    assert "truncated" not in printed and "Loaded 1 prepared network from" in printed


def test_prepared_networks_are_read_without_writing(tiny_model, isolated_artifacts):
    folder = isolated_artifacts / "ladder"
    artifacts.save_model_atomic(tiny_model, folder / "step5_0.keras")
    before = sorted(p.name for p in folder.iterdir())
    folder.chmod(0o555)
    try:
        assert len(lab.load_prepared_networks("ladder")) == 1
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.parametrize("folder, pattern, message", [
    ("", "*.keras", "folder must be a non-empty string"),
    (None, "*.keras", "folder must be a non-empty string"),
    ("ladder", "", "pattern must be a non-empty string"),
    ("/etc", "*.keras", "folder must be a name inside the artifacts folder"),
    ("../elsewhere", "*.keras", "folder must be a name inside the artifacts folder"),
])
def test_prepared_networks_refuse_bad_arguments(folder, pattern, message):
    with pytest.raises(ValueError, match=message):
        lab.load_prepared_networks(folder, pattern)
