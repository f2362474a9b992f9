"""The student editions' executions, started in the background when collection ends, so they overlap the unit tests.

Each student edition runs in a Jupyter kernel of its own (a separate process), two at a time. Kernels start with the
environment of the moment collection ended (the root conftest.py's smoke profile), not that of a test that happens to
patch os.environ while they start.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
from scripts_loader import load_script

edition = load_script("scripts/make_student_edition.py")
WORKERS = 2

_pool: ThreadPoolExecutor | None = None
_futures: dict[Path, Future] = {}


def _execute(path: Path, env: dict):
    from nbclient import NotebookClient

    student = edition.make_student_notebook(nbformat.read(path, as_version=4))
    NotebookClient(student, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=env)
    return student


def start(paths) -> None:
    """Start executing the student editions of ``paths`` (those not started yet), WORKERS at a time."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="student-edition")
    env = dict(os.environ)
    for path in paths:
        if path not in _futures:
            _futures[path] = _pool.submit(_execute, path, env)


def result(path: Path):
    """The executed student edition of ``path``; waits for it, and starts it first if nothing has."""
    start([path])
    return _futures[path].result()


def stop() -> None:
    """Cancel the executions not started yet (an interrupted session); the running ones finish."""
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
