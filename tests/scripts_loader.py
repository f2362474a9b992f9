"""Load the lab's command-line scripts as modules, so that tests can call their functions."""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative_path: str, name: str | None = None):
    """Return the module of the script at ``relative_path`` (from the repository root), executed once more."""
    path = ROOT / relative_path
    name = name or path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # registered, as dataclasses defined in a script need
    spec.loader.exec_module(module)
    return module
