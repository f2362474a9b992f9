"""The versions the lab declares are the versions it is tested on: requirements.txt, pyproject.toml, .ci/lowest.txt."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOUND = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(>=|==)\s*([0-9][0-9A-Za-z.]*)")


def versions(lines, operator):
    """{package: version} for the lines of a requirements file that use ``operator``."""
    found = {}
    for line in lines:
        match = BOUND.match(line.split("#")[0])
        if match and match.group(2) == operator:
            found[match.group(1).lower()] = match.group(3)
    return found


OTHERS = "# Pins of libraries the lab does not require itself"  # .ci/lowest.txt: below this line only


def lowest_pins() -> tuple[dict, dict]:
    """The versions .ci/lowest.txt pins: the lab's requirements, and the other libraries pinned below OTHERS."""
    own, _, others = (ROOT / ".ci" / "lowest.txt").read_text().partition(OTHERS)
    return versions(own.splitlines(), "=="), versions(others.splitlines(), "==")


def test_every_lower_bound_is_a_pinned_tested_version():
    bounds = versions((ROOT / "requirements.txt").read_text().splitlines(), ">=")
    pinned, others = lowest_pins()
    assert bounds, "requirements.txt declares no lower bounds; did its format change?"
    assert bounds == pinned, ("requirements.txt's lower bounds and the versions .ci/run tests (.ci/lowest.txt) "
                              f"differ: {set(bounds.items()) ^ set(pinned.items())}")
    assert not set(others) & set(bounds), f"pinned twice in .ci/lowest.txt: {set(others) & set(bounds)}"


def test_the_package_declares_the_same_bounds():
    bounds = versions((ROOT / "requirements.txt").read_text().splitlines(), ">=")
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = versions(dependencies, ">=")
    wrong = {name: version for name, version in declared.items() if bounds.get(name) != version}
    assert not wrong, f"pyproject.toml declares bounds that requirements.txt does not: {wrong}"


def test_the_notebooks_version_check_asks_for_the_declared_minimum():
    from lab_utils.environment import REQUIRED

    bounds = versions((ROOT / "requirements.txt").read_text().splitlines(), ">=")
    for name in ("tensorflow", "keras"):
        assert REQUIRED[name] == tuple(int(part) for part in bounds[name].split(".")[:2]), name


def test_ci_runs_the_suite_at_the_lowest_versions():
    script = (ROOT / ".ci" / "run").read_text()
    assert ".ci/lowest.txt" in script and script.count("pytest --nbval") >= 2
