"""Write the student edition of every notebook: solutions replaced by stubs, the exercises' outputs cleared.

    python scripts/make_student_edition.py              # writes student/NN_*.ipynb
    python scripts/make_student_edition.py --out DIR
    python scripts/make_student_edition.py --out ../lab-student/notebooks   # to publish it (docs/publishing.md)

In the teacher's notebooks each solution sits between `### BEGIN SOLUTION` and `### END SOLUTION` lines
(nbgrader's convention). In the student edition those lines and everything between them become one
`raise NotImplementedError(...)` that says which exercise it is; code around the markers stays. The part of a
self-check between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` (the exact values an answer must have) is left
out, as nbgrader leaves it out on release; grading runs it. The code reads as the full profile runs it: the branches
for the tests' and the grader's smaller runs are left out (PROFILE_CODE says how), so a student reads no profile talk;
grading restores the teacher's lesson cells with them (scripts/grade.py).

The lesson keeps the committed outputs of the reference run (full profile), each with its execution count: figures,
tables and printed accuracies, so that a student who only reads still sees the real results. Only the outputs that
come from the student's work are cleared, with their execution counts: each solution cell, each self-check cell
(`# Self-check for exercise N`), and each later code cell that reads a name one of those cells binds, or in turn a
name that such a cell binds (an analysis of the cells' code with `ast`, magics read as IPython runs them; see
`cells_to_clear`). A cell that does not parse is cleared too. A markdown cell under the title (id `reference-outputs`)
says that the outputs are the reference run's and that running a cell replaces them. The Colab badge and the
Colab set-up cell open and clone the student edition's branch (`student_branch` in pyproject's [tool.colab_cells])
instead of the solutions' branch. Everything else is unchanged. The student edition is built on demand and is not
committed (student/ is git-ignored).
"""
from __future__ import annotations

import argparse
import ast
import copy
import functools
import re
import shutil
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "scripts"))  # its sibling colab_cells.py, shadowing nothing installed

import colab_cells as colab  # noqa: E402

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SELF_CHECK = re.compile(r"# Self-check for exercise (\d+)\b")  # the first line of each exercise's self-check cell
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*(\n|\Z)",
                          re.MULTILINE | re.DOTALL)  # nbgrader's hidden tests: run when grading, never shown
TEST_MARKER = re.compile(r"^[ \t]*# NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)  # nbval's markers: for the tests, not students
PROFILE_CODE = ("The teacher's notebooks run in three profiles (full, smoke for the tests, grading); the student "
                "edition shows the full profile's code only: `if profile.smoke:` blocks are left out, `if "
                "profile.floors:` and `if not profile.smoke:` blocks are kept without their `if`, and "
                "`profile.choose(full=X, ...)` becomes X.")
NOTE_ID = "reference-outputs"  # the cell id of the note on the outputs, the same in every notebook
NOTE = ("*The outputs below are the reference run's, on all the data. Running a cell replaces its output with\n"
        "yours. The exercises, and any cell that uses your answers, start empty.*")  # wrapped as the lab's prose


def strip_solutions(source: str, exercise: int, where: str) -> str:
    """Return ``source`` with each marked solution replaced by a NotImplementedError stub."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: '{BEGIN}' inside another solution; close the first one.")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("Exercise {exercise}: write your solution here, '
                       f'then run the self-check cell below.")')
        elif marker == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' is never closed by '{END}'.")
    return "\n".join(out)


def strip_profile(source: str, where: str = "a cell") -> str:
    """Return ``source`` as the full profile runs it, without the profile's branches (see PROFILE_CODE)."""
    for step in ("choose", "if"):  # the calls first: a kept block may hold one
        tree = parse_cell(source) if "profile" in source else None
        if tree is None:
            return source
        lines = source.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))

        def offset(line: int, column: int | None = None) -> int:  # ast's columns count UTF-8 bytes; None: line end
            text = lines[line - 1]
            return starts[line - 1] + len(text if column is None else text.encode()[:column].decode("utf-8", "ignore"))

        edits = []  # (start, end, replacement) in characters of source
        for node in ast.walk(tree):
            kind = _profile_test(node.test) if isinstance(node, ast.If) and not node.orelse else None
            if step == "if" and kind == "smoke":  # the quick profiles' sizes: left out
                edits.append((offset(node.lineno, 0), offset(node.end_lineno), ""))
            elif step == "if" and kind == "floors":  # the full profile's floors: kept, one level out
                indent = node.body[0].col_offset - node.col_offset
                body = source[offset(node.body[0].lineno, 0): offset(node.end_lineno)]
                edits.append((offset(node.lineno, 0), offset(node.end_lineno), re.sub(rf"(?m)^ {{{indent}}}", "", body)))
            elif (step == "choose" and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "choose" and getattr(node.func.value, "id", None) == "profile"):
                full = next((k.value for k in node.keywords if k.arg == "full"), None)
                if full is None:
                    raise ValueError(f"{where}: profile.choose(...) without full=, which the student edition shows")
                value = source[offset(full.lineno, full.col_offset): offset(full.end_lineno, full.end_col_offset)]
                edits.append((offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset), value))
        for start, end, text in sorted(edits, reverse=True):
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in edits):  # not nested
                source = source[:start] + text + source[end:]
    return source


def _profile_test(test) -> str | None:
    """Return "smoke" for `profile.smoke`, "floors" for `profile.floors` or `not profile.smoke`, else None."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    test = test.operand if negated else test
    if not (isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name) and test.value.id == "profile"):
        return None
    if (test.attr, negated) == ("smoke", False):
        return "smoke"
    return "floors" if (test.attr, negated) in (("smoke", True), ("floors", False)) else None


def make_student_notebook(nb, notebook: str | None = None, address: colab.Address | None = None, note: bool = True,
                          full: bool = True):
    """Return a copy of notebook ``nb`` with solutions stubbed and the exercises' outputs cleared.

    address: where the student edition lives; its Colab badge and set-up cell then open and clone the notebook
    ``notebook`` (a file name in notebooks/) there.
    note: add the note that the outputs kept are the reference run's (when any are), as a cell under the title; without
    it the cells stay those of ``nb``, one for one.
    full: write the code as the full profile runs it, the profile's branches left out (see PROFILE_CODE); the tests
    keep them (False) to run the edition in the smoke profile.
    """
    student, exercise, cleared = copy.deepcopy(nb), 0, cells_to_clear(nb)
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        cell.source = HIDDEN_TESTS.sub("", TEST_MARKER.sub("", cell.source))
        if full:
            cell.source = strip_profile(cell.source, f"cell {index}")
        if BEGIN in cell.source:
            exercise += 1
            cell.source = strip_solutions(cell.source, exercise, f"cell {index}")
        if index in cleared:
            cell.outputs, cell.execution_count = [], None
    if address is not None:
        point_colab_cells(student, notebook, address)
    if note and any(cell.get("outputs") for cell in student.cells):
        add_note(student)
    return student


def add_note(student) -> None:
    """Insert the note on the outputs into ``student`` (changed in place), under its title cell if it has one."""
    import nbformat

    if any(cell.get("id") == NOTE_ID for cell in student.cells):
        raise ValueError(f"a cell already has the id {NOTE_ID!r}, which the student edition gives its note on the "
                         "outputs; give that cell another id.")
    cell = nbformat.v4.new_markdown_cell(NOTE, id=NOTE_ID)
    if (student.get("nbformat", 4), student.get("nbformat_minor", 0)) < (4, 5):  # cell ids came with nbformat 4.5
        del cell["id"]
    first = student.cells[0] if student.cells else None
    titled = first is not None and first.cell_type == "markdown" and first.source.startswith("# ")
    student.cells.insert(1 if titled else 0, cell)


def point_colab_cells(student, notebook: str, address: colab.Address) -> None:
    """Make the Colab badge and set-up cell of ``student`` (changed in place) open and clone ``address``."""
    stale = set(colab.update_notebook(student, notebook, address)) - {"badge out of date", "set-up cell out of date"}
    if stale:
        raise ValueError(f"its Colab cells are not up to date ({', '.join(sorted(stale))}); "
                         "run `python scripts/colab_cells.py` first.")
    for cell in student.cells:
        if isinstance(cell.source, list):  # colab_cells stores sources as lists of lines, nbformat as strings
            cell.source = "".join(cell.source)


# --- which cells belong to the exercises: the solutions, the self-checks, and the cells that use what they bind ---

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@functools.cache
def _ipython_transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def parse_cell(source: str) -> ast.Module | None:
    """Return a cell's code as IPython runs it (magics become get_ipython() calls), or None if it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of the cell's code (an escape in a string) are not ours
            return ast.parse(_ipython_transformer().transform_cell(source))
    except Exception:  # noqa: BLE001 (a SyntaxError, a null byte, or a cell IPython cannot transform)
        return None


class StatementNames(ast.NodeVisitor):
    """The names one top-level statement of a cell reads, and those it binds or changes in the notebook's namespace.

    reads: the names it loads from the notebook's namespace, in function bodies too (calling the function reads them),
    but not a function's parameters and locals nor a comprehension's variables; and every word of a magic's text
    (IPython substitutes {name} and $name there). binds: the names it binds or deletes there, and those it changes by
    item or attribute (`x[0] = ...`, `x.a = ...`). certain: the names it surely rebinds (the targets of an assignment or
    an import, a def's name), which then no longer hold what they held before.
    """

    def __init__(self, statement: ast.stmt | None = None, comprehension: bool = False):
        self.reads, self.binds, self.globals, self.walrus = set(), set(), set(), set()
        self.top, self.comprehension, self.certain = statement is not None, comprehension, set()
        if statement is not None:
            self.visit(statement)
            self.binds |= self.globals  # a function that declares a name global may bind it
            self.certain = certain_names(statement)

    def scope(self, nodes, own=(), comprehension: bool = False) -> None:
        """Visit ``nodes`` as a scope of their own, whose names are ``own`` and those bound in it."""
        inner = StatementNames(comprehension=comprehension)
        for node in nodes:
            inner.visit(node)
        self.reads |= inner.reads - ((set(own) | inner.binds) - inner.globals)
        self.globals |= inner.globals
        for name in inner.walrus:
            self.bind_outside_comprehension(name)

    def bind_outside_comprehension(self, name: str) -> None:
        (self.walrus if self.comprehension else self.binds).add(name)

    def visit_Name(self, node):
        (self.reads if isinstance(node.ctx, ast.Load) else self.binds).add(node.id)

    def visit_NamedExpr(self, node):  # (x := ...) binds x outside the comprehension it sits in
        self.bind_outside_comprehension(node.target.id)
        self.visit(node.value)

    def visit_AugAssign(self, node):  # x += 1 reads x too
        if isinstance(node.target, ast.Name):
            self.reads.add(node.target.id)
        self.generic_visit(node)

    def changed(self, node):  # x[0] = ... and x.a = ... change x
        base = node
        while isinstance(base, (ast.Attribute, ast.Subscript, ast.Starred)):
            base = base.value
        if self.top and not isinstance(node.ctx, ast.Load) and isinstance(base, ast.Name):
            self.binds.add(base.id)
        self.generic_visit(node)

    visit_Attribute = visit_Subscript = changed

    def definition(self, node):
        if not isinstance(node, ast.Lambda):
            self.binds.add(node.name)
        body = node.body if isinstance(node.body, list) else [node.body]
        for child in ast.iter_child_nodes(node):
            if not any(child is statement for statement in body):
                self.visit(child)  # decorators, defaults, annotations, bases: evaluated where the def stands
        arguments = getattr(node, "args", None)
        parameters = [] if arguments is None else [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                                   *filter(None, [arguments.vararg, arguments.kwarg])]
        self.scope(body, own={parameter.arg for parameter in parameters})

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = definition

    def visit_Global(self, node):
        self.globals.update(node.names)

    def comprehension_scope(self, node):
        first, *rest = node.generators
        self.visit(first.iter)  # the first iterable is evaluated outside
        inside = [first.target, *first.ifs, *[part for g in rest for part in (g.target, g.iter, *g.ifs)]]
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self.scope(inside + elements, comprehension=True)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = comprehension_scope

    def visit_Import(self, node):
        self.binds.update(alias_name(alias) for alias in node.names if alias.name != "*")

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node):
        if node.name:
            self.binds.add(node.name)
        self.generic_visit(node)

    def capture(self, node):  # case [x, *rest] or {**rest}: captures bind
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name:
            self.binds.add(name)
        self.generic_visit(node)

    visit_MatchAs = visit_MatchStar = visit_MatchMapping = capture

    def visit_Call(self, node):  # get_ipython().run_line_magic('time', 'f(answer)') reads answer
        function = node.func
        if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Call)
                and isinstance(function.value.func, ast.Name) and function.value.func.id == "get_ipython"):
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    self.reads.update(IDENTIFIER.findall(argument.value))
        self.generic_visit(node)


def certain_names(statement: ast.stmt) -> set[str]:
    """Return the names that ``statement`` surely rebinds, whatever they held before."""
    if isinstance(statement, ast.Assign):
        return set().union(*map(target_names, statement.targets))
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return target_names(statement.target)
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {alias_name(alias) for alias in statement.names if alias.name != "*"}
    if isinstance(statement, DEFINITIONS):
        return {statement.name}
    return set()  # bound in a branch, a loop or a try, if at all


def target_names(target: ast.expr) -> set[str]:
    """Return the names an assignment to ``target`` rebinds (`a, *b = ...`: a and b; `x[0] = ...`: none)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*map(target_names, target.elts))
    return target_names(target.value) if isinstance(target, ast.Starred) else set()


def alias_name(alias: ast.alias) -> str:
    """Return the name an import binds (`import a.b`: a; `import a.b as c`: c)."""
    return alias.asname or alias.name.split(".")[0]


def cells_to_clear(nb) -> dict[int, str]:
    """Return {cell index: why} for the code cells of ``nb`` whose outputs belong to the exercises.

    Those are each solution cell and each self-check cell (the student's code, or code run on it: every name they bind
    holds the student's value), and each later cell with a statement that reads such a name, or calls a function that
    reads one; what that statement binds or changes then holds the student's value too. A statement that surely
    rebinds a name without reading any of them frees the name again. A cell that does not parse is cleared as well.
    """
    answers: set[str] = set()  # the names that hold the student's values
    deferred: dict[str, set[str]] = {}  # functions, and what is built from them: the names they read when called
    cleared = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell.source)
        exercise = ("an exercise's solution" if BEGIN in cell.source
                    else "a self-check" if SELF_CHECK.match(cell.source.lstrip()) else None)
        used = set()
        for statement in tree.body if tree is not None else []:
            names = StatementNames(statement)
            reads, todo = set(), list(names.reads)
            while todo:  # a call reads what the function reads, and so on
                name = todo.pop()
                if name not in reads:
                    reads.add(name)
                    todo.extend(deferred.get(name, ()))
            used |= reads & answers
            if exercise or reads & answers:
                answers |= names.binds
            else:
                answers -= names.certain
            for name in names.certain:
                deferred.pop(name, None)
            if (isinstance(statement, DEFINITIONS) or isinstance(getattr(statement, "value", None), ast.Lambda)
                    or any(name in deferred for name in names.reads)):  # what it binds may be called later
                for name in names.binds:
                    deferred.setdefault(name, set()).update(reads)
        if exercise or used or tree is None:
            cleared[index] = exercise or ("it does not parse" if tree is None
                                          else f"it reads {', '.join(sorted(used))} (from the exercises)")
    return cleared


# --- the command: the student edition of every notebook, written to --out ---

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    address = colab.read_address(student=True)
    import nbformat

    from lab_utils import io

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        teacher = nbformat.read(path, as_version=4)
        try:
            student = make_student_notebook(teacher, path.name, address)
        except ValueError as error:
            raise SystemExit(f"{path.name}: {error}") from None
        nbformat.validate(student)
        io.write_atomic(args.out / path.name, nbformat.writes(student) + "\n")
        kept = sum(bool(cell.get("outputs")) for cell in student.cells)
        print(f"wrote {args.out / path.name}: {kept} code cells keep the reference outputs, "
              f"{len(cells_to_clear(teacher))} exercise cells are cleared")
    samples = ROOT / "notebooks" / "samples"
    if samples.is_dir():  # notebook 06 opens its sample images by the relative path samples/
        shutil.copytree(samples, args.out / "samples", dirs_exist_ok=True)
        print(f"copied {samples.relative_to(ROOT)}/ to {args.out / 'samples'}")
    print(f"The badges and Colab set-up cells open branch {address.branch!r} of {address.url}: publish the student "
          "edition there (docs/publishing.md).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
