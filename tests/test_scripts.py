"""The result commands' own logic: argument checks, resumable records, summary tables.

No training here, except two fits on 256 images that prove the fit-tail benchmark runs.
"""
from pathlib import Path

import pandas as pd
import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]


reproduce = load_script("scripts/reproduce.py")
speed = load_script("benchmarks/speed.py")
fit_tail = load_script("benchmarks/fit_tail.py")
bn_place = load_script("benchmarks/batch_norm_place.py")
run_notebooks = load_script("scripts/run_notebooks.py")


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


@pytest.mark.parametrize("argv", [["--fits", "0"], ["--batch-size", "0"], ["--images", "0"], ["--images", "70000"]])
def test_fit_tail_benchmark_refuses_bad_arguments(argv):
    assert fit_tail.parse_args([]).fits == 4 and fit_tail.parse_args([]).out.name == "fit_tail.csv"
    with pytest.raises(SystemExit):
        fit_tail.parse_args(argv)


def test_fit_tail_benchmark_times_both_input_paths_and_records_each_fit(tmp_path, capsys):
    import keras

    out = tmp_path / "fit_tail.csv"
    try:
        assert fit_tail.main(["--fits", "1", "--images", "256", "--out", str(out)]) == 0
    finally:
        keras.backend.clear_session()  # the benchmark chose the lab's precision; later tests expect float32
        keras.config.set_dtype_policy("float32")
    runs = pd.read_csv(out)
    assert list(runs.input_path) == list(fit_tail.PATHS)
    assert (runs.fit_seconds + 0.02 >= runs.epoch_seconds + runs.tail_seconds).all()  # the parts fit in the whole
    assert "fits_with_tail_over_1s" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--seeds", "-1"], ["--seeds", "1", "1"], ["--images", "0"],
                                  ["--images", "60000"]])
def test_batch_norm_place_benchmark_refuses_bad_arguments(argv):
    args = bn_place.parse_args([])
    assert (args.epochs, args.seeds, args.images, args.out.name) == (10, [0, 1], None, "batch_norm_place.csv")
    short = bn_place.parse_args(["--short"])
    assert (short.epochs, short.seeds, short.images) == (1, [0], 6_000)
    with pytest.raises(SystemExit):
        bn_place.parse_args(argv)


def test_batch_norm_place_benchmark_builds_the_ladder_network_with_bn_where_asked():
    ladder, textbook = (bn_place.build_network(place) for place in ("after_pool", "after_conv"))
    step4 = bn_place.improved.ladder_steps()[4].build()  # the network the committed measurements used
    assert ladder.count_params() == step4.count_params()
    rates = [[layer.rate for layer in model.layers if "dropout" in layer.name] for model in (ladder, step4)]
    assert rates[0] == rates[1] == [0.2, 0.2, 0.5]
    # After every conv, the 4 convs (32, 32, 64, 64 maps) lose their biases and gain 4 BN numbers per channel,
    # where the ladder normalises only the 2 pooled maps (32, 64).
    channels = 32 + 32 + 64 + 64
    assert textbook.count_params() == ladder.count_params() - channels + 4 * channels - 4 * (32 + 64)
    with pytest.raises(ValueError, match="place must be one of"):
        bn_place.build_network("after_dense")


def test_batch_norm_place_benchmark_records_one_row_per_place_and_seed(tmp_path, monkeypatch, capsys):
    import numpy as np

    images = np.zeros((10, 28, 28, 1), np.float32), np.zeros((10, 10), np.float32)
    monkeypatch.setattr(bn_place.bench_ladder, "load_ladder_data", lambda profile: {"fit": images, "val": images})
    monkeypatch.setattr(bn_place.precision, "use_best_precision", lambda: type("Choice", (), {"policy": "float32"})())
    fake = {"val_accuracy": 0.99, "val_loss": 0.1, "train_seconds": 1.0, "seconds_per_epoch": 1.0, "params": 1}
    monkeypatch.setattr(bn_place, "one_run", lambda place, data, seed, recipe: (bn_place.precision.use_best_precision(),
                                                                                fake))
    out = tmp_path / "bn.csv"
    assert bn_place.main(["--epochs", "2", "--seeds", "3", "4", "--out", str(out)]) == 0
    runs = pd.read_csv(out)
    assert list(zip(runs.seed, runs.batch_norm)) == [(3, "after_pool"), (3, "after_conv"), (4, "after_pool"),
                                                     (4, "after_conv")]
    assert set(runs.epochs) == {2} and set(runs.images) == {10} and "cpu" in runs.columns
    assert "| after_conv | 2 |" in capsys.readouterr().out


def test_benchmark_summary_names_the_machine_the_choice_and_the_command():
    common = dict(images=6000, epochs=1, repeats=3, cpu="Test CPU", cores=2, cpu_flags="avx2 avx512_bf16",
                  tensorflow="2.x", keras="3.x", lab_choice_reason="Test CPU has AVX512-BF16 instructions")
    rows = [dict(configuration="plain Keras float32", precision="float32", seconds_per_epoch=4.0,
                 images_per_second=1500.0, speedup_vs_plain=1.0, step_seconds_per_epoch=3.0,
                 step_speedup_vs_plain=1.0, **common),
            dict(configuration="lab defaults (mixed_bfloat16)", precision="mixed_bfloat16", seconds_per_epoch=2.0,
                 images_per_second=3000.0, speedup_vs_plain=2.0, step_seconds_per_epoch=1.875,
                 step_speedup_vs_plain=1.6, **common)]
    text = speed.summary_markdown(rows, "python benchmarks/speed.py --repeats 3")
    assert "| configuration | steps: s per epoch | whole fit: s per epoch | speed-up, steps | speed-up, whole fit |" in text
    assert "| lab defaults (mixed_bfloat16) | 1.88 | 2.00 | 1.60x | 2.00x |" in text
    assert "median of 3 alternating timed fits; Test CPU (2 cores; flags: avx2 avx512_bf16)" in text
    assert "The lab chose mixed_bfloat16: Test CPU has AVX512-BF16 instructions." in text
    assert "`python benchmarks/speed.py --repeats 3`" in text


def test_benchmark_readme_block_shows_the_newest_run_on_each_cpu():
    import pandas as pd

    def run(cpu, flags, stamp, plain, lab_seconds, policy):
        common = dict(mode="short", images=6000, epochs=1, repeats=5, cpu=cpu, cores=2, cpu_flags=flags,
                      tensorflow="2.x", keras="3.x", lab_choice_reason=f"{cpu} says so", finished_utc=stamp)
        return [dict(configuration="plain Keras float32", precision="float32", seconds_per_epoch=plain,
                     images_per_second=6000 / plain, speedup_vs_plain=1.0, **common),
                dict(configuration=f"lab defaults ({policy})", precision=policy, seconds_per_epoch=lab_seconds,
                     images_per_second=6000 / lab_seconds, speedup_vs_plain=plain / lab_seconds, **common)]

    runs = pd.DataFrame(run("CPU A with AVX512-BF16", "avx2 avx512_bf16", "2026-01-01T00:00:00Z", 5.0, 4.0, "mixed_bfloat16")
                        + run("CPU A with AVX512-BF16", "avx2 avx512_bf16", "2026-01-02T00:00:00Z", 5.0, 2.5, "mixed_bfloat16")
                        + [{**r, "command": "python benchmarks/speed.py --repeats 5"}
                           for r in run("CPU B with AVX2", "avx2", "2026-01-03T00:00:00Z", 8.0, 8.0, "float32")])
    text = speed.readme_markdown(runs)
    assert text.index("**CPU A with AVX512-BF16**") < text.index("**CPU B with AVX2**")
    assert "| lab defaults (mixed_bfloat16) | not timed | 2.50 | not timed | 2.00x |" in text  # A's newest run
    assert "1.25x" not in text
    assert "| lab defaults (float32) | not timed | 8.00 | not timed | 1.00x |" in text  # rows before step times
    assert "`python benchmarks/speed.py --repeats 5`" in text and "`python benchmarks/speed.py`;" in text
    with pytest.raises(ValueError, match="lacks its cpu"):
        speed.readme_markdown(pd.DataFrame())


# --- notebook times: the README's and the teacher guide's tables, rebuilt from the CSV (no notebook runs here) ---

TIMES_HEADER = "notebook,profile,seconds,cpu,cores,finished_utc\n"  # the CSV's layout before the gpu column


def block(text, name):
    """Return what lies between a block's markers, stripped."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1, f"block {name} is missing"
    return text.split(start)[1].split(end)[0].strip()


@pytest.fixture
def lab_copy(tmp_path, monkeypatch):
    """A temporary README, guide, notebooks folder and times CSV, wired into run_notebooks in place of the real ones."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stem in ("00_first", "01_second", "04_untimed"):
        (notebooks / f"{stem}.ipynb").write_text("{}", encoding="utf-8")
    (notebooks / "notes.ipynb").write_text("{}", encoding="utf-8")  # not a numbered notebook: not listed
    csv = tmp_path / "notebook_times.csv"
    csv.write_text(TIMES_HEADER
                   + "00_first,full,90.0,Test CPU,2,2026-01-01T00:00:00Z\n"
                   + "00_first,smoke,12.0,Test CPU,2,2026-01-01T00:00:00Z\n"
                   + "01_second,full,420.0,Test CPU,2,2026-01-01T00:00:00Z\n"
                   + "99_removed,full,60.0,Test CPU,2,2026-01-01T00:00:00Z\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("# Lab\n\nbefore\n<!-- notebook-times:start -->\nold table\n<!-- notebook-times:end -->\nafter\n"
                      "<!-- notebook-times-prepared:start -->\n<!-- notebook-times-prepared:end -->\n"
                      "<!-- notebook-budget:start -->\n<!-- notebook-budget:end -->\n", encoding="utf-8")
    guide = tmp_path / "teacher_guide.md"
    guide.write_text("# Guide\n\n<!-- notebook-times:start -->\n<!-- notebook-times:end -->\n\n"
                     "<!-- notebook-budget:start -->\n<!-- notebook-budget:end -->\n\n## 00\n"
                     "<!-- time-00_first:start -->\n<!-- time-00_first:end -->\n\n## 04\n"
                     "<!-- time-04_untimed:start -->\n<!-- time-04_untimed:end -->\n\n## 05\n"
                     "<!-- time-05_not_written:start -->\n<!-- time-05_not_written:end -->\nend of guide\n",
                     encoding="utf-8")
    for name, value in (("NOTEBOOKS_DIR", notebooks), ("TIMES_CSV", csv), ("README", readme), ("GUIDE", guide)):
        monkeypatch.setattr(run_notebooks, name, value)

    def no_run(*args, **kwargs):
        raise AssertionError("--table-only must not execute a notebook")

    monkeypatch.setattr(run_notebooks, "run", no_run)
    return dict(notebooks=notebooks, csv=csv, readme=readme, guide=guide)


def test_table_only_refuses_notebook_names():
    assert run_notebooks.parse_args(["--table-only"]).table_only
    with pytest.raises(SystemExit):
        run_notebooks.parse_args(["--table-only", "02"])


def test_table_only_rebuilds_both_tables_from_the_csv_and_touches_nothing_else(lab_copy):
    real = {path: path.read_bytes() for path in (ROOT / "README.md", ROOT / "results" / "README.md",
                                                 ROOT / "docs" / "teacher_guide.md", ROOT / "results" / "notebook_times.csv")}
    csv_before = lab_copy["csv"].read_bytes()
    assert run_notebooks.main(["--table-only"]) == 0
    assert all(path.read_bytes() == content for path, content in real.items()), "a test wrote into the repository"
    assert lab_copy["csv"].read_bytes() == csv_before, "--table-only reads the CSV; it never rewrites it"

    readme = lab_copy["readme"].read_text(encoding="utf-8")
    assert readme.startswith("# Lab\n\nbefore\n") and "after\n" in readme and "old table" not in readme
    assert "No run with prepared networks recorded yet" in block(readme, "notebook-times-prepared")
    table = block(readme, "notebook-times").splitlines()
    assert table[0] == "| notebook | full profile (min) | smoke profile (min) |"
    assert "| 00_first | 1.5 | 0.2 |" in table and "| 01_second | 7.0 | – |" in table
    assert "| 04_untimed | – | – |" in table, "a notebook without rows is listed as not measured"
    assert not any("99_removed" in line or "notes" in line for line in table), "only notebooks in notebooks/ are listed"
    assert "on Test CPU (2 cores); – means not measured yet" in table[-1]
    assert "`python scripts/run_notebooks.py [--profile smoke]`" in table[-1]

    guide = lab_copy["guide"].read_text(encoding="utf-8")
    assert guide.endswith("end of guide\n")
    table = block(guide, "notebook-times")
    assert table.splitlines()[0] == ("| notebook | full profile on Test CPU (2 cores) | smoke profile on Test CPU (2 cores) "
                                     "| full profile on a GPU | smoke profile on a GPU |")
    assert "| 00_first | 1.5 | 0.2 | – | – |" in table and "| 04_untimed | – | – | – | – |" in table
    assert "GPU: not measured yet" in table and "--table-only" in table
    assert block(guide, "time-00_first") == ("*Run All* on Test CPU (2 cores): full profile 1.5 min, smoke profile "
                                             "0.2 min. On a GPU: not measured yet.")
    assert block(guide, "time-04_untimed") == "*Run All*: not measured yet, in either profile."
    assert "does not exist yet" in block(guide, "time-05_not_written")

    mtimes = {key: lab_copy[key].stat().st_mtime_ns for key in ("readme", "guide")}
    assert run_notebooks.main(["--table-only"]) == 0  # nothing changed: nothing is rewritten
    assert mtimes == {key: lab_copy[key].stat().st_mtime_ns for key in ("readme", "guide")}


def test_missing_markers_stop_with_the_file_and_the_fix(lab_copy):
    lab_copy["guide"].write_text("# Guide without its table\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"teacher_guide\.md must contain exactly one '<!-- notebook-times:start -->'"
                                         r"(.|\n)*--table-only"):
        run_notebooks.main(["--table-only"])
    lab_copy["guide"].unlink()
    with pytest.raises(SystemExit, match="does not exist"):
        run_notebooks.main(["--table-only"])


def test_each_machine_keeps_its_own_newest_times():
    old = run_notebooks.read_times(ROOT / "does-not-exist.csv")
    assert old.empty and "gpu" in old.columns
    rows = [dict(notebook="02_x", profile="full", seconds=600.0, cpu="Test CPU", cores=2, gpu="none",
                 finished_utc="2026-01-01T00:00:00Z"),
            dict(notebook="02_x", profile="full", seconds=420.0, cpu="Test CPU", cores=2, gpu="none",
                 finished_utc="2026-01-02T00:00:00Z"),
            dict(notebook="02_x", profile="full", seconds=60.0, cpu="Host CPU", cores=16, gpu="Test GPU",
                 finished_utc="2026-01-01T00:00:00Z")]
    times = run_notebooks.merge_times(old, rows)
    assert sorted(times.seconds) == [60.0, 420.0, 600.0], "every recorded run stays in the CSV"
    stems = ["02_x", "03_y"]
    readme = run_notebooks.readme_markdown(times, stems)
    assert readme.splitlines()[0] == ("| notebook | full profile, Test CPU (2 cores) (min) | smoke profile, Test CPU "
                                      "(2 cores) (min) | full profile, Test GPU (GPU) (min) | smoke profile, Test GPU "
                                      "(GPU) (min) |")
    assert "| 02_x | 7.0 | – | 1.0 | – |" in readme and "| 03_y | – | – | – | – |" in readme
    guide = run_notebooks.guide_markdown(times, stems)
    assert "on a GPU" not in guide and "GPU: not measured yet" not in guide
    assert "| 02_x | 7.0 | – | 1.0 | – |" in guide
    line = run_notebooks.time_line(times, "02_x", exists=True)
    assert line == ("*Run All* on Test CPU (2 cores): full profile 7.0 min, smoke profile not measured yet; "
                    "on Test GPU (GPU): full profile 1.0 min, smoke profile not measured yet.")


def test_the_committed_tables_agree_with_the_csv():
    """The README's and the guide's blocks are what `python scripts/run_notebooks.py --table-only` writes."""
    times = run_notebooks.read_times(ROOT / "results" / "notebook_times.csv")
    stems = [path.stem for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    readme = (ROOT / "results" / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "teacher_guide.md").read_text(encoding="utf-8")
    fix = "out of date: run `python scripts/run_notebooks.py --table-only`"
    assert block(readme, "notebook-times") == run_notebooks.readme_markdown(times, stems).strip(), f"results/README.md {fix}"
    assert block(guide, "notebook-times") == run_notebooks.guide_markdown(times, stems).strip(), f"guide {fix}"
    for stem in stems:
        assert f"<!-- time-{stem}:start -->" in guide, f"docs/teacher_guide.md has no section (time line) for {stem}"
        assert block(guide, f"time-{stem}") == run_notebooks.time_line(times, stem, exists=True), f"guide {fix}"


def test_a_timed_run_adds_its_machine_and_keeps_the_other_rows(lab_copy, monkeypatch):
    """The path that runs notebooks, with the run itself faked: rows gain the GPU column, tables follow the CSV."""
    import bench.machine

    monkeypatch.setenv("LAB_PROFILE", "smoke")  # main sets it for the kernels; monkeypatch restores it afterwards
    monkeypatch.setattr(run_notebooks, "run", lambda path, timeout: (None, 6.0, 900.0))
    monkeypatch.setattr(bench.machine, "machine_info", lambda: {"cpu": "Host CPU", "gpu": "Test GPU"})
    assert run_notebooks.main(["04", "--profile", "smoke"]) == 0
    times = run_notebooks.read_times(lab_copy["csv"])
    new = times[times.notebook == "04_untimed"]
    assert len(new) == 1 and new.iloc[0].gpu == "Test GPU" and new.iloc[0].seconds == 6.0
    assert set(times[times.notebook != "04_untimed"].gpu) == {"none"}, "older rows are CPU rows, and are kept"
    assert len(times) == 5
    guide = lab_copy["guide"].read_text(encoding="utf-8")
    assert "smoke profile on Test GPU (GPU)" in block(guide, "notebook-times")
    assert "GPU: not measured yet" not in block(guide, "notebook-times")
    assert block(guide, "time-04_untimed") == ("*Run All* on Test GPU (GPU): full profile not measured yet, "
                                               "smoke profile 0.1 min.")


def test_benchmark_times_the_steps_and_the_whole_fit_on_both_paths():
    import keras
    import numpy as np

    x, y = np.zeros((100, 28, 28, 1), np.float32), keras.utils.to_categorical(np.arange(100) % 10, 10)
    from lab_utils.models import build_seed_cnn

    model = build_seed_cnn(filters=(4, 8), dense_units=(16,))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    for lab_path in (False, True):  # model.fit on the arrays, then the lab's input pipeline
        steps, whole = speed.time_fit(model, x, y, 1, batch_size=50, lab_path=lab_path)
        assert 0 < steps <= whole


def test_runs_with_prepared_networks_are_kept_beside_the_others_and_tabled_apart():
    base = dict(notebook="03_x", profile="full", cpu="Test CPU", cores=2, gpu="none")
    rows = [dict(base, seconds=420.0, finished_utc="2026-01-01T00:00:00Z", networks="none"),
            dict(base, seconds=60.0, finished_utc="2026-01-02T00:00:00Z", networks="prepared"),
            dict(base, seconds=66.0, finished_utc="2026-01-03T00:00:00Z", networks="prepared")]
    times = run_notebooks.merge_times(run_notebooks.read_times(ROOT / "does-not-exist.csv"), rows)
    assert sorted(times.seconds) == [60.0, 66.0, 420.0], "every run stays"
    assert "| 03_x | 7.0 | – |" in run_notebooks.readme_markdown(times, ["03_x"]), "prepared runs are tabled apart"
    prepared = run_notebooks.prepared_markdown(times)
    assert "| 03_x | Test CPU (2 cores) | 1.1 | 2026-01-03T00:00:00Z |" in prepared and "| 1.0 |" not in prepared


def test_prepared_needs_a_folder_that_prepare_made(tmp_path):
    with pytest.raises(SystemExit):
        run_notebooks.parse_args(["03", "--prepared", str(tmp_path)])
    (tmp_path / "manifest.json").write_text("{}")
    assert run_notebooks.parse_args(["03", "--prepared", str(tmp_path)]).prepared == tmp_path


def test_the_class_time_table_shows_units_minutes_and_memory_and_names_a_notebook_over_budget():
    rows = [dict(notebook="02_x", profile="full", seconds=400.0, cpu="Test CPU", cores=2, gpu="none",
                 finished_utc="2026-01-01T00:00:00Z", networks="none", precision="float32", units=10.0,
                 unit_seconds=40.0, peak_rss_mb=2048.0),
            dict(notebook="03_y", profile="full", seconds=120.0, cpu="Test CPU", cores=2, gpu="none",
                 finished_utc="2026-01-01T00:00:00Z", networks="none", precision="float32", units=3.0,
                 unit_seconds=40.0, peak_rss_mb=1024.0),
            dict(notebook="03_y", profile="full", seconds=5.0, cpu="Test CPU", cores=2, gpu="none",
                 finished_utc="2026-01-02T00:00:00Z", networks="saved", precision="float32", units=0.1,
                 unit_seconds=40.0, peak_rss_mb=900.0)]
    times = run_notebooks.merge_times(run_notebooks.read_times(ROOT / "does-not-exist.csv"), rows)
    table = run_notebooks.budget_markdown(times, ["02_x", "03_y", "04_z"])
    assert "| 02_x | 10.0 | 6.7 | 26 | 2.0 | float32 | Test CPU (2 cores), 40 s |" in table
    assert "| 03_y | 3.0 | 2.0 | 8 | 1.0 |" in table, "a run that found saved networks is not a class-time run"
    assert "| 04_z | – |" in table and "Over budget: 02_x." in table


def test_the_peak_memory_of_a_process_is_read_from_proc():
    import os

    mb = run_notebooks.peak_memory_mb(os.getpid())
    assert mb is not None and 10 < mb < 24 * 1024, "this test process's own peak resident set, in MB"
    assert run_notebooks.peak_memory_mb(2**22 + 12345) is None, "no such process: no figure"


def test_a_read_only_results_folder_is_reported_in_one_line_not_a_traceback(lab_copy, monkeypatch, capsys):
    monkeypatch.setenv("LAB_PROFILE", "smoke")
    monkeypatch.setattr(run_notebooks, "run", lambda path, timeout: (None, 6.0, 900.0))
    from lab_utils import io

    def read_only(path, text):  # what a read-only checkout's file system answers (as root, chmod would not stop us)
        raise OSError(30, "Read-only file system", str(path))

    monkeypatch.setattr(io, "write_atomic", read_only)
    assert run_notebooks.main(["04", "--profile", "smoke"]) == 1
    err = capsys.readouterr().err
    assert "could not record the notebook's time" in err and "Read-only file system" in err


def test_kernels_of_one_notebook_run_at_once_and_each_records_its_time_and_memory(tmp_path, monkeypatch):
    import nbformat
    import pandas as pd

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nx = bytearray(50_000_000)\nos.getpid()")])
    nbformat.write(nb, notebooks / "00_tiny.ipynb")
    monkeypatch.setattr(run_notebooks, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(run_notebooks, "KERNELS_CSV", tmp_path / "kernels.csv")
    assert run_notebooks.main(["00", "--profile", "smoke", "--kernels", "2"]) == 0
    rows = pd.read_csv(tmp_path / "kernels.csv")
    assert list(rows.kernels) == [1, 2, 2] and list(rows.kernel) == [1, 1, 2]
    assert (rows.peak_rss_mb > 50).all(), "each kernel's peak includes the 50 MB it allocated"
    assert rows.error.isna().all() and (rows.seconds > 0).all()
