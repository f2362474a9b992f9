"""Preparing a class: every network trained once into one folder with a manifest; a second run only verifies."""
import json

import pytest
from scripts_loader import load_script

from bench import improved
from lab_utils import profiles

prepare_class = load_script("scripts/prepare_class.py")
TINY = profiles.Profile("tiny", train_size=256, test_size=100, max_epochs=1)


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_ARTIFACTS_DIR", str(tmp_path))
    monkeypatch.setattr(improved, "ENSEMBLE_MEMBERS", 2)  # two members instead of six: the same code, less training
    return tmp_path


def run(folder):
    networks = prepare_class.plan(TINY, rate=2_000.0)
    prepare_class.survey(folder, networks)
    return prepare_class.prepare(folder, TINY, networks)


def test_prepare_trains_once_then_verifies_and_retrains_only_a_damaged_file(folder, capsys):
    counts = run(folder)
    assert (counts["trained"], counts["verified"]) == (4, 0)
    manifest = json.loads((folder / "manifest.json").read_text())
    files = ["seed_cnn_tiny.keras", "smoke/ladder/step5_0.keras", "smoke/ladder/step5_1.keras",
             "tiny/published/seed_cnn.keras"]
    assert sorted(manifest["networks"]) == files and manifest["profile"] == "tiny"
    for file, entry in manifest["networks"].items():
        assert entry["sha256"] == prepare_class.sha256(folder / file) and entry["bytes"] == (folder / file).stat().st_size
        assert 0.0 <= entry["test_accuracy"] <= 1.0 and entry["train_seconds"] > 0 and entry["versions"]["keras"]
        expected = ["03", "06"] if file.startswith("seed") else ["02"] if "published" in file else ["05"]
        assert entry["notebooks"] == expected and entry["config"]
    assert manifest["networks"][files[3]]["precision"] == "float32", "the published recipe's numerics"
    assert "[4/4] smoke/ladder/step5_1.keras: trained in" in capsys.readouterr().out

    before = (folder / "manifest.json").read_bytes()
    counts = run(folder)
    assert (counts["trained"], counts["verified"]) == (0, 4)
    assert (folder / "manifest.json").read_bytes() == before  # nothing changed, nothing rewritten
    assert "Training" not in capsys.readouterr().out

    (folder / files[0]).chmod(0o600)  # prepared before the lab saved networks readable by all
    run(folder)
    assert (folder / files[0]).stat().st_mode & 0o044 == 0o044, "a verified network is made readable by every account"

    damaged = folder / files[2]
    damaged.write_bytes(damaged.read_bytes()[:1000])
    counts = run(folder)
    assert (counts["trained"], counts["verified"]) == (1, 3)
    after = json.loads((folder / "manifest.json").read_text())["networks"]
    assert after[files[2]]["sha256"] == prepare_class.sha256(damaged) != manifest["networks"][files[2]]["sha256"]
    assert after[files[0]] == manifest["networks"][files[0]]


def test_the_survey_names_what_is_wrong_with_each_file(folder):
    networks = prepare_class.plan(TINY, rate=2_000.0)
    assert prepare_class.survey(folder, networks) == pytest.approx(sum(n["seconds"] for n in networks))
    assert {n["problem"] for n in networks} == {"missing"}
    (folder / "seed_cnn_tiny.keras").write_bytes(b"not a model")
    prepare_class.survey(folder, networks)
    assert networks[0]["problem"] == "not in the manifest"


@pytest.mark.parametrize("setup, message", [
    (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "that is a file, not a folder"),
])
def test_bad_folders_are_refused_in_one_line(tmp_path, capsys, setup, message):
    with pytest.raises(SystemExit) as stopped:
        prepare_class.main(["--to", str(setup(tmp_path))])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_a_manifest_that_is_not_json_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "manifest.json").write_text("{ not json")
    with pytest.raises(SystemExit, match="is not readable JSON .* move it away"):
        prepare_class.read_manifest(tmp_path)
