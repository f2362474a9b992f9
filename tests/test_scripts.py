"""The result commands' own logic: argument checks, resumable records, summary tables. No training here."""
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reproduce = load_script("reproduce")
_bench_spec = importlib.util.spec_from_file_location("speed", ROOT / "benchmarks" / "speed.py")
speed = importlib.util.module_from_spec(_bench_spec)
_bench_spec.loader.exec_module(speed)
run_notebooks = load_script("run_notebooks")


def fake_runs():
    rows = []
    for model, accs, epochs in (("dense", [0.93, 0.94], 25), ("cnn", [0.992, 0.994, 0.993], 10)):
        for seed, acc in enumerate(accs):
            rows.append(dict(model=model, seed=seed, precision="float32", profile="full", epochs=epochs,
                             test_accuracy=acc, train_seconds=60.0 + seed, cpu="Test CPU", tensorflow="2.x", keras="3.x"))
    return pd.DataFrame(rows)


def test_reproduce_defaults_are_the_published_recipes_over_three_seeds():
    args = reproduce.parse_args([])
    assert args.models == ["dense", "cnn"] and args.seeds == [0, 1, 2] and args.precision == ["float32"]
    assert args.epochs is None


@pytest.mark.parametrize("argv", [["--seeds", "-1"], ["--epochs", "0"], ["--models", "resnet"], ["--precision", "fp8"]])
def test_reproduce_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        reproduce.parse_args(argv)


def test_summary_table_shows_published_and_measured_side_by_side():
    text = reproduce.summary_markdown(fake_runs())
    lines = text.splitlines()
    assert lines[0].startswith("| network | published (1 run) | measured mean ± std")
    dense = next(line for line in lines if line.startswith("| Dense baseline"))
    assert "96.34%" in dense and "93.50% ± 0.71%" in dense and "93.00% – 94.00%" in dense and "| 2 |" in dense
    cnn = next(line for line in lines if line.startswith("| Seed CNN"))
    assert "99.41%" in cnn and "99.30% ± 0.10%" in cnn and "| 3 |" in cnn
    assert "Full profile" in text and "python scripts/reproduce.py" in text


def test_summary_labels_runs_that_changed_the_recipe():
    runs = fake_runs()
    runs.loc[runs.model == "dense", "epochs"] = 100
    assert "**at 100 epochs**" in reproduce.summary_markdown(runs)


def test_notebook_selection_by_prefix():
    names = [p.stem for p in run_notebooks.select(["00", "02"])]
    assert names == ["00_mnist_at_a_glance", "02_seed_cnn"]
    assert len(run_notebooks.select([])) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    with pytest.raises(SystemExit, match="No notebook matches 99"):
        run_notebooks.select(["99"])


def test_benchmark_defaults_to_the_short_mode_and_accepts_known_extras():
    args = speed.parse_args([])
    assert not args.full and args.also == [] and args.out.name == "benchmark_speed.csv"
    assert speed.parse_args(["--also", "xla", "--also", "mixed_bfloat16"]).also == ["xla", "mixed_bfloat16"]
    with pytest.raises(SystemExit):
        speed.parse_args(["--also", "float8"])


def test_benchmark_summary_names_the_machine_the_choice_and_the_command():
    common = dict(images=6000, epochs=1, repeats=3, cpu="Test CPU", cores=2, cpu_flags="avx2 avx512_bf16",
                  tensorflow="2.x", keras="3.x", lab_choice_reason="Test CPU has AVX512-BF16 instructions")
    rows = [dict(configuration="plain Keras float32", precision="float32", seconds_per_epoch=4.0,
                 images_per_second=1500.0, speedup_vs_plain=1.0, **common),
            dict(configuration="lab defaults (mixed_bfloat16)", precision="mixed_bfloat16", seconds_per_epoch=2.0,
                 images_per_second=3000.0, speedup_vs_plain=2.0, **common)]
    text = speed.summary_markdown(rows, "python benchmarks/speed.py --repeats 3")
    assert "| lab defaults (mixed_bfloat16) | 2.00 | 3,000 | 2.00x |" in text
    assert "median of 3 alternating timed fits; Test CPU (2 cores; flags: avx2 avx512_bf16)" in text
    assert "The lab chose mixed_bfloat16: Test CPU has AVX512-BF16 instructions." in text
    assert "`python benchmarks/speed.py --repeats 3`" in text
