"""The fast recipe: the seed CNN's layers, trained to >= 99.40% in at most 30% of the published recipe's time.

    python scripts/fast_recipe.py --search             # 1. choose: candidates on a validation split (test untouched)
    python scripts/fast_recipe.py                      # 2. report: plain published recipe once, fast recipe seeds 0 1 2
    LAB_PROFILE=smoke python scripts/fast_recipe.py    # seconds: proves the command runs, writes under artifacts/

--search trains each candidate on the first 50,000 training images and scores it on the last 10,000 (a validation
split), so the choice never looks at the test set. The report then trains the chosen recipe (lab_utils.FAST_RECIPE) on
all 60,000 images for each seed, next to one run of the plain published recipe (float32, 10 epochs, batch 200,
validation_split 0.2) on the same machine, and writes results/fast_recipe_runs.csv, results/fast_recipe.md and the
README's table. Finished runs are kept in the CSVs, so an interrupted command resumes where it stopped.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_README = ROOT / "results" / "README.md"  # the generated tables live there, not in README.md
sys.path.insert(0, str(ROOT))  # so the command also works before `pip install -e .`

import lab_utils as lab  # noqa: E402
from bench import machine, published, records  # noqa: E402
from bench.machine import utc_timestamp  # noqa: E402
from lab_utils import io, precision, profiles, training  # noqa: E402

BUDGET = 0.30  # the fast recipe may take at most this share of the plain recipe's training time
TARGET = 0.9940
VALIDATION_SIZE = 10_000

# Candidates tried by --search, in the order they were tried; each changes the recipe's free settings only.
# A candidate is a recipe and the seed CNN's dropout (its layers stay the published ones).
DROPOUT = {"conv_dropout": 0.2, "dense_dropout": 0.5}  # the published rates
START = dataclasses.replace(training.FAST_RECIPE, label_smoothing=0.0)  # what the search started from
CANDIDATES = {
    "3 epochs, batch 128, peak lr 3e-3": (START, DROPOUT),
    "3 epochs, + weight averaging (EMA)": (dataclasses.replace(START, use_ema=True), DROPOUT),
    "3 epochs, lighter dropout 0.1/0.3": (START, {"conv_dropout": 0.1, "dense_dropout": 0.3}),
    "3 epochs, batch 64, peak lr 2e-3": (dataclasses.replace(START, batch_size=64, learning_rate=2e-3), DROPOUT),
    "4 epochs, batch 128, peak lr 3e-3": (dataclasses.replace(START, epochs=4), DROPOUT),
    "3 epochs, label smoothing 0.1": (dataclasses.replace(START, label_smoothing=0.1), DROPOUT),
}


def recorded_fields(recipe, dropout) -> dict:
    """The columns results/fast_recipe_*.csv record for a recipe (their names since the first search)."""
    return {"name": recipe.name, "epochs": recipe.epochs, "batch_size": recipe.batch_size,
            "peak_learning_rate": recipe.learning_rate, "warmup_fraction": recipe.warmup_fraction,
            "label_smoothing": recipe.label_smoothing, "use_ema": recipe.use_ema,
            "validation_split": recipe.validation_split, **dropout}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--search", action="store_true", help="score the candidate recipes on a validation split")
    parser.add_argument("--candidates", nargs="+", help="only these candidates (names as listed by --list)")
    parser.add_argument("--list", action="store_true", help="list the candidates and exit")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--no-plain", action="store_true", help="skip the plain published-recipe reference run")
    parser.add_argument("--summarize-only", action="store_true")
    parser.add_argument("--again", action="store_true",
                        help="measure again as a new session (the plain run and every seed), even if runs are recorded; "
                             "the table shows the newest session and lists the earlier ones")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("seeds must be non-negative integers")
    unknown = sorted(set(args.candidates or []) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown candidates {unknown}; use --list to see them")
    return args


def load_data(profile):
    (x_train, y_train), (x_test, y_test) = lab.load_mnist()
    x_train, y_train = profile.subset(x_train, y_train, "train")
    x_test, y_test = profile.subset(x_test, y_test, "test")
    return (lab.prepare_images(x_train), lab.one_hot(y_train), lab.prepare_images(x_test), lab.one_hot(y_test))


SESSION = utc_timestamp()  # this invocation's start


PLAIN_INPUT = "NumPy arrays (Keras's autotuned tf.data)"  # the plain recipe: model.fit(x, y, validation_split=0.2)
FAST_INPUT = "lab.input_pipeline"  # a recorded value: train_fast's tf.data, autotuning off (benchmarks/fit_tail.py)


def _row(kind, name, seed, recipe_fields, run, choice, profile, score_name):
    return {
        "session": SESSION,
        "kind": kind,
        "recipe": name,
        "seed": seed,
        **recipe_fields,
        "input_path": PLAIN_INPUT if kind == "plain" else FAST_INPUT,
        "precision": choice.policy,
        "profile": profile.name,
        "epochs_run": len(run.epoch_seconds),
        score_name: round(run.test_accuracy, 6),
        "train_seconds": round(run.train_seconds, 1),
        "seconds_per_epoch": round(sum(run.epoch_seconds) / len(run.epoch_seconds), 2),
        **machine.machine_info(),
        "finished_utc": utc_timestamp(),
    }


def train_fast_recipe(recipe, dropout, seed, x_train, y_train, x_eval, y_eval, profile):
    import keras

    keras.backend.clear_session()
    choice = precision.use_best_precision()
    lab.set_seed(seed)
    run = training.fit(lab.build_seed_cnn(**dropout), recipe, x_train, y_train, x_test=x_eval, y_test=y_eval,
                       epochs=profile.epochs(recipe.epochs), verbose=2)
    return run, choice


def search(args, profile, out):
    x_train, y_train, _, _ = load_data(profile)
    split = len(x_train) - (VALIDATION_SIZE if profile.name == "full" else len(x_train) // 5)
    x_fit, y_fit, x_val, y_val = x_train[:split], y_train[:split], x_train[split:], y_train[split:]
    for name in args.candidates or CANDIDATES:
        recipe, dropout = CANDIDATES[name]
        for seed in args.seeds:
            if records.is_recorded(out, recipe=name, seed=seed, cpu=machine.current_cpu()):
                print(f"skip {name!r} seed {seed}: already in {out}")
                continue
            print(f"\n== candidate {name!r} | seed {seed} | train {len(x_fit):,} / validate {len(x_val):,}", flush=True)
            run, choice = train_fast_recipe(recipe, dropout, seed, x_fit, y_fit, x_val, y_val, profile)
            print(f"   validation accuracy {run.test_accuracy:.4f} in {run.train_seconds:.0f} s", flush=True)
            records.append_run(out, _row("candidate", name, seed, recorded_fields(recipe, dropout), run, choice,
                                                  profile, "val_accuracy"))


def report(args, profile, out):
    x_train, y_train, x_test, y_test = load_data(profile)
    if not args.no_plain and (args.again or not records.is_recorded(out, kind="plain", cpu=machine.current_cpu())):
        import keras

        keras.backend.clear_session()
        choice = precision.use_best_precision(force_float32=True)
        lab.set_seed(0)
        print("\n== plain published recipe (float32, 10 epochs, batch 200, validation_split 0.2) | seed 0", flush=True)
        recipe = published.SEED_CNN_RECIPE
        run = training.fit(lab.build_seed_cnn(), recipe, x_train, y_train, x_test=x_test, y_test=y_test,
                           epochs=profile.epochs(recipe.epochs), verbose=2)
        fields = {"epochs": recipe.epochs, "batch_size": recipe.batch_size, "validation_split": recipe.validation_split}
        records.append_run(out, _row("plain", "published recipe, plain Keras float32", 0, fields, run, choice, profile,
                                 "test_accuracy"))
    recipe = training.FAST_RECIPE
    for seed in args.seeds:
        if not args.again and records.is_recorded(out, kind="fast", seed=seed, cpu=machine.current_cpu(),
                                    **_recipe_match(recipe, DROPOUT)):
            print(f"skip fast recipe seed {seed}: already in {out}")
            continue
        print(f"\n== fast recipe {recipe} | seed {seed}", flush=True)
        run, choice = train_fast_recipe(recipe, DROPOUT, seed, x_train, y_train, x_test, y_test, profile)
        print(f"   test accuracy {run.test_accuracy:.4f} in {run.train_seconds:.0f} s", flush=True)
        records.append_run(out, _row("fast", "lab_utils.FAST_RECIPE", seed, recorded_fields(recipe, DROPOUT), run, choice,
                                 profile, "test_accuracy"))


def _recipe_match(recipe, dropout) -> dict:
    fields = recorded_fields(recipe, dropout)
    fields.pop("name")
    return fields


def _sessions(group, recipe):
    """The (session, plain rows, fast rows) of one CPU, oldest first; rows from before sessions were recorded share one."""
    group = group.copy()
    group["session"] = group["session"].fillna("before sessions were recorded") if "session" in group else \
        "before sessions were recorded"
    fast_all = group[group.kind == "fast"]
    for column, value in _recipe_match(recipe, DROPOUT).items():
        fast_all = fast_all[fast_all[column] == value]
    sessions = []
    for session in sorted(fast_all.session.unique(), key=lambda s: (s[0].isdigit(), s)):
        plain = group[(group.kind == "plain") & (group.session == session)]
        if plain.empty:  # a session without its own plain run compares with the newest plain run before it
            plain = group[group.kind == "plain"]
        sessions.append((session, plain, fast_all[fast_all.session == session]))
    return sessions


def _input_path(rows) -> str:
    """How a session's fast runs were fed; rows from before the column existed were fed NumPy arrays."""
    if "input_path" not in rows or rows.input_path.isna().all():
        return "NumPy arrays"
    return ", ".join(sorted(rows.input_path.dropna().astype(str).unique()))


def summary_markdown(runs, recipe) -> str:
    import pandas as pd

    lines = []
    for cpu, group in runs.groupby("cpu", sort=False):
        sessions = [s for s in _sessions(group, recipe) if not s[1].empty]
        if not sessions:
            continue
        session, plain, fast = sessions[-1]
        plain_seconds = plain.train_seconds.iloc[-1]
        rows = [{"run": "plain published recipe (float32, 10 epochs, batch 200)", "seed": int(plain.seed.iloc[-1]),
                 "precision": plain.precision.iloc[-1], "test accuracy": f"{plain.test_accuracy.iloc[-1]:.2%}",
                 "training time (s)": f"{plain_seconds:.0f}", "share of plain time": "100%"}]
        for r in fast.itertuples(index=False):
            rows.append({"run": "fast recipe", "seed": int(r.seed), "precision": r.precision,
                         "test accuracy": f"{r.test_accuracy:.2%}", "training time (s)": f"{r.train_seconds:.0f}",
                         "share of plain time": f"{r.train_seconds / plain_seconds:.0%}"})
        mean = fast.test_accuracy.mean()
        std = fast.test_accuracy.std() if len(fast) > 1 else 0.0
        rows.append({"run": f"**fast recipe, mean of {len(fast)} seeds**", "seed": "", "precision": "",
                     "test accuracy": f"**{mean:.2%} ± {std:.2%}**",
                     "training time (s)": f"**{fast.train_seconds.mean():.0f}**",
                     "share of plain time": f"**{fast.train_seconds.mean() / plain_seconds:.0%}** "
                                            f"(max {fast.train_seconds.max() / plain_seconds:.0%})"})
        verdict = ("meets" if mean >= TARGET and fast.train_seconds.max() <= BUDGET * plain_seconds else "misses")
        when = f", session {session}" if session[:1].isdigit() else ""
        text = (f"On {cpu} ({int(group.cores.iloc[-1])} cores){when}:\n\n"
                + records.to_markdown(pd.DataFrame(rows))
                + f"\nThe fast recipe {verdict} the target{' in this session' if when else ''}: mean test accuracy ≥ {TARGET:.2%} with "
                  f"every run in at most {BUDGET:.0%} of the plain recipe's training time.\n")
        for old, old_plain, old_fast in sessions[:-1]:
            share = old_fast.train_seconds / old_plain.train_seconds.iloc[-1]
            fed = _input_path(old_fast)
            text += (f"\nEarlier session on this CPU ({old}): {old_fast.test_accuracy.mean():.2%} mean test accuracy "
                     f"over {len(old_fast)} seeds, runs at {share.min():.0%} to {share.max():.0%} of that session's "
                     f"plain run ({old_plain.train_seconds.iloc[-1]:.0f} s)"
                     f"{'' if fed == _input_path(fast) else f'; the fast recipe was fed {fed}'}.\n")
        lines.append(text)
    if not lines:
        return "No machine has both a plain and a fast-recipe run yet.\n"
    r = recipe
    return ("\n".join(lines)
            + f"\nFast recipe (`lab_utils.training.FAST_RECIPE`): the seed CNN's layers, {r.epochs} epochs over all 60,000 images "
              f"(no validation holdout), batch {r.batch_size}, Adam with a one-cycle learning rate (warm-up over "
              f"{r.warmup_fraction:.0%} of the steps to {r.learning_rate:g}, then cosine decay to 0), dropout "
              f"{DROPOUT['conv_dropout']:g}/{DROPOUT['dense_dropout']:g}, label smoothing {r.label_smoothing:g}, weight averaging "
              f"{'on' if r.use_ema else 'off'}, the lab's automatic precision, fed by `lab_utils.training.input_pipeline` (tf.data, "
              "autotuning off). Command: `python scripts/fast_recipe.py`; "
              "how it was chosen: `python scripts/fast_recipe.py --search` (results/fast_recipe_search.csv).\n")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, (recipe, dropout) in CANDIDATES.items():
            print(f"{name}: {recipe}, dropout {dropout['conv_dropout']:g}/{dropout['dense_dropout']:g}")
        return 0
    profile = profiles.get_profile()
    folder = ROOT / ("results" if profile.name == "full" else "artifacts/smoke")
    if args.search:
        search(args, profile, folder / "fast_recipe_search.csv")
        return 0
    out = folder / "fast_recipe_runs.csv"
    if not args.summarize_only:
        report(args, profile, out)
    runs = records.read_runs(out)
    if runs.empty:
        print(f"No runs recorded in {out} yet.")
        return 0
    markdown = summary_markdown(runs, training.FAST_RECIPE)
    print("\n" + markdown)
    if profile.name == "full":
        io.write_atomic(ROOT / "results" / "fast_recipe.md", "# The fast recipe\n\n" + markdown)
        records.update_block(RESULTS_README, "fast-recipe", markdown)
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
