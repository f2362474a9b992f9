"""Give every notebook an 'Open in Colab' badge and a set-up cell that acts only on Colab.

    python scripts/colab_cells.py              # update notebooks/NN_*.ipynb in place
    python scripts/colab_cells.py --check      # change nothing; exit 1 naming each notebook that is out of date
    python scripts/colab_cells.py PATH ...     # just these notebooks

The address comes from one place: `[project.urls] Repository` in pyproject.toml, with the branch in
`[tool.colab_cells]` (and `student_branch` there, the branch that holds the student edition: the badges and set-up cells
of scripts/make_student_edition.py's notebooks point to it). A fork changes it there and runs this script. The badge
goes right under the notebook's title (or, when the first cell is no title, into a first cell of its own, id
`colab-badge`). The set-up cell (id `colab-setup`) goes just before the cell that imports lab_utils: on Colab it clones
the lab, installs it with pip (which keeps every library already installed, Colab's TensorFlow included, when it meets
the lab's lower bounds), makes it importable at once and changes into its notebooks/ folder; anywhere else it does
nothing and prints nothing. Running the script again changes nothing. Everything else in a notebook stays byte for
byte as it was.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10; pytest brings tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_RE = re.compile(r"\[!\[[^\]]*\]\(" + re.escape(BADGE_IMAGE) + r"\)\]\([^)\s]*\)")
IMPORTS_LAB = re.compile(r"^\s*(import|from)\s+lab_utils\b", re.MULTILINE)

SETUP_TEMPLATE = '''\
# Colab only: fetch the lab and install what Colab lacks (Colab's own TensorFlow stays).
# Anywhere else this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    lab_dir = "/content/{name}"
    if not os.path.isdir(lab_dir):
        !git clone --quiet --depth 1 --branch {branch} {url} {{lab_dir}}
    # pip adds the lab and any library Colab lacks, and keeps the installed ones, TensorFlow included
    %pip install --quiet -e {{lab_dir}}
    sys.path.insert(0, lab_dir)  # importable now, without restarting the runtime
    os.chdir(f"{{lab_dir}}/notebooks")  # so the notebooks' relative paths work'''


@dataclass(frozen=True)
class Address:
    """Where the lab lives on GitHub."""

    owner: str
    name: str
    branch: str

    @property
    def url(self) -> str:
        return f"https://github.com/{self.owner}/{self.name}"

    def colab_link(self, notebook: str) -> str:
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.branch}/notebooks/{notebook}"


def read_address(pyproject=ROOT / "pyproject.toml", student: bool = False) -> Address:
    """Return the lab's GitHub address from pyproject.toml ([project.urls] Repository, [tool.colab_cells] branch).

    student: the address of the student edition instead ([tool.colab_cells] student_branch).
    """
    with open(pyproject, "rb") as handle:
        config = tomllib.load(handle)
    url = config.get("project", {}).get("urls", {}).get("Repository")
    if not url:
        raise SystemExit(f"{pyproject}: set the lab's address as Repository under [project.urls].")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(\.git)?/?", url)
    if not match:
        raise SystemExit(f"{pyproject}: Repository = {url!r} is no https://github.com/OWNER/NAME address, "
                         "and Colab opens notebooks from GitHub only.")
    table = config.get("tool", {}).get("colab_cells", {})
    branch = table.get("branch", "main")
    if student:
        if table.get("student_branch", branch) == branch:
            raise SystemExit(f"{pyproject}: set student_branch under [tool.colab_cells] to the branch that holds the "
                             f"student edition (not {branch!r}, the solutions' branch).")
        branch = table["student_branch"]
    return Address(match[1], match[2], branch)


def badge(address: Address, notebook: str) -> str:
    """Return the markdown of the 'Open in Colab' badge for ``notebook`` (a file name in notebooks/)."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({address.colab_link(notebook)})"


def setup_source(address: Address) -> str:
    """Return the source of the Colab set-up cell."""
    return SETUP_TEMPLATE.format(name=address.name, branch=address.branch, url=address.url)


def _text(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _set_text(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)  # how nbformat stores a source


def update_notebook(nb: dict, notebook: str, address: Address) -> list[str]:
    """Bring the badge and the set-up cell of notebook ``nb`` (its JSON, changed in place) up to date; return what changed."""
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        raise ValueError("needs nbformat 4.5 or later (cell ids); open and save it in JupyterLab 4 first")
    cells, changes = nb["cells"], []

    # The badge: under the title of the first cell, or in a first cell of its own.
    wanted = badge(address, notebook)
    first = cells[0] if cells else None
    if first and first["cell_type"] == "markdown" and (BADGE_RE.search(_text(first)) or first.get("id") == BADGE_ID):
        text = BADGE_RE.sub(lambda _: wanted, _text(first)) if BADGE_RE.search(_text(first)) else wanted
        if text != _text(first):
            _set_text(first, text)
            changes.append("badge out of date")
    elif first and first["cell_type"] == "markdown" and _text(first).startswith("# "):
        title, _, rest = _text(first).partition("\n")
        rest = rest.lstrip("\n")
        _set_text(first, f"{title}\n\n{wanted}" + (f"\n\n{rest}" if rest else ""))
        changes.append("badge missing")
    else:
        cells.insert(0, {"cell_type": "markdown", "id": BADGE_ID, "metadata": {}, "source": []})
        _set_text(cells[0], wanted)
        changes.append("badge missing")

    # The set-up cell: just before the cell that imports lab_utils (else before the first code cell).
    at = next((i for i, cell in enumerate(cells) if cell.get("id") == SETUP_ID), None)
    others = [cell for i, cell in enumerate(cells) if i != at]
    code = [i for i, cell in enumerate(others) if cell["cell_type"] == "code"]
    target = next((i for i in code if IMPORTS_LAB.search(_text(others[i]))), code[0] if code else len(others))
    if at is None or cells[at]["cell_type"] != "code":
        cell = {"cell_type": "code", "execution_count": None, "id": SETUP_ID, "metadata": {}, "outputs": [],
                "source": []}
        changes.append("set-up cell missing")
    else:
        cell = cells[at]
        if at != target:
            changes.append("set-up cell misplaced")
    if _text(cell) != setup_source(address):
        if "set-up cell missing" not in changes:
            changes.append("set-up cell out of date")
        _set_text(cell, setup_source(address))
    if cell["outputs"]:
        cell["outputs"] = []
        changes.append("set-up cell has outputs")
    others.insert(target, cell)
    nb["cells"] = others
    return changes


def dumps(nb: dict) -> str:
    """Return notebook ``nb`` as text, formatted exactly as Jupyter (nbformat) writes it."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (lab_utils.io.write_atomic)."""
    # lab_utils/io.py on its own: importing the lab_utils package would start TensorFlow, which this script never needs.
    spec = importlib.util.spec_from_file_location("_lab_utils_io", ROOT / "lab_utils" / "io.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_atomic(path, text)


def process(path: Path, address: Address, check: bool = False) -> list[str]:
    """Update the notebook at ``path`` (unless ``check``); return what was, or would be, changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    try:
        changes = update_notebook(nb, path.name, address)
    except ValueError as error:
        raise SystemExit(f"{path}: {error}") from None
    if changes and not check:
        write_atomic(path, dumps(nb))
    return changes


def notebook_arguments(description: str, argv=None) -> tuple[list[Path], bool]:
    """Parse what the scripts that update notebooks in place share: ``[PATH ...] [--check]``; return (paths, check)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook is out of date")
    args = parser.parse_args(argv)
    return args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), args.check


def main(argv=None) -> int:
    paths, check = notebook_arguments(__doc__, argv)
    address = read_address()
    stale = 0
    for path in paths:
        changes = process(path, address, check=check)
        if changes:
            stale += 1
            print(f"{path}: {', '.join(changes)}" + ("" if check else " (updated)"))
    if check and stale:
        print(f"{stale} notebook(s) out of date with {address.url} (branch {address.branch}); "
              "run `python scripts/colab_cells.py`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
