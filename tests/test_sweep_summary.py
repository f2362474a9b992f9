"""scripts/sweep.py --summarize-only: the README's table of the five knobs, from the runs CSV."""
from pathlib import Path

import pandas as pd
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
sweep_script = load_script("scripts/sweep.py", "sweep_script_for_summary")


def test_summary_has_one_row_per_value_with_its_spread_and_marks_the_best():
    runs = pd.DataFrame([
        {"sweep": "batch_size", "knob": "batch_size", "batch_size": b, "seed": s, "test_accuracy": a,
         "train_seconds": 60.0, "params": 995_060, "precision": "mixed_bfloat16", "cpu": "CPU X", "cores": 2}
        for b, accs in ((32, (0.990, 0.994)), (200, (0.991, 0.991))) for s, a in enumerate(accs)])
    text = sweep_script.summary_markdown(runs)
    lines = [line for line in text.splitlines() if line.startswith("| batch_size")]
    assert len(lines) == 2
    assert "| 32 | 2 | **99.20% ± 0.28%** |" in lines[0]  # the best mean of the set, in bold
    assert "| 200 | 2 | 99.10% ± 0.00% |" in lines[1]
    assert "CPU X (2 cores)" in text and "python scripts/sweep.py" in text


def test_summarize_only_trains_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_PROFILE", "smoke")
    assert sweep_script.main(["--summarize-only", "--out", str(tmp_path / "none.csv")]) == 0
    assert not (tmp_path / "none.csv").exists()
