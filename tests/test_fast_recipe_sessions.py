"""scripts/fast_recipe.py: a new measuring session (--again) is shown, the earlier ones are listed, not hidden."""
from pathlib import Path

import pandas as pd
from scripts_loader import load_script

import lab_utils as lab
from lab_utils import precision, profiles, training

ROOT = Path(__file__).resolve().parents[1]
fast_recipe = load_script("scripts/fast_recipe.py")


def rows(session, plain_seconds, fast_seconds, accuracy=0.9945):
    fields = fast_recipe.recorded_fields(training.FAST_RECIPE, fast_recipe.DROPOUT)  # as the script records them
    fields.pop("name")
    out = [{"session": session, "kind": "plain", "seed": 0, "cpu": "CPU X", "cores": 2, "precision": "float32",
            "test_accuracy": 0.994, "train_seconds": plain_seconds}]
    for seed, seconds in enumerate(fast_seconds):
        out.append({"session": session, "kind": "fast", "seed": seed, "cpu": "CPU X", "cores": 2,
                    "precision": "mixed_bfloat16", "test_accuracy": accuracy, "train_seconds": seconds, **fields})
    return out


def test_the_newest_session_is_judged_and_the_earlier_one_listed():
    old = rows(None, 354.0, [107.0, 124.0, 90.0])
    new = rows("2026-11-24T20:00:00Z", 360.0, [95.0, 100.0, 99.0])
    text = fast_recipe.summary_markdown(pd.DataFrame(old + new), training.FAST_RECIPE)
    assert "session 2026-11-24T20:00:00Z" in text and "meets the target in this session" in text
    assert "Earlier session on this CPU (before sessions were recorded)" in text and "25% to 35%" in text


def test_a_slow_run_misses_the_target():
    text = fast_recipe.summary_markdown(pd.DataFrame(rows("2026-11-24T20:00:00Z", 300.0, [80.0, 120.0])),
                                        training.FAST_RECIPE)
    assert "misses the target" in text


def test_again_is_an_option():
    assert fast_recipe.parse_args(["--again"]).again and not fast_recipe.parse_args([]).again


def test_an_earlier_session_fed_another_way_says_so():
    old = [dict(r, input_path="NumPy arrays (Keras's autotuned tf.data)") for r in rows("2026-11-24T20:00:00Z", 400.0,
                                                                                         [107.0, 88.0, 124.0])]
    new = [dict(r, input_path=fast_recipe.FAST_INPUT if r["kind"] == "fast" else fast_recipe.PLAIN_INPUT)
           for r in rows("2026-11-25T00:00:00Z", 399.0, [74.0, 73.0, 74.0])]
    text = fast_recipe.summary_markdown(pd.DataFrame(old + new), training.FAST_RECIPE)
    assert "the fast recipe was fed NumPy arrays (Keras's autotuned tf.data)" in text
    same = fast_recipe.summary_markdown(pd.DataFrame(new), training.FAST_RECIPE)
    assert "was fed" not in same and "lab_utils.training.input_pipeline" in same


def test_new_rows_record_their_input_path():
    run = lab.training.TrainingRun(history={}, train_seconds=1.0, epoch_seconds=[1.0], test_accuracy=0.99)
    choice = precision.choose_precision(precision.detect_capabilities())
    profile = profiles.get_profile("smoke")
    plain = fast_recipe._row("plain", "p", 0, {}, run, choice, profile, "test_accuracy")
    fast = fast_recipe._row("fast", "f", 0, {}, run, choice, profile, "test_accuracy")
    assert plain["input_path"] == fast_recipe.PLAIN_INPUT and fast["input_path"] == fast_recipe.FAST_INPUT
