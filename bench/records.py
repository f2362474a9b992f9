"""Result tables: per-run records on disk, summaries as mean and spread, README blocks kept in sync."""
from __future__ import annotations

import hashlib
import io
import json
import math
from pathlib import Path

import pandas as pd

from lab_utils.io import write_atomic


def run_id(config: dict, digits: int = 16) -> str:
    """Return the SHA-256 of a JSON-ready config (keys sorted, no spaces), ``digits`` hex digits: the lab's one run id.

    Every "is this run already done?" question asks it: a sweep's config (12 digits) and cache entry (all 64), a
    ladder step's config (16). Equal configs give equal ids on every machine; any change gives another id.
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of JSON-ready values, got {type(config).__name__}.")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 64:
        raise ValueError(f"digits must be a whole number from 1 to 64, got {digits!r}.")
    try:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"config must hold only JSON-ready values (str, numbers, bool, None, lists, dicts): "
                        f"{error}") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:digits]


def read_runs(path) -> pd.DataFrame:
    """Return the runs recorded in a CSV file, or an empty table if there is none yet."""
    return _read_csv(path)


def is_recorded(path, **config) -> bool:
    """Return whether the CSV at ``path`` holds a run whose ``config`` columns give ``run_id(config)``."""
    # The one "already done?" test for the commands whose CSVs keep the config in columns, not as an id.
    runs = read_runs(path)
    if runs.empty or not set(config) <= set(runs.columns):
        return False
    wanted = run_id({key: _plain(value) for key, value in config.items()})
    rows = runs[list(config)].astype(object).to_dict("records")
    return any(run_id({key: _plain(value) for key, value in row.items()}) == wanted for row in rows)


def _plain(value):
    """A value as a CSV cell gives it back: NumPy scalars as Python ones, NaN (a blank cell) as None, 3.0 as 3."""
    value = getattr(value, "item", lambda: value)()
    if isinstance(value, float) and (math.isnan(value) or value.is_integer()):
        return None if math.isnan(value) else int(value)
    return value


def _read_csv(path, **options) -> pd.DataFrame:
    """A results CSV read with pandas ``options``; an empty table when there is no file; a clear error when broken."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame()
    if b"\x00" in path.read_bytes():  # pandas would read NUL bytes as a column name, not fail
        raise ValueError(f"{path} is not a readable results table (it holds binary data); delete it to start over.")
    try:
        return pd.read_csv(path, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a readable results table ({error}); delete it to start over.") from None


def append_run(path, row: dict) -> pd.DataFrame:
    """Add one run to a CSV file atomically (so an interrupted command keeps every finished run); return the table."""
    if not isinstance(row, dict) or not row:
        raise ValueError("row must be a non-empty dict of column -> value.")
    # The rows already there are copied as text: read as numbers, an integer column with one blank cell would turn
    # every 3 into 3.0. Only the new row is formatted, as pandas writes it.
    old = _read_csv(path, dtype=str, keep_default_na=False)
    new = pd.read_csv(io.StringIO(pd.DataFrame([row]).to_csv(index=False)), dtype=str, keep_default_na=False)
    table = pd.concat([old, new], ignore_index=True).fillna("")
    text = table.to_csv(index=False)
    write_atomic(path, text)
    return pd.read_csv(io.StringIO(text))  # the table as read_runs would read it back, without reading the file again


def summarize_runs(runs: pd.DataFrame, by, metrics=("test_accuracy", "train_seconds")) -> pd.DataFrame:
    """Return mean, standard deviation and count of each metric per group of runs."""
    by = [by] if isinstance(by, str) else list(by)
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [c for c in [*by, *metrics] if c not in runs.columns]
    if runs.empty or missing:
        raise ValueError(f"cannot summarize: the table is empty or lacks columns {missing}.")
    summary = runs.groupby(by, sort=False)[metrics].agg(["mean", "std", "count"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    return summary.reset_index()


def update_block(readme, name: str, markdown: str) -> bool:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in a Markdown file; True if changed.

    The commands write their tables into results/README.md and docs/ this way, never into the top-level README.md.
    """
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"{readme} must contain exactly one '{start}' followed by one '{end}'.")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    new = f"{head}{start}\n{markdown.strip()}\n{end}{tail}"
    if new == text:
        return False
    write_atomic(readme, new)
    return True


def to_markdown(table: pd.DataFrame) -> str:
    """Return a DataFrame as a GitHub markdown table (no extra dependency)."""
    if table.empty:
        raise ValueError("cannot render an empty table.")
    out = io.StringIO()
    columns = [str(c) for c in table.columns]
    out.write("| " + " | ".join(columns) + " |\n")
    out.write("|" + "|".join("---" for _ in columns) + "|\n")
    for row in table.itertuples(index=False):
        out.write("| " + " | ".join(str(v) for v in row) + " |\n")
    return out.getvalue()
