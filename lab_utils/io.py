"""Files written atomically: a reader sees the old file or the new one, never half of one."""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


@contextlib.contextmanager
def replacing(path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path`` to write; on success it replaces ``path`` in one rename, else it goes."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give the path of a file to write.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, mode = _create_beside(path, suffix)
    try:
        yield tmp
        os.chmod(tmp, mode)  # again: a writer (Keras) may have made the file anew
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create_beside(path: Path, suffix: str) -> tuple[str, int]:
    """Create an empty file beside ``path`` as open() would (0666 less the umask); return it and ``path``'s mode."""
    # Not mkstemp's 0600, which shuts other accounts out; the umask goes unread (reading it sets it, for all threads).
    kept = stat.S_IMODE(path.stat().st_mode) if path.exists() else None  # replacing keeps the old mode, as open() does
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(8)}{suffix}")  # 64 random bits: no name is drawn twice
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if kept is None else kept | 0o600))
    return tmp, stat.S_IMODE(os.stat(tmp).st_mode) if kept is None else kept


def write_atomic(path, data) -> Path:
    """Write ``data`` (str or bytes) to ``path`` through a temporary file and a rename; return the path."""
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"data must be str or bytes, got {type(data).__name__}.")
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(path)
