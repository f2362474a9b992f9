"""Tests for lab_utils/io.py (atomic writes) and bench/records.py (run ids, run tables, summaries, generated blocks)."""
from __future__ import annotations

import hashlib
import math
import os
import stat

import numpy as np
import pandas as pd
import pytest

from bench import records
from bench.records import (
    append_run,
    read_runs,
    run_id,
    summarize_runs,
    to_markdown,
    update_block,
)
from lab_utils import io as lab_io
from lab_utils.io import write_atomic


def leftovers(folder):
    """Temporary files that write_atomic may have left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


# --------------------------------------------------------------------------- write_atomic


def test_write_str(tmp_path):
    path = tmp_path / "note.txt"
    assert write_atomic(path, "héllo\r\nwörld\n") == path
    assert path.read_bytes() == "héllo\r\nwörld\n".encode("utf-8")  # utf-8, newlines kept as given
    assert leftovers(tmp_path) == []


def test_write_bytes(tmp_path):
    payload = bytes(range(256)) * 3
    write_atomic(tmp_path / "blob.bin", payload)
    assert (tmp_path / "blob.bin").read_bytes() == payload


def test_write_accepts_str_path_and_returns_path(tmp_path):
    result = write_atomic(str(tmp_path / "a.txt"), "x")
    assert result == tmp_path / "a.txt" and (tmp_path / "a.txt").read_text() == "x"


def test_write_empty(tmp_path):
    write_atomic(tmp_path / "empty", b"")
    assert (tmp_path / "empty").read_bytes() == b""


def test_write_creates_parent_folders(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "out.csv"
    write_atomic(path, "a,b\n")
    assert path.read_text() == "a,b\n"
    assert leftovers(path.parent) == []


def test_write_replaces_existing_file(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("old content that is longer than the new one\n")
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_write_keeps_mode_of_existing_file(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_new_file_gets_the_usual_permissions(tmp_path):
    """A temporary file is created 0600; the file written must get the mode open() would give it (0666 less umask)."""
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.csv", "a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    """Run the test under this umask; put the old one back after it."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def readable_by_others(path):
    """Whether group and others may read ``path``: what another account on a shared hub needs."""
    return stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044


def test_a_new_file_honours_the_umask(tmp_path, umask):
    """A new file is readable by other accounts under umask 022 (mkstemp's 0600 was not), and not under 077."""
    write_atomic(tmp_path / "table.csv", "a\n")
    assert readable_by_others(tmp_path / "table.csv") == (umask == 0o022)
    assert stat.S_IMODE((tmp_path / "table.csv").stat().st_mode) == 0o666 & ~umask
    assert os.umask(umask) == umask  # and the umask is left as it was


def test_replacing_gives_the_usual_mode_even_to_a_file_its_writer_made_anew(tmp_path, umask):
    """Every atomic write goes through replacing(): the mode is set there, whatever the writer did to the file."""
    with lab_io.replacing(tmp_path / "model.keras", suffix=".tmp.keras") as tmp:
        os.unlink(tmp)  # as a library that writes its own temporary file and renames it would
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(b"PK")
    assert readable_by_others(tmp_path / "model.keras") == (umask == 0o022)
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_replacing_keeps_the_mode_of_the_file_it_replaces(tmp_path, umask):
    path = tmp_path / "shared.csv"
    path.write_text("old")
    path.chmod(0o664)  # wider than either umask allows: still kept
    with lab_io.replacing(path) as tmp:
        with open(tmp, "w") as handle:
            handle.write("new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o664


def test_many_writes_leave_no_temp_files(tmp_path):
    for i in range(20):
        write_atomic(tmp_path / "f.txt", f"{i}\n")
    assert (tmp_path / "f.txt").read_text() == "19\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


@pytest.mark.parametrize("bad", [None, 3, 1.5, ["a"], bytearray(b"x"), {"a": 1}])
def test_write_rejects_non_str_bytes(tmp_path, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        write_atomic(tmp_path / "x", bad)
    assert list(tmp_path.iterdir()) == []


def test_write_to_a_directory_path(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_atomic(folder, "x")
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_write_under_a_file_fails(tmp_path):
    (tmp_path / "file").write_text("keep")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "file" / "child.txt", "x")
    assert (tmp_path / "file").read_text() == "keep"


def _fail(*args, **kwargs):
    raise OSError("disk full (simulated)")


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_failure_midway_keeps_original_and_no_temp_file(tmp_path, monkeypatch, target):
    path = tmp_path / "runs.csv"
    path.write_text("original\n")
    monkeypatch.setattr(lab_io.os, target, _fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "replacement\n")
    monkeypatch.undo()
    assert path.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]


def test_failure_midway_on_new_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(lab_io.os, "replace", _fail)
    with pytest.raises(OSError):
        write_atomic(tmp_path / "new.csv", b"data")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_interrupt_midway_keeps_original(tmp_path, monkeypatch):
    path = tmp_path / "runs.csv"
    path.write_text("original\n")

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(lab_io.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "replacement\n")
    monkeypatch.undo()
    assert path.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]


def test_unencodable_text_keeps_original(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("original")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "lone surrogate \ud800")
    assert path.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


# --------------------------------------------------------------------------- read_runs and append_run


def test_read_runs_missing_file_is_empty(tmp_path):
    table = read_runs(tmp_path / "nothing.csv")
    assert isinstance(table, pd.DataFrame)
    assert table.empty and len(table.columns) == 0
    assert not (tmp_path / "nothing.csv").exists()


def test_append_run_appends_and_reads_back(tmp_path):
    path = tmp_path / "sub" / "runs.csv"
    first = append_run(path, {"model": "dense", "seed": 0, "test_accuracy": 0.981})
    assert len(first) == 1
    second = append_run(path, {"model": "cnn", "seed": 1, "test_accuracy": 0.9935})
    assert len(second) == 2
    back = read_runs(path)
    assert list(back.columns) == ["model", "seed", "test_accuracy"]
    assert back["model"].tolist() == ["dense", "cnn"]
    assert back["seed"].tolist() == [0, 1]
    assert back["test_accuracy"].tolist() == pytest.approx([0.981, 0.9935])
    pd.testing.assert_frame_equal(back, second, check_dtype=False)
    assert leftovers(path.parent) == []


def test_append_run_with_new_column(tmp_path):
    path = tmp_path / "runs.csv"
    append_run(path, {"model": "dense", "test_accuracy": 0.98})
    append_run(path, {"model": "cnn", "test_accuracy": 0.99, "precision": "mixed_float16"})
    back = read_runs(path)
    assert back.shape == (2, 3)
    assert pd.isna(back.loc[0, "precision"]) and back.loc[1, "precision"] == "mixed_float16"


def test_append_run_keeps_the_rows_already_there_as_written(tmp_path):
    path = tmp_path / "runs.csv"
    append_run(path, {"step": 5, "epochs": 30, "test_accuracy": 0.9961})
    append_run(path, {"step": 6, "epochs": None, "test_accuracy": 0.9968})  # a blank cell: no 30 -> 30.0
    append_run(path, {"step": 7, "epochs": "", "test_accuracy": 0.9969})
    assert path.read_text().splitlines() == ["step,epochs,test_accuracy", "5,30,0.9961", "6,,0.9968", "7,,0.9969"]


def test_append_run_quotes_awkward_text(tmp_path):
    path = tmp_path / "runs.csv"
    append_run(path, {"note": 'a, "quoted"\nvalue', "x": 1})
    assert read_runs(path).loc[0, "note"] == 'a, "quoted"\nvalue'


@pytest.mark.parametrize("bad", [{}, None, [("a", 1)], "a=1"])
def test_append_run_rejects_bad_rows(tmp_path, bad):
    with pytest.raises(ValueError, match="non-empty dict"):
        append_run(tmp_path / "runs.csv", bad)
    assert not (tmp_path / "runs.csv").exists()


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,  # binary noise
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # an image saved under the wrong name
        b"\x00" * 100,  # NUL bytes: pandas would read them as a column name
        b"PK\x03\x04" + b"\x00\x14\x00\x08" * 10,  # a zip file
        b"",  # empty file
        b"\n\n\n",
    ],
    ids=["noise", "png", "nul", "zip", "empty", "blank-lines"],
)
def test_read_runs_garbage_raises_value_error_naming_the_file(tmp_path, content):
    path = tmp_path / "runs.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_runs(path)
    assert str(path) in str(info.value)
    assert "not a readable results table" in str(info.value)
    assert "delete it" in str(info.value)


def test_append_run_refuses_to_overwrite_garbage(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(b"\x00\x01garbage\x00")
    with pytest.raises(ValueError, match="not a readable results table"):
        append_run(path, {"a": 1})
    assert path.read_bytes() == b"\x00\x01garbage\x00"


# --------------------------------------------------------------------------- summarize_runs


@pytest.fixture
def runs():
    return pd.DataFrame(
        {
            "model": ["cnn", "cnn", "dense", "cnn", "dense"],
            "precision": ["fp32", "fp32", "fp32", "fp32", "mixed"],
            "test_accuracy": [0.99, 0.992, 0.98, 0.994, 0.97],
            "train_seconds": [10.0, 12.0, 3.0, 14.0, 5.0],
        }
    )


def test_summarize_runs_numbers(runs):
    summary = summarize_runs(runs, "model")
    assert list(summary.columns) == [
        "model",
        "test_accuracy_mean", "test_accuracy_std", "test_accuracy_count",
        "train_seconds_mean", "train_seconds_std", "train_seconds_count",
    ]
    assert summary["model"].tolist() == ["cnn", "dense"]  # order of first appearance
    cnn = summary.iloc[0]
    assert cnn["test_accuracy_mean"] == pytest.approx(0.992)
    assert cnn["test_accuracy_std"] == pytest.approx(0.002)  # sample standard deviation (ddof=1)
    assert cnn["test_accuracy_count"] == 3
    assert cnn["train_seconds_mean"] == pytest.approx(12.0)
    assert cnn["train_seconds_std"] == pytest.approx(2.0)
    dense = summary.iloc[1]
    assert dense["test_accuracy_mean"] == pytest.approx(0.975)
    assert dense["test_accuracy_std"] == pytest.approx(np.std([0.98, 0.97], ddof=1))
    assert dense["train_seconds_count"] == 2


def test_summarize_runs_several_keys_and_single_run_std(runs):
    summary = summarize_runs(runs, ["model", "precision"], metrics=["test_accuracy"])
    assert list(summary.columns) == ["model", "precision", "test_accuracy_mean", "test_accuracy_std", "test_accuracy_count"]
    assert len(summary) == 3
    dense_mixed = summary[(summary.model == "dense") & (summary.precision == "mixed")].iloc[0]
    assert dense_mixed["test_accuracy_mean"] == pytest.approx(0.97)
    assert dense_mixed["test_accuracy_count"] == 1
    assert math.isnan(dense_mixed["test_accuracy_std"])  # one run: no spread to report


def test_summarize_runs_metric_as_a_string(runs):
    summary = summarize_runs(runs, "model", metrics="train_seconds")
    assert list(summary.columns) == ["model", "train_seconds_mean", "train_seconds_std", "train_seconds_count"]
    assert summary["train_seconds_mean"].tolist() == pytest.approx([12.0, 4.0])


def test_summarize_runs_does_not_modify_its_input(runs):
    before = runs.copy()
    summarize_runs(runs, "model")
    pd.testing.assert_frame_equal(runs, before)


@pytest.mark.parametrize(
    ("by", "metrics", "missing"),
    [("seed", ("test_accuracy",), "seed"), ("model", ("val_accuracy",), "val_accuracy"), (["model", "cpu"], ("train_seconds",), "cpu")],
)
def test_summarize_runs_missing_columns(runs, by, metrics, missing):
    with pytest.raises(ValueError, match=f"lacks columns.*'{missing}'"):
        summarize_runs(runs, by, metrics=metrics)


def test_summarize_runs_empty_table(runs):
    with pytest.raises(ValueError, match="empty"):
        summarize_runs(runs.iloc[0:0], "model")
    with pytest.raises(ValueError, match="empty"):
        summarize_runs(pd.DataFrame(), "model")


# --------------------------------------------------------------------------- update_block


README = "# Title\n\nIntro.\n\n<!-- results:start -->\nold table\n<!-- results:end -->\n\nOutro.\n"


def test_update_block_replaces_only_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    assert update_block(readme, "results", "| a |\n|---|\n| 1 |\n") is True
    assert readme.read_text(encoding="utf-8") == (
        "# Title\n\nIntro.\n\n<!-- results:start -->\n| a |\n|---|\n| 1 |\n<!-- results:end -->\n\nOutro.\n"
    )
    assert leftovers(tmp_path) == []


def test_update_block_unchanged_returns_false_and_does_not_write(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    assert update_block(readme, "results", "new") is True
    os.utime(readme, ns=(1_000_000_000, 1_000_000_000))
    assert update_block(readme, "results", "  new\n\n") is False  # same after strip()
    assert readme.stat().st_mtime_ns == 1_000_000_000


def test_update_block_fills_an_empty_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("A\n<!-- r:start --><!-- r:end -->\nB\n", encoding="utf-8")
    assert update_block(readme, "r", "x") is True
    assert readme.read_text(encoding="utf-8") == "A\n<!-- r:start -->\nx\n<!-- r:end -->\nB\n"


def test_update_block_leaves_other_blocks_alone(tmp_path):
    readme = tmp_path / "README.md"
    text = "<!-- a:start -->\nA\n<!-- a:end -->\n<!-- b:start -->\nB\n<!-- b:end -->\n"
    readme.write_text(text, encoding="utf-8")
    update_block(readme, "b", "new B")
    assert readme.read_text(encoding="utf-8") == "<!-- a:start -->\nA\n<!-- a:end -->\n<!-- b:start -->\nnew B\n<!-- b:end -->\n"


@pytest.mark.parametrize(
    "text",
    [
        "no markers at all\n",
        "<!-- results:start -->\nonly a start\n",
        "only an end\n<!-- results:end -->\n",
        "<!-- results:start -->\n<!-- results:start -->\nx\n<!-- results:end -->\n",
        "<!-- results:start -->\nx\n<!-- results:end -->\n<!-- results:end -->\n",
        "<!-- results:start -->\na\n<!-- results:end -->\n<!-- results:start -->\nb\n<!-- results:end -->\n",
        "<!-- results:end -->\nreversed\n<!-- results:start -->\n",
        "<!-- other:start -->\nx\n<!-- other:end -->\n",
    ],
    ids=["none", "start-only", "end-only", "two-starts", "two-ends", "two-blocks", "reversed", "other-name"],
)
def test_update_block_bad_markers(tmp_path, text):
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        update_block(readme, "results", "new")
    message = str(info.value)
    assert str(readme) in message
    assert "<!-- results:start -->" in message and "<!-- results:end -->" in message
    assert readme.read_text(encoding="utf-8") == text


def test_update_block_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        update_block(tmp_path / "README.md", "results", "x")


# --------------------------------------------------------------------------- to_markdown


def test_to_markdown_renders_header_separator_and_rows():
    table = pd.DataFrame({"model": ["cnn", "dense"], "acc": [0.99, 0.98], "n": [3, 2]})
    assert to_markdown(table) == (
        "| model | acc | n |\n"
        "|---|---|---|\n"
        "| cnn | 0.99 | 3 |\n"
        "| dense | 0.98 | 2 |\n"
    )


def test_to_markdown_ignores_the_index_and_stringifies_column_names():
    table = pd.DataFrame({0: ["x"], "b": [None]}, index=["ignored"])
    assert to_markdown(table) == "| 0 | b |\n|---|---|\n| x | None |\n"


def test_to_markdown_rejects_empty_table():
    with pytest.raises(ValueError, match="empty"):
        to_markdown(pd.DataFrame())
    with pytest.raises(ValueError, match="empty"):
        to_markdown(pd.DataFrame({"a": []}))


def test_markdown_round_trip_into_readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("<!-- t:start -->\n<!-- t:end -->\n", encoding="utf-8")
    markdown = to_markdown(pd.DataFrame({"a": [1]}))
    assert update_block(readme, "t", markdown) is True
    assert update_block(readme, "t", markdown) is False
    assert readme.read_text(encoding="utf-8") == "<!-- t:start -->\n| a |\n|---|\n| 1 |\n<!-- t:end -->\n"


# --------------------------------------------------------------------------- run_id: the one run identity


def test_run_id_is_the_same_for_equal_configs_whatever_their_key_order():
    a = {"filters": [75, 100], "epochs": 3, "context": {"profile": "full", "precision": "float32"}}
    b = {"context": {"precision": "float32", "profile": "full"}, "epochs": 3, "filters": (75, 100)}
    assert run_id(a) == run_id(b) and len(run_id(a)) == 16 and len(run_id(a, 64)) == 64
    assert run_id(a, 12) == run_id(a, 64)[:12]  # a sweep's config id is the start of the same digest


def test_run_id_changes_with_any_value():
    base = {"epochs": 3, "seed": 0, "learning_rate": None}
    assert len({run_id(base), run_id({**base, "epochs": 4}), run_id({**base, "seed": 1}),
                run_id({**base, "learning_rate": 0.001}), run_id({**base, "extra": None})}) == 5


def test_run_id_keeps_the_ids_already_recorded():
    """The digest of a known config, as results/ladder_runs.csv and the sweep cache store them: it must not drift."""
    assert run_id({}) == "44136fa355b3678a"  # sha256("{}")
    assert run_id({"a": [1, 2.5, None, True]}, 64) == hashlib.sha256(b'{"a":[1,2.5,null,true]}').hexdigest()


@pytest.mark.parametrize("config, digits, error, message", [
    ([1, 2], 16, TypeError, "config must be a dict"),
    ({"when": object()}, 16, TypeError, "JSON-ready"),
    ({"rate": float("nan")}, 16, TypeError, "JSON-ready"),
    ({}, 0, ValueError, "digits must be a whole number from 1 to 64"),
    ({}, 65, ValueError, "digits"),
    ({}, True, ValueError, "digits"),
])
def test_run_id_refuses_bad_input(config, digits, error, message):
    with pytest.raises(error, match=message):
        run_id(config, digits)


def test_is_recorded_asks_run_id_of_the_rows_columns(tmp_path):
    path = tmp_path / "runs.csv"
    assert not records.is_recorded(path, seed=0)  # no file yet
    records.append_run(path, {"kind": "fast", "seed": 0, "rate": 0.003, "patience": None, "cpu": "X"})
    records.append_run(path, {"kind": "fast", "seed": 1, "rate": 0.003, "patience": 2, "cpu": "X"})
    assert records.is_recorded(path, kind="fast", seed=0, rate=0.003, patience=None, cpu="X")  # a blank cell is None
    assert records.is_recorded(path, kind="fast", seed=1.0, patience=2)  # 1.0 and 1, as a CSV gives them back
    assert not records.is_recorded(path, kind="fast", seed=0, patience=2)  # each value on one row, not on any
    assert not records.is_recorded(path, kind="fast", seed=2) and not records.is_recorded(path, kind="fast", nope=1)
