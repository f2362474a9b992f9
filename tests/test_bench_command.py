"""`python -m bench <command>`: each command is one of the scripts, run with the arguments that follow it."""
from bench import __main__ as bench_command

ROOT = bench_command.ROOT


def test_every_command_names_a_script_that_exists():
    for name, (script, what) in bench_command.COMMANDS.items():
        assert (ROOT / script).is_file(), f"{name}: {script} is missing"
        assert name in bench_command.usage() and what


def test_no_command_lists_the_commands(capsys):
    assert bench_command.main([]) == 0
    assert "python -m bench <command>" in capsys.readouterr().out


def test_an_unknown_command_is_refused_with_the_list(capsys):
    assert bench_command.main(["sweeps"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'sweeps'" in err and "  sweep " in err


def test_a_command_runs_its_script_with_the_arguments_after_it(capsys):
    assert bench_command.main(["sweep", "--help"]) == 0  # argparse prints the script's help and exits 0
    assert "--dry-run" in capsys.readouterr().out
    assert bench_command.main(["sweep", "--seeds", "-1"]) == 2  # the script's own argument error and status
    assert "seeds must be non-negative integers" in capsys.readouterr().err
