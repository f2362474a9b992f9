"""The README stays short and true: its links, times and headline figures agree with the repository and results/.

Plain text checks (no TensorFlow here): the measurement logs live in results/README.md and docs/performance.md, whose
generated blocks the scripts rewrite between their markers.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_README_CHARACTERS = 8_000  # what `wc -m README.md` counts

DOCS = [README, ROOT / "results" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Each generated block, and the one file that holds it now (the scripts write it there).
BLOCK_HOMES = {
    "reproduction": "results/README.md",
    "fast-recipe": "results/README.md",
    "sweeps": "results/README.md",
    "ladder": "results/README.md",
    "notebook-times": "results/README.md",
    "benchmark": "docs/performance.md",
}

# The README's notebook table shows each notebook's class time: its newest budget run (full profile, no saved
# networks, the unit of class time measured beside it), in units.
TIMES_CSV = ROOT / "results" / "notebook_times.csv"

LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:%|×)")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_code_fences(text: str) -> str:
    """Return markdown text without its fenced code blocks (a `# comment` there is no heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def without_code(text: str) -> str:
    """Return markdown text without fenced code blocks and inline code (links there are not links)."""
    return re.sub(r"`[^`\n]*`", "", without_code_fences(text))


def relative_links(path: Path) -> list[str]:
    """Return the link targets in a markdown file that point inside the repository (no scheme, no mailto)."""
    targets = LINK.findall(without_code(read(path)))
    return [t for t in targets if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", t)]


def heading_anchors(path: Path) -> set[str]:
    """Return the anchors GitHub gives a markdown file's headings (lower case, punctuation dropped, spaces to -)."""
    anchors, seen = set(), {}
    for line in without_code_fences(read(path)).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1)).replace("`", "")
        slug = "".join(c for c in title.lower() if c.isalnum() or c in " -_").replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def section(text: str, title: str) -> str:
    """Return the body of the README section ``## title``, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.DOTALL | re.MULTILINE)
    assert match, f"README.md has no '## {title}' section."
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """Return the cells of each body row of the markdown tables in ``text`` (header and --- rows left out)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue
        rows.append(cells)
    return rows[1:] if rows else rows  # the first row is the header


# --- length ---


def test_readme_is_at_most_8000_characters():
    length = len(read(README))
    assert length <= MAX_README_CHARACTERS, (
        f"README.md has {length:,} characters, over {MAX_README_CHARACTERS:,}: move detail to results/README.md "
        f"or docs/ and link to it.")


# --- links ---


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_in_the_repository(doc):
    broken = []
    for target in relative_links(doc):
        file_part = target.split("#", 1)[0]
        if not file_part:
            continue  # an anchor in the same file: the next test
        resolved = (doc.parent / file_part).resolve()
        if not resolved.exists() or not resolved.is_relative_to(ROOT):
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)} links to files that are not in the repository: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_to_a_section_names_a_heading_there(doc):
    broken = []
    for target in relative_links(doc):
        file_part, _, anchor = target.partition("#")
        destination = (doc.parent / file_part).resolve() if file_part else doc
        if anchor and destination.suffix == ".md" and destination.is_file():
            if anchor not in heading_anchors(destination):
                broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)} links to sections that do not exist (renamed heading?): {broken}"


# --- generated blocks ---


@pytest.mark.parametrize("name, home", BLOCK_HOMES.items())
def test_each_generated_block_is_in_its_file_exactly_once(name, home):
    text = read(ROOT / home)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert (text.count(start), text.count(end)) == (1, 1), (
        f"{home} must hold '{start}' and '{end}' once each (the scripts rewrite the block between them); "
        f"found {text.count(start)} and {text.count(end)}.")
    assert text.index(start) < text.index(end), f"In {home}, '{start}' must come before '{end}'."


def test_readme_holds_no_generated_block():
    markers = re.findall(r"<!-- [\w-]+:(?:start|end) -->", read(README))
    assert not markers, (
        f"README.md holds generated-block markers {markers}: their tables live in results/README.md and "
        f"docs/performance.md now.")


# --- the notebook table ---


def newest_class_times_in_units() -> dict[str, str]:
    """Return, per notebook, its newest class-time run in notebook_times.csv, in units as the README prints them."""
    newest = {}
    with TIMES_CSV.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["profile"] == "full" and row.get("networks") == "none" and row.get("units"):
                if row["notebook"] not in newest or row["finished_utc"] > newest[row["notebook"]]["finished_utc"]:
                    newest[row["notebook"]] = row
    return {name: f"{float(row['units']):.1f}" for name, row in newest.items()}


def readme_notebook_times() -> dict[str, str]:
    """Return, per notebook linked in the README's notebook table, the class time (units) in its last column."""
    times = {}
    for cells in table_rows(section(read(README), "The notebooks")):
        match = re.search(r"\(notebooks/([^)]+)\.ipynb\)", cells[0])
        if match:
            times[match.group(1)] = cells[-1]
    return times


def test_readme_notebook_table_lists_every_notebook():
    on_disk = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(readme_notebook_times()) == on_disk, "README.md's notebook table must have one row per notebook."


def test_readme_notebook_times_are_the_newest_class_time_runs():
    expected = newest_class_times_in_units()
    shown = readme_notebook_times()
    wrong = {name: (units, expected.get(name, "not measured")) for name, units in shown.items()
             if units != expected.get(name)}
    assert not wrong, (
        "README.md's class times differ from the newest class-time rows of results/notebook_times.csv "
        f"(notebook: (README, CSV)): {wrong}")


# --- the results table ---


def headline_rows() -> list[tuple[list[str], str]]:
    """Return each row of the README's results table as (its cells but the last, the link in its last cell)."""
    rows = []
    for cells in table_rows(section(read(README), "Results")):
        links = LINK.findall(cells[-1])
        rows.append((cells[:-1], links[0] if links else ""))
    return rows


def figure_in_csv(figure: str, path: Path) -> bool:
    """True if some number in the CSV, printed with the figure's decimals, is the figure."""
    number = figure.rstrip("%×")
    decimals = len(number.partition(".")[2])
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.reader(file):
            for cell in row:
                try:
                    value = float(cell)
                except ValueError:
                    continue
                if f"{value:.{decimals}f}" == number or (figure.endswith("%") and f"{100 * value:.{decimals}f}" == number):
                    return True
    return False


def figure_in_markdown(figure: str, text: str) -> bool:
    """True if the figure stands in the text as a number of its own (× may be written x there)."""
    spellings = {figure, figure.replace("×", "x")}
    return any(re.search(rf"(?<![\d.]){re.escape(spelling)}", text) for spelling in spellings)


def test_results_table_has_at_most_six_rows_each_linked_to_results():
    rows = headline_rows()
    assert 1 <= len(rows) <= 6, f"README.md's results table must have one to six rows, not {len(rows)}."
    unlinked = [cells[0] for cells, link in rows if not link.startswith("results/")]
    assert not unlinked, f"Each results row must link to its evidence under results/; these do not: {unlinked}"


def test_each_headline_figure_is_in_the_file_its_row_links_to():
    missing = []
    for cells, link in headline_rows():
        evidence = ROOT / link.split("#", 1)[0]
        if not evidence.is_file():
            continue  # reported by the link tests
        figures = FIGURE.findall(" ".join(cells))
        for figure in figures:
            found = (figure_in_csv(figure, evidence) if evidence.suffix == ".csv"
                     else figure_in_markdown(figure, read(evidence)))
            if not found:
                missing.append(f"{figure} ({cells[0]}) not in {link}")
    assert not missing, f"README.md's results table shows figures its evidence does not hold: {missing}"


# --- commands ---


def test_every_command_the_readme_names_exists():
    paths = set(re.findall(r"python3? ((?:scripts|benchmarks)/[\w./-]+\.py)", read(README)))
    assert paths, "README.md names no `python scripts/...` command; did the pattern change?"
    missing = sorted(path for path in paths if not (ROOT / path).is_file())
    assert not missing, f"README.md names commands whose files do not exist: {missing}"


def test_each_notebook_header_gives_its_newest_class_time_in_units():
    expected = newest_class_times_in_units()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        header = "".join(json.loads(read(path))["cells"][0]["source"])
        found = re.search(r"\*Class time: (\d+\.\d) units", header)
        assert found, f"{path.name}: the title cell says no '*Class time: N units'"
        assert found.group(1) == expected.get(path.stem), (
            f"{path.name}: class time {found.group(1)} units, but results/notebook_times.csv's newest class-time run "
            f"says {expected.get(path.stem, 'nothing')}")
