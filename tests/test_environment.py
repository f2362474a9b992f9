"""lab_utils.environment: the quiet TensorFlow import and the version checks."""

import pytest

from lab_utils import environment


def test_check_versions_reports_what_matters_here():
    found = environment.check_versions()
    assert set(found) == set(environment.REQUIRED)
    assert all(isinstance(version, str) and version[0].isdigit() for version in found.values())


def test_check_versions_names_the_library_to_upgrade(monkeypatch):
    monkeypatch.setitem(environment.REQUIRED, "keras", (99, 0))
    with pytest.raises(RuntimeError, match=r"keras >= 99\.0, found 3\..*pip install -r requirements\.txt"):
        environment.check_versions()


@pytest.mark.parametrize("text, expected", [("2.21.0", (2, 21)), ("3.15.1", (3, 15)), ("2.16.0rc1", (2, 16)),
                                            ("3.11.7+local", (3, 11)), ("3", (3,))])
def test_version_numbers_compare_by_major_and_minor(text, expected):
    assert environment._version_tuple(text) == expected
