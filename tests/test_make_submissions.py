"""scripts/make_submissions.py: a class of generated submissions, each answer the solution, the stub or a mistake."""
import csv
import subprocess
import sys
from pathlib import Path

import nbformat
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]
maker = load_script("scripts/make_submissions.py")


def teacher():
    cells = [nbformat.v4.new_code_cell("x = 1")]
    for number in (1, 2):
        answer = nbformat.v4.new_code_cell(f"y = 0\n### BEGIN SOLUTION\nanswer_{number} = {number}\n### END SOLUTION")
        answer.outputs = [nbformat.v4.new_output("stream", text="the teacher's run\n")]
        cells += [answer, nbformat.v4.new_code_cell(f"# Self-check for exercise {number}\nassert answer_{number}")]
    return nbformat.v4.new_notebook(cells=cells)


def test_each_answer_is_the_solution_the_stub_or_a_catalogued_mistake_as_the_key_says():
    nb, wrong = teacher(), {1: {"off by one": "answer_1 = 2"}}
    made = maker.make_class(nb, wrong, students=40, seed=3)
    assert [student for student, *_ in made][:2] == ["student-01", "student-02"] and len(made) == 40
    seen = set()
    for _, submission, key in made:
        for number, index in ((1, 1), (2, 3)):
            source, answer = submission.cells[index].source, key[number]
            seen.add(answer)
            if answer == "solution":
                assert source == nb.cells[index].source
            elif answer == "stub":
                assert f'raise NotImplementedError("Exercise {number}:' in source and "answer_" not in source
            else:
                assert answer == "wrong: off by one" and number == 1 and source == "answer_1 = 2"
            assert submission.cells[index].outputs == []
        assert submission.cells[2].source == nb.cells[2].source  # the self-checks are the teacher's
    assert seen == {"solution", "stub", "wrong: off by one"}  # exercise 2 has no mistakes catalogued: stubs instead
    again = maker.make_class(nb, wrong, students=40, seed=3)
    assert [key for *_, key in again] == [key for *_, key in made]


def test_the_command_writes_the_notebooks_and_the_key_and_refuses_an_existing_folder(tmp_path):
    out = tmp_path / "class-04"
    command = [sys.executable, str(ROOT / "scripts" / "make_submissions.py"),
               str(ROOT / "notebooks" / "04_experiments.ipynb"), "--out", str(out), "--students", "3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["student-01.ipynb", "student-02.ipynb", "student-03.ipynb"]
    with open(tmp_path / "class-04-key.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 8 and {row["exercise"] for row in rows} == {str(n) for n in range(1, 9)}
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "exists already" in again.stderr
