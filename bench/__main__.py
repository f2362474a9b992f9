"""`python -m bench <command> [options]`: the lab's measuring commands under one name (each is also a script).

    python -m bench                       # list the commands
    python -m bench sweep --dry-run       # the same as: python scripts/sweep.py --dry-run
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "reproduce": ("scripts/reproduce.py", "the published results, over seeds"),
    "fast-recipe": ("scripts/fast_recipe.py", "the fast recipe: search on validation, then report"),
    "sweep": ("scripts/sweep.py", "the five knobs of the published post, three seeds per value"),
    "ladder": ("scripts/ladder.py", "the ablation ladder beyond 99.41%"),
    "prepare": ("scripts/prepare_class.py", "prepare a class: train or verify every network the notebooks load"),
    "notebooks": ("scripts/run_notebooks.py", "run the notebooks and record their Run All times"),
    "epoch-unit": ("scripts/epoch_unit.py", "the unit of class time: one epoch of the published CNN recipe here"),
    "speed": ("benchmarks/speed.py", "plain Keras beside the lab's defaults, steps and whole fits"),
    "fit-tail": ("benchmarks/fit_tail.py", "where a fit's time goes after its last step"),
    "batch-norm-place": ("benchmarks/batch_norm_place.py", "batch normalisation after pooling or after each conv"),
}


def usage() -> str:
    """Return the list of commands, one line each."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {what} ({script})" for name, (script, what) in COMMANDS.items()]
    return "usage: python -m bench <command> [options]   (--help after a command shows its options)\n\n" + "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"python -m bench: unknown command {name!r}.\n\n{usage()}", file=sys.stderr)
        return 2
    script = ROOT / COMMANDS[name][0]
    saved = sys.argv
    sys.argv = [str(script), *rest]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as done:  # the script's own exit status
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
