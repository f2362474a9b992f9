"""Prepare a class once: train, or verify, every network the notebooks load instead of training it in class.

    python scripts/prepare_class.py --to /srv/lab-networks    # the same as: python -m bench prepare --to ...
    python scripts/prepare_class.py --to DIR --dry-run        # the list, what is there, the estimated time
    LAB_PROFILE=smoke python scripts/prepare_class.py --to DIR  # a quick run that proves the command works here

DIR then holds:

* ``seed_cnn_full.keras``: the seed CNN trained with the lab's fast recipe (notebooks 03 and 06);
* ``published/seed_cnn.keras``: the seed CNN trained with the published recipe (10 epochs, float32), which notebook 02
  sets beside its 3-epoch class run (``smoke/published/`` outside the full profile);
* ``ladder/step5_<seed>.keras``: the six networks of notebook 05's ensemble (the ladder's step 5);
* ``manifest.json``: for each file, what it is, the notebooks that load it, its config, test accuracy, training time,
  precision, library versions and SHA-256.

A network that is already there and matches the manifest is verified, not trained; one that is missing or does not
load is trained again (one that changed but loads, trained again by another command, say, is recorded anew). So an
interrupted run resumes where it stopped (the manifest is written after each network), and a second run trains
nothing. Share DIR read-only and set ``LAB_ARTIFACTS_DIR=DIR`` on the students'
machines: the notebooks load from it, never write there, and say what they loaded (docs/teacher_guide.md).
Outside the full profile the files are named for the profile (``seed_cnn_smoke.keras``, ``smoke/ladder/``).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file, as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def duration(seconds: float) -> str:
    """Return a duration in words: seconds under two minutes, else minutes."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def read_manifest(folder: Path) -> dict:
    """Return the folder's manifest ({"networks": {}} when there is none); refuse one that is not the lab's JSON."""
    path = folder / MANIFEST
    if not path.exists():
        return {"networks": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"{path} is not readable JSON ({error}): move it away, and this command writes a new one "
                         "(every network is then checked by loading it).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("networks"), dict):
        raise SystemExit(f"{path} is not a manifest this command wrote (no 'networks' table): move it away first.")
    return manifest


def write_manifest(folder: Path, manifest: dict, profile) -> None:
    """Write the manifest atomically, its networks in file order."""
    from bench.machine import utc_timestamp
    from lab_utils.io import write_atomic

    manifest = {"lab": "mnist-cnn-lab", "profile": profile.name, "updated_utc": utc_timestamp(),
                "networks": dict(sorted(manifest["networks"].items()))}
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def plan(profile, rate: float) -> list[dict]:
    """Return the networks to prepare, in order: each one's file, what it is, its notebooks and estimated seconds."""
    from bench import cost, ladder
    from lab_utils.artifacts import artifacts_dir
    from lab_utils.training import FAST_RECIPE

    train, test = profile.train_size or 60_000, profile.test_size or 10_000
    seed_cnn = cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, rate=rate, epochs=profile.epochs(FAST_RECIPE.epochs),
                                     train_images=train, test_images=test, batch_size=FAST_RECIPE.batch_size)
    networks = [{"file": f"seed_cnn_{profile.name}.keras", "notebooks": ["03", "06"], "seconds": seed_cnn,
                 "what": f"the seed CNN (the published layers), trained with the lab's fast recipe on {train:,} "
                         "training images", "config": {"network": "build_seed_cnn()", "train_images": train,
                                                       "recipe": dataclasses.asdict(FAST_RECIPE)}}]
    from bench.published import SEED_CNN_RECIPE

    published = cost.estimate_seconds(cost.SEED_CNN_MULTIPLY_ADDS, rate=rate, epochs=profile.epochs(SEED_CNN_RECIPE.epochs),
                                      train_images=train, test_images=test, batch_size=SEED_CNN_RECIPE.batch_size)
    networks.append({"file": published_file(profile), "notebooks": ["02"], "seconds": published,
                     "what": f"the seed CNN trained with the published recipe (float32) on {train:,} training images",
                     "config": {"network": "build_seed_cnn()", "train_images": train, "precision": "float32",
                                "recipe": dataclasses.asdict(SEED_CNN_RECIPE)}})
    step = ladder.members_step()
    macs = cost.multiply_adds(step.build())
    fit_size, val_size = ladder.step_sizes(step, profile)
    seconds = cost.estimate_seconds(macs, rate=rate, epochs=profile.epochs(step.recipe.epochs), train_images=fit_size,
                                    val_images=val_size, batch_size=step.recipe.batch_size, options=step.model_options)
    folder = ladder.ladder_folder(profile).relative_to(artifacts_dir())
    for seed in step.seeds:
        networks.append({"file": (folder / f"step{step.number}_{seed}.keras").as_posix(), "notebooks": ["05"],
                         "seconds": seconds, "what": f"notebook 05's ensemble member {seed}: the ladder's step "
                                                     f"{step.number} ({step.name}), seed {seed}"})
    return networks


def published_file(profile) -> str:
    """Return where notebook 02's published-recipe network goes in a prepared folder, for this profile."""
    return "published/seed_cnn.keras" if profile.name == "full" else f"{profile.name}/published/seed_cnn.keras"


def train_published(path: Path, profile) -> tuple:
    """Train the seed CNN with the published recipe in float32, save it to ``path``; return it and its facts."""
    import keras

    from bench.published import SEED_CNN_RECIPE
    from lab_utils.artifacts import save_model_atomic
    from lab_utils.data import load_mnist, one_hot, prepare_images
    from lab_utils.models import build_seed_cnn
    from lab_utils.profiles import set_seed
    from lab_utils.training import fit

    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")  # the published figure's numerics, as notebook 02 trains
    try:
        (x_train, y_train), _ = load_mnist()
        x_train, y_train = profile.subset(x_train, y_train, "train")
        set_seed(0)
        model = build_seed_cnn()
        epochs = profile.epochs(SEED_CNN_RECIPE.epochs)
        print(f"Training the seed CNN with the published recipe ({epochs} epoch{'s' * (epochs != 1)}, float32) ...",
              flush=True)
        run = fit(model, SEED_CNN_RECIPE, prepare_images(x_train), one_hot(y_train),
                  epochs=epochs, verbose=2)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model_atomic(model, path)
    return model, {"train_seconds": round(run.train_seconds, 1), "precision": "float32",
                   "val_accuracy": round(float(run.history["val_accuracy"][-1]), 6)}


def check(folder: Path, entry: dict | None, file: str) -> str:
    """Return why the file cannot be used as it is ('' when it matches its manifest entry and loads)."""
    from lab_utils.artifacts import ModelFileError, load_model_file

    path = folder / file
    if not path.exists():
        return "missing"
    if not entry:
        return "not in the manifest"
    if sha256(path) != entry.get("sha256"):
        return "changed since the manifest was written"
    try:
        load_model_file(path, input_shape=(28, 28, 1), num_classes=10)
    except ModelFileError as error:
        return str(error)
    return ""


def survey(folder: Path, networks: list[dict]) -> float:
    """Check each network against the manifest (its ``problem``: '' when it passes); return the seconds to train."""
    manifest = read_manifest(folder) if folder.is_dir() else {"networks": {}}
    for network in networks:
        network["problem"] = check(folder, manifest["networks"].get(network["file"]), network["file"])
    return sum(network["seconds"] for network in networks if network["problem"])


@functools.lru_cache(maxsize=None)
def _test_set(profile):
    from lab_utils.data import load_mnist, one_hot, prepare_images

    _, (x_test, y_test) = load_mnist()
    x_test, y_test = profile.subset(x_test, y_test, "test")
    return prepare_images(x_test), one_hot(y_test)


def test_accuracy(model, profile) -> float:
    """Return a model's accuracy on the profile's test images."""
    from bench.ensemble import ensemble_accuracy

    return round(ensemble_accuracy([model], *_test_set(profile)), 6)


def prepare(folder: Path, profile, networks: list[dict]) -> dict:
    """Verify each network, train those that fail, write the manifest after each; return the counts."""
    from bench import ladder
    from bench.machine import machine_info, utc_timestamp
    from lab_utils.artifacts import read_model_info, trained_seed_cnn

    manifest = read_manifest(folder)
    started, counts = time.perf_counter(), {"verified": 0, "trained": 0}
    spent = {"seconds": 0.0, "estimated": 0.0}  # of the networks trained so far: their times calibrate the estimate

    def record(file: str, model, facts: dict, trained: bool) -> None:
        """Keep a verified entry; write a new one for a network trained now, missing from the manifest or changed."""
        index, path = next(i for i, n in enumerate(networks) if n["file"] == file), folder / file
        path.chmod(path.stat().st_mode | 0o444)  # the folder is for sharing: every account may read each network
        entry, how, digest = manifest["networks"].get(file), "verified", sha256(path)
        if trained or not entry or entry.get("sha256") != digest:
            network, machine = networks[index], machine_info()
            entry = {"what": network["what"], "notebooks": network["notebooks"],
                     "config": network.get("config") or facts.get("config"), "config_hash": facts.get("config_hash"),
                     "test_accuracy": test_accuracy(model, profile), "train_seconds": facts.get("train_seconds"),
                     "val_accuracy": facts.get("val_accuracy"), "precision": facts.get("precision"),
                     "versions": {key: machine[key] for key in ("python", "tensorflow", "keras", "numpy")},
                     "cpu": machine["cpu"], "bytes": path.stat().st_size, "sha256": digest,
                     "prepared_utc": utc_timestamp()}
            manifest["networks"][file] = entry = {key: value for key, value in entry.items() if value is not None}
            write_manifest(folder, manifest, profile)
            how = "checked and recorded (it loads; the manifest did not list it as it is)"
        counts["trained" if trained else "verified"] += 1
        if trained:
            how = f"trained in {entry.get('train_seconds', 0):.0f} s"
            spent["seconds"] += float(entry.get("train_seconds") or 0.0)
            spent["estimated"] += networks[index]["seconds"]
        scale = spent["seconds"] / spent["estimated"] if spent["estimated"] else 1.0
        left = scale * sum(n["seconds"] for n in networks[index + 1:] if n["problem"])
        print(f"[{index + 1}/{len(networks)}] {file}: {how}, test accuracy {entry['test_accuracy']:.2%}"
              + (f"; about {duration(left)} of training left" if left else "; nothing left to train"), flush=True)

    seed_cnn = folder / networks[0]["file"]
    before = sha256(seed_cnn) if seed_cnn.exists() else None
    model = trained_seed_cnn(profile, path=seed_cnn, verbose=2)  # loads it if it passes its checks, else trains it
    trained = sha256(seed_cnn) != before
    record(networks[0]["file"], model, read_model_info(seed_cnn) if trained else {}, trained)

    published = networks[1]["file"]
    if networks[1]["problem"]:
        model, facts = train_published(folder / published, profile)
        record(published, model, facts, trained=True)
    else:
        record(published, None, {}, trained=False)

    def member_ready(member) -> None:
        record(member.path.relative_to(folder).as_posix(), member.model, member.facts, member.trained)

    if any(network["problem"] for network in networks[2:]):
        ladder.ladder_members(profile=profile, on_member=member_ready, verbose=2)  # loads the good ones, trains the rest
    else:  # all verified: nothing to load the data for
        for network in networks[2:]:
            record(network["file"], None, {}, trained=False)
    counts["seconds"] = time.perf_counter() - started
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", type=Path, required=True, metavar="DIR",
                        help="the folder to prepare (created if needed); share it read-only afterwards")
    parser.add_argument("--dry-run", action="store_true", help="list the networks and the estimated time; train nothing")
    args = parser.parse_args(argv)
    folder = args.to.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        parser.error(f"--to {args.to}: that is a file, not a folder.")
    if not args.dry_run:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--to {args.to}: cannot create that folder ({error.strerror}).")
        if not os.access(folder, os.W_OK | os.X_OK):
            parser.error(f"--to {args.to}: this folder is read-only here; prepare it where it can be written.")
    os.environ["LAB_ARTIFACTS_DIR"] = str(folder)  # before lab_utils reads it: every network goes to the folder

    from bench import cost
    from bench.machine import cpu_model, cpu_name
    from lab_utils.precision import detect_capabilities, use_best_precision
    from lab_utils.profiles import get_profile

    profile = get_profile()
    choice = use_best_precision()
    cpu = cpu_name(cpu_model(), detect_capabilities().cpu_flags)
    rate, source = cost.seed_cnn_rate(cpu)
    networks = plan(profile, rate)
    print(f"Preparing {folder} | profile {profile.name} | {choice} | estimates from {source}")
    total = survey(folder, networks)
    for network in networks:
        problem = network["problem"]
        status = f"to train (about {duration(network['seconds'])}): {problem}" if problem else "there, verified"
        print(f"  {network['file']:<28} notebooks {', '.join(network['notebooks'])}: {status}")
    print(f"Estimated training time: {duration(total)}." if total else "Nothing to train.", flush=True)
    if args.dry_run:
        return 0
    try:
        counts = prepare(folder, profile, networks)
    except (OSError, ValueError) as error:  # no MNIST, a full disk: say so in one line; what is done stays done
        print(f"prepare stopped: {error}", file=sys.stderr)
        return 1
    print(f"Done in {counts['seconds']:.0f} s: {counts['trained']} trained, {counts['verified']} verified. "
          f"Set LAB_ARTIFACTS_DIR={folder} on the students' machines (share the folder read-only).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
