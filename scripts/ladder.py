"""The ablation ladder (notebook 05): from the seed CNN to an ensemble, one idea per step, chosen on a validation split.

    python scripts/ladder.py --dry-run            # the plan, its estimated time and the budget check; trains nothing
    python scripts/ladder.py                      # full profile: every step; results/ladder_runs.csv, ladder.md, README
    LAB_PROFILE=smoke python scripts/ladder.py    # seconds: proves the command runs, writes under artifacts/smoke/

Every model trains on the first 55,000 training images; the last 5,000 are the validation split that early stopping
and every choice use. The test set is only reported. The steps are bench.improved.LADDER: a constant learning
rate, + one-cycle (the lab's fast recipe), + batch normalisation, + augmentation, a deeper network, + longer training
with early stopping, + an ensemble of the longer step's models (softmax outputs averaged), + the same ensemble with
test-time augmentation (also averaged over one-pixel shifts of each image); validation chooses between the two.
The last step is the final single network: the longer step's network and recipe, seed 0, trained once more on all
60,000 training images (the validation images too), as one trains a network to keep once every choice is made.

Each finished model is a row of the runs CSV at once, so an interrupted command resumes where it stopped. The longer
step's models are saved under artifacts/ladder/ (gitignored) and loaded, not retrained, by the ensemble and by reruns;
a missing or broken file is reported and trained again.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_README = ROOT / "results" / "README.md"  # the generated tables live there, not in README.md
sys.path.insert(0, str(ROOT))  # so the command also works before `pip install -e .`

from bench import cost, ensemble, improved, machine, records  # noqa: E402
from bench import ladder as lab_ladder  # noqa: E402
from bench.ladder import load_ladder_data as load_data  # noqa: E402
from bench.ladder import split_sizes, step_config, step_sizes  # noqa: E402
from bench.ladder import train_ladder_model as train_one  # noqa: E402
from bench.machine import machine_summary, utc_timestamp  # noqa: E402
from lab_utils import artifacts, io, precision, profiles  # noqa: E402

BUDGET_FACTOR = 12  # the whole ladder may cost 12x the plain published recipe's training time
PLAIN_SECONDS_FALLBACK = 370.0  # the plain recipe (float32, 10 epochs) on the lab's 2-core AMD EPYC
MARKDOWN_NAME = "ladder"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="print the plan and its estimated time; train nothing")
    parser.add_argument("--steps", nargs="+", type=int, help="only these step numbers (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds of the short steps")
    parser.add_argument("--members", type=int, default=improved.ENSEMBLE_MEMBERS,
                        help="models in the ensemble (the longer step's seeds)")
    parser.add_argument("--budget-minutes", type=float,
                        help=f"time allowed for the whole ladder (default: {BUDGET_FACTOR}x the plain recipe's time)")
    parser.add_argument("--ignore-budget", action="store_true", help="train even if the estimate exceeds the budget")
    parser.add_argument("--images-per-second", type=float,
                        help="the seed CNN's training speed on this machine, for the estimate (default: this CPU's "
                             "newest `python benchmarks/speed.py` run, else a short timed fit)")
    parser.add_argument("--summarize-only", action="store_true",
                        help="only rebuild the summary from the CSV: the newest ladder recorded, on whichever CPU")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("seeds must be non-negative integers")
    if len(set(args.seeds)) != len(args.seeds):
        parser.error("seeds must differ")
    if args.members < 1:
        parser.error("--members must be a positive integer")
    if args.budget_minutes is not None and not args.budget_minutes > 0:
        parser.error("--budget-minutes must be positive")
    if args.images_per_second is not None and not args.images_per_second > 0:
        parser.error("--images-per-second must be positive")
    numbers = [step.number for step in improved.ladder_steps(args.members, args.seeds)]
    unknown = sorted(set(args.steps or []) - set(numbers))
    if unknown:
        parser.error(f"unknown steps {unknown}; the ladder has steps {numbers}")
    return args


def output_paths(profile):
    """Where the runs CSV and the trained members go: results/ and artifacts/ladder/, or artifacts/smoke/."""
    csv = ROOT / "results" / "ladder_runs.csv" if profile.name == "full" else artifacts.artifacts_dir() / "smoke" / "ladder_runs.csv"
    return csv, lab_ladder.ladder_folder(profile)


def selected_steps(args):
    steps = improved.ladder_steps(args.members, args.seeds)
    wanted = set(args.steps or [step.number for step in steps])
    ensemble_steps = [step for step in steps if step.number in wanted and step.ensemble_of is not None]
    wanted |= {step.ensemble_of for step in ensemble_steps}  # an ensemble needs its members
    return [step for step in steps if step.number in wanted]


# ---------------------------------------------------------------------------------------------------------------
# The plan and its estimated time
# ---------------------------------------------------------------------------------------------------------------

def estimate_seconds(step, epochs: int, train_size: int, val_size: int, rate: float, macs: int) -> float:
    """Estimated seconds to train one model of a step (bench.cost): training images forward and back, validation
    forward only."""
    return cost.estimate_seconds(macs, rate=rate, epochs=epochs, train_images=train_size, val_images=val_size,
                                 batch_size=step.recipe.batch_size, options=step.model_options)


def _recorded_on(path, cpu: str, columns):
    """The rows of a results CSV recorded on ``cpu``; none when the file is missing, unreadable or lacks ``columns``."""
    try:
        runs = records.read_runs(path)
    except ValueError:
        return None
    if runs.empty or not {"cpu", *columns} <= set(runs.columns):
        return None
    return runs[runs.cpu == cpu]


def plain_recipe_seconds(cpu: str) -> tuple[float, str]:
    """The plain published recipe's training time on this CPU (results/fast_recipe_runs.csv), else the lab's figure."""
    runs = _recorded_on(ROOT / "results" / "fast_recipe_runs.csv", cpu, ("kind", "train_seconds"))
    if runs is not None:
        plain = runs[runs.kind == "plain"]
        if not plain.empty:
            return float(plain.train_seconds.iloc[-1]), f"measured on {cpu} (results/fast_recipe_runs.csv)"
    return PLAIN_SECONDS_FALLBACK, f"the lab's figure for a 2-core AMD EPYC (no plain run for {cpu} in results/)"


def plan(args, profile, steps, out, cpu, policy):
    """Print the plan; return (estimated seconds still to train, budget seconds)."""
    train_size, val_size, _ = split_sizes(profile)
    done = records.read_runs(out)
    print(f"Profile: {profile}")
    print(f"Data: {train_size:,} training images, the last {val_size:,} of the training set for validation, "
          "the test set only for the report.")
    if args.images_per_second is None:
        args.images_per_second, speed_source = cost.seed_cnn_rate(cpu)
    else:
        speed_source = "--images-per-second"
    print(f"Estimate: the seed CNN at {args.images_per_second:,.0f} images/s ({speed_source}), other networks "
          "scaled by multiply-adds.\n")
    total = 0.0
    for step in steps:
        if step.ensemble_of is not None:
            print(f"step {step.number}: {step.name}: averages step {step.ensemble_of}'s models "
                  f"(seeds {', '.join(map(str, step.seeds))}); loading and predicting only")
            continue
        epochs = profile.epochs(step.recipe.epochs)
        model = step.build()
        macs = cost.multiply_adds(model)
        seconds = estimate_seconds(step, epochs, *step_sizes(step, profile), args.images_per_second, macs)
        chash = records.run_id(step_config(step, profile, policy))
        todo = [seed for seed in step.seeds if not _done(done, step, seed, cpu, chash)]
        total += seconds * len(todo)
        print(f"step {step.number}: {step.name}\n"
              f"    {step.network}, {model.count_params():,} parameters, "
              f"{macs / 1e6:.1f}M multiply-adds per image; {step.recipe.name}\n"
              f"    seeds {', '.join(map(str, step.seeds))} ({len(step.seeds) - len(todo)} done): "
              f"about {seconds:.0f} s per model, {seconds * len(todo) / 60:.1f} min to go")
    plain_seconds, source = plain_recipe_seconds(cpu)
    budget = args.budget_minutes * 60 if args.budget_minutes is not None else BUDGET_FACTOR * plain_seconds
    print(f"\nEstimated training still to do: {total / 60:.1f} min.")
    if args.budget_minutes is None:
        print(f"Budget: {BUDGET_FACTOR} x the plain recipe's {plain_seconds:.0f} s ({source}) = {budget / 60:.1f} min.")
    else:
        print(f"Budget: {budget / 60:.1f} min (--budget-minutes).")
    verdict = "fits" if total <= budget else "EXCEEDS"
    print(f"The plan {verdict} the budget ({total / budget:.0%} of it).")
    return total, budget


# ---------------------------------------------------------------------------------------------------------------
# Training and recording
# ---------------------------------------------------------------------------------------------------------------

def _done(runs, step, seed, cpu, chash) -> bool:
    if runs.empty or not {"step", "seed", "cpu", "config_hash"} <= set(runs.columns):
        return False
    return bool(((runs.step == step.number) & (runs.seed.astype(str) == str(seed)) & (runs.cpu == cpu)
                 & (runs.config_hash.astype(str) == chash)).any())


def make_row(step, seed, model, facts, data, profile, members=1, test_accuracy=None):
    train_size, val_size = step_sizes(step, profile)
    if test_accuracy is None:
        test_accuracy = ensemble.ensemble_accuracy([model], *data["test"])
    return {"step": step.number, "name": step.name, "network": step.network, "seed": str(seed), "members": members,
            "recipe": step.recipe.name if step.recipe else "", "epochs": facts.get("epochs", ""),
            "epochs_run": facts["epochs_run"], "kept_epoch": facts.get("kept_epoch", ""),
            "val_accuracy": facts["val_accuracy"], "test_accuracy": round(test_accuracy, 6),
            "train_seconds": facts["train_seconds"], "seconds_per_epoch": facts.get("seconds_per_epoch", ""),
            "params": model.count_params() if model is not None else facts.get("params", ""),
            "multiply_adds": cost.multiply_adds(model) if model is not None else "",
            "profile": profile.name, "train_size": train_size, "val_size": val_size,
            "config_hash": facts.get("config_hash", ""), "precision": facts["precision"],
            **{key: facts[key] for key in machine.machine_info()},
            "finished_utc": facts["finished_utc"]}


def run_ladder(args, profile, steps, out, folder, cpu, policy):
    data = load_data(profile)
    ladder = improved.ladder_steps(args.members, args.seeds)
    # Saved under artifacts/ and loaded by reruns: the ensemble's members, and the final network.
    kept = {s.ensemble_of for s in ladder if s.ensemble_of is not None} | {s.number for s in ladder
                                                                            if s.train_on_validation}
    members_by_step = {}
    for step in steps:
        if step.ensemble_of is not None:
            run_ensemble(step, members_by_step, data, profile, out, cpu, policy)
            continue
        epochs = profile.epochs(step.recipe.epochs)
        config = step_config(step, profile, policy)
        chash = records.run_id(config)
        if step.number in kept:  # the ensemble's members: saved under artifacts/, loaded by the ensemble and by reruns

            def record(member, step=step, epochs=epochs, chash=chash):
                if _done(records.read_runs(out), step, member.seed, member.facts.get("cpu", cpu), chash):
                    print(f"step {step.number} seed {member.seed}: already in {_show(out)}")
                    return
                records.append_run(out, make_row(step, member.seed, member.model, {**member.facts, "epochs": epochs},
                                             data, profile))

            members_by_step[step.number] = ensemble.train_or_load_members(
                lambda seed, step=step, epochs=epochs: train_one(step, seed, data, epochs),
                list(step.seeds), folder=folder, name=f"step{step.number}", config=config, on_member=record)
            continue
        for seed in step.seeds:
            if _done(records.read_runs(out), step, seed, cpu, chash):
                print(f"skip step {step.number} seed {seed}: already in {_show(out)}")
                continue
            model, facts = train_one(step, seed, data, epochs)
            records.append_run(out, make_row(step, seed, model, {**facts, "epochs": epochs, "config_hash": chash},
                                         data, profile))


def run_ensemble(step, members_by_step, data, profile, out, cpu, policy):
    members = members_by_step.get(step.ensemble_of)
    if members is None:
        raise RuntimeError(f"step {step.number} needs step {step.ensemble_of}'s models, which were not trained or "
                           "loaded.")
    chash = records.run_id(step_config(step, profile, policy, members[0].facts.get("config_hash")))
    if _done(records.read_runs(out), step, _seed_list(step.seeds), cpu, chash):
        print(f"skip step {step.number}: already in {_show(out)}")
        return
    models = [member.model for member in members]
    shifts = step.tta_shifts or ((0, 0),)  # ((0, 0),): the images as they are, a plain average
    val_accuracy = ensemble.tta_accuracy(models, *data["val"], shifts)
    test_accuracy = ensemble.tta_accuracy(models, *data["test"], shifts)
    print(f"\n== step {step.number}: {step.name}: validation accuracy {val_accuracy:.4f}, "
          f"test accuracy {test_accuracy:.4f}", flush=True)
    facts = {"val_accuracy": round(val_accuracy, 6),
             "train_seconds": round(sum(m.facts.get("train_seconds", math.nan) for m in members), 1),
             "epochs_run": sum(m.facts.get("epochs_run", 0) for m in members),
             "precision": members[0].facts.get("precision", policy), **machine.machine_info(), "config_hash": chash,
             "finished_utc": utc_timestamp()}
    row = make_row(step, _seed_list(step.seeds), None, facts, data, profile, members=len(members),
                   test_accuracy=test_accuracy)
    row["params"] = sum(m.model.count_params() for m in members)
    records.append_run(out, row)


def _seed_list(seeds) -> str:
    return " ".join(str(seed) for seed in seeds)


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------------------------
# The summary
# ---------------------------------------------------------------------------------------------------------------

def current_runs(runs, args, profile, policy, cpu):
    """The rows made on this CPU with the ladder's current configs (older configs stay in the CSV, out of the table)."""
    hashes, steps = set(), improved.ladder_steps(args.members, args.seeds)
    by_number = {step.number: step for step in steps}
    for step in steps:
        if step.ensemble_of is None:
            hashes.add(records.run_id(step_config(step, profile, policy)))
    for step in steps:
        if step.ensemble_of is not None:
            members = records.run_id(step_config(by_number[step.ensemble_of], profile, policy))
            hashes.add(records.run_id(step_config(step, profile, policy, members)))
    if runs.empty or not {"cpu", "config_hash"} <= set(runs.columns):
        return runs.iloc[0:0]
    return runs[(runs.cpu == cpu) & runs.config_hash.astype(str).isin(hashes)]


def summary_markdown(runs, csv_name: str = "results/ladder_runs.csv") -> str:
    singles = runs[runs.network != "ensemble"]
    total = singles.train_seconds.sum()
    validated = runs[runs.val_size.astype(float) > 0]  # the final network has no validation split
    last = (validated if not validated.empty else runs).iloc[-1]
    lines = [records.to_markdown(lab_ladder.ladder_table(runs))]
    scored = singles[singles.val_accuracy.notna()]
    long_runs = scored[scored.step == scored.step.max()] if not scored.empty else scored
    final = singles[singles.val_accuracy.isna()]
    for row in final.itertuples(index=False):
        lines.append(f"Final single network (step {int(row.step)}): the longer step's network and recipe, seed "
                     f"{row.seed}, trained once more on all {int(row.train_size):,} training images "
                     f"({row.train_seconds:.0f} s), scores {row.test_accuracy:.2%} on the test set. One network, no "
                     "choice among seeds: its test accuracy is not a pick.")
    if not long_runs.empty:
        chosen = long_runs.loc[long_runs.val_accuracy.idxmax()]
        lines.append(f"Picking one of step {int(chosen.step)}'s networks instead, the one with the best validation "
                     f"accuracy (seed {chosen.seed}, {chosen.val_accuracy:.2%}), gives {chosen.test_accuracy:.2%} on "
                     f"the test set (trained in {chosen.train_seconds:.0f} s); the {len(long_runs)} networks' mean is "
                     f"{long_runs.test_accuracy.mean():.2%}.")
    ensembles = runs[runs.network == "ensemble"].sort_values("step")
    for row in ensembles.itertuples(index=False):
        lines.append(f"Step {int(row.step)}, {row.name.removeprefix('+ ')}: {row.val_accuracy:.2%} on validation, "
                     f"{row.test_accuracy:.2%} on the test set; its {int(row.members)} members trained in "
                     f"{row.train_seconds:.0f} s together.")
    if len(ensembles) > 1:  # the final choice, made on validation; a tie keeps the simpler (earlier) step
        chosen = ensembles.loc[ensembles.val_accuracy.idxmax()]
        what = str(chosen["name"]).removeprefix("+ ")
        lines.append(f"Chosen on validation: step {int(chosen.step)} ({what}), {chosen.test_accuracy:.2%} on the test "
                     "set.")
    plain_seconds, source = plain_recipe_seconds(last.cpu)
    lines.append(f"The whole ladder trained {len(singles)} model{'s' * (len(singles) != 1)} in {total / 60:.1f} min, "
                 f"{total / plain_seconds:.1f}x the plain published recipe's {plain_seconds:.0f} s ({source}).")
    lines.append(f"{str(last.profile).capitalize()} profile, {int(last.train_size):,} training and "
                 f"{int(last.val_size):,} validation images (the test set only reports"
                 + "".join(f"; step {int(r.step)}: all {int(r.train_size):,}" for r in final.itertuples(index=False))
                 + f"), {last.precision}, "
                 f"{machine_summary(last)}; every model "
                 f"is a row of `{csv_name}`. Command: `python scripts/ladder.py`.")
    return lines[0] + "\n" + "\n\n".join(lines[1:]) + "\n"


CURRENT_CSV = "ladder_current.csv"
CURRENT_COLUMNS = ("step", "name", "seed", "members", "epochs_run", "val_accuracy", "test_accuracy", "train_seconds",
                   "params")


def main(argv=None) -> int:
    args = parse_args(argv)
    profile = profiles.get_profile()
    out, folder = output_paths(profile)
    cpu = machine.current_cpu()
    steps = selected_steps(args)
    policy = precision.use_best_precision().policy
    if not args.summarize_only:
        total, budget = plan(args, profile, steps, out, cpu, policy)
        if args.dry_run:
            return 0
        if profile.name == "full" and total > budget and not args.ignore_budget:
            print("Not training: the estimate exceeds the budget. Train fewer seeds or members, "
                  "or pass --ignore-budget.")
            return 2
        run_ladder(args, profile, steps, out, folder, cpu, policy)
    recorded = records.read_runs(out)
    if args.summarize_only and not recorded.empty and {"cpu", "precision"} <= set(recorded.columns):
        # the newest ladder recorded, whichever machine trained it (its CPU and precision select its rows)
        cpu, policy = str(recorded.cpu.iloc[-1]), str(recorded.precision.iloc[-1])
    runs = current_runs(recorded, args, profile, policy, cpu)
    if runs.empty:
        print(f"No runs of the current ladder on {cpu} recorded in {_show(out)} yet.")
        return 0
    markdown = summary_markdown(runs, _show(out))
    print("\n" + markdown)
    if profile.name == "full":
        io.write_atomic(ROOT / "results" / "ladder.md", "# The ablation ladder\n\n" + markdown)
        # the current ladder alone, one row per network, for notebook 05 to read with pandas
        io.write_atomic(ROOT / "results" / CURRENT_CSV, runs[list(CURRENT_COLUMNS)].to_csv(index=False))
        try:
            records.update_block(RESULTS_README, MARKDOWN_NAME, markdown)
        except ValueError as error:
            print(f"results/README.md not updated: {error} Add the block to show the table there.")
    return 0


if __name__ == "__main__":
    from bench.machine import run_command

    sys.exit(run_command(main))
