"""The command line: every subcommand answers --help, bad input gives one line and a
non-zero status (a traceback only with --debug), --quiet silences progress and info."""

from __future__ import annotations

import argparse
import importlib
import io
import os
import subprocess
import sys

import pytest

from jmgis.cli import COMMANDS, _available_commands, build_parser, main, progress

AVAILABLE = _available_commands()


def _subcommand_paths(parser: argparse.ArgumentParser, prefix=()) -> list[tuple[str, ...]]:
    """Every (sub)command path of the parser, e.g. ("catalog", "check-sources")."""
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths += _subcommand_paths(sub, (*prefix, name))
    return paths


ALL_PATHS = _subcommand_paths(build_parser())


def test_every_command_module_registers_itself():
    assert AVAILABLE, "no subcommand module found"
    top = {p[0] for p in ALL_PATHS if len(p) == 1}
    assert top == set(AVAILABLE)
    for name in AVAILABLE:
        assert name in COMMANDS
        assert hasattr(importlib.import_module(f"jmgis.cli.cmd_{name}"), "register")


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in AVAILABLE:
        assert name in out


@pytest.mark.parametrize("path", ALL_PATHS, ids=" ".join)
def test_help_of_every_subcommand(path, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: jmgis " + " ".join(path))
    assert len(out.splitlines()) > 2  # a description or options, not just the usage line


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jmgis", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


# (command, arguments that are wrong, text the one-line error must contain)
BAD_INPUT = [
    ("report", ["--year", "1999", "--out", "{tmp}"], "1999"),
    ("report", ["--zones", "core,harbour", "--out", "{tmp}"], "harbour"),
    ("explain", ["no_such_catalog_id_xyz"], "no_such_catalog_id_xyz"),
    ("build", ["--out", "{tmp}", "--townships", "{tmp}/missing.gpkg"], "missing.gpkg"),
    ("map", ["no_such_map", "--out", "{tmp}/m.html"], "no_such_map"),
    ("route", ["no_such_place_xyz", "江门站"], "no_such_place_xyz"),
    ("access", ["--year", "1999", "--out", "{tmp}"], "1999"),
    ("network", ["check", "--year", "1999"], "1999"),
]


@pytest.mark.parametrize(("command", "args", "needle"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_gives_one_line_and_status_2(command, args, needle, tmp_path, cli):
    assert command in AVAILABLE, f"jmgis {command} is not registered"
    status, _, stderr = cli(command, *(a.format(tmp=tmp_path) for a in args))
    assert status == 2, stderr
    assert "unexpected" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines, "an error message on stderr"
    last = lines[-1]
    assert last.startswith(f"jmgis {command}") and "error" in last
    assert needle in last
    # exactly one error line (log warnings of the work done before may precede it)
    assert sum(line.startswith(f"jmgis {command}") for line in lines) == 1


def test_the_console_script_exits_2_with_one_line_on_bad_input():
    """The real entry point (``python -m jmgis``), not only ``main()``: status and stderr."""
    result = _run("explain", "no_such_catalog_id_xyz")
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("jmgis explain: error")
    assert "no_such_catalog_id_xyz" in lines[0] and "Traceback" not in result.stderr


def test_debug_lets_the_error_through():
    from jmgis.errors import JmgisError

    with pytest.raises(JmgisError):
        main(["--debug", "report", "--year", "1999"])


@pytest.mark.slow
def test_debug_shows_the_traceback():
    result = _run("--debug", "report", "--year", "1999")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_quiet_and_verbose_are_exclusive(cli):
    status, _, stderr = cli("-q", "-v", "report", "--help")
    assert status == 2 and "not allowed with" in stderr


def test_progress_is_silent_when_quiet_or_not_a_terminal(monkeypatch):
    from jmgis import cli

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.setitem(cli._state, "quiet", False)
    assert list(progress(range(3), desc="x")) == [0, 1, 2]
    assert "x" in sys.stderr.getvalue()  # a bar was drawn on the terminal
    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.setitem(cli._state, "quiet", True)
    assert list(progress(range(3), desc="x")) == [0, 1, 2]
    assert sys.stderr.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    monkeypatch.setitem(cli._state, "quiet", False)
    assert list(progress(range(3), desc="x")) == [0, 1, 2]
    assert sys.stderr.getvalue() == ""


@pytest.mark.slow
def test_quiet_and_verbose_report(tmp_path):
    args = ["report", "--no-compare", "--no-maps", "--zones", "core"]
    quiet = _run("-q", *args, "--out", str(tmp_path / "q"))
    assert quiet.returncode == 0, quiet.stderr
    assert "wrote" not in quiet.stderr and "report:" not in quiet.stderr
    assert (tmp_path / "q" / "report.html").exists()
    verbose = _run("-v", *args, "--out", str(tmp_path / "v"))
    assert verbose.returncode == 0, verbose.stderr
    assert f"wrote {tmp_path / 'v' / 'report.html'}" in verbose.stderr
    assert "report: tables" in verbose.stderr  # a debug line


def test_closed_pipe_ends_quietly():
    """`jmgis catalog list project | head -1`: no error message when the reader leaves."""
    assert "catalog" in AVAILABLE
    proc = subprocess.Popen(
        [sys.executable, "-m", "jmgis", "catalog", "list", "project"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Error" not in stderr and "error" not in stderr, stderr
    assert proc.returncode in (0, 141)


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so progress bars are drawn on it."""

    def isatty(self) -> bool:
        return True


LONG_COMMANDS = {
    "od": ["od", "台城街道,沙坪街道", "江门站", "--year", "2025", "--out", "{tmp}/od.csv"],
    "isochrone": ["isochrone", "台城街道", "--minutes", "30", "--out", "{tmp}/iso.gpkg"],
    "access": ["access", "--year", "2025", "--out", "{tmp}/access"],
    "map": ["map", "access", "--year", "2025", "--out", "{tmp}/access.html"],
    "report": ["report", "--year", "2025", "--compare", "2020", "--out", "{tmp}/report"],
    "build": ["build", "--out", "{tmp}/build"],
}


@pytest.mark.parametrize(
    "name",
    [
        "od",
        *(
            pytest.param(n, marks=pytest.mark.slow)
            for n in ("isochrone", "access", "map", "report", "build")
        ),
    ],
)
def test_long_commands_show_progress_on_a_terminal_and_nothing_with_quiet(
    name, tmp_path, monkeypatch
):
    """Every command that can take more than ~2 s draws a progress bar on a terminal's
    stderr, and with --quiet writes nothing at all to stderr."""
    args = [a.replace("{tmp}", str(tmp_path / "{run}")) for a in LONG_COMMANDS[name]]
    for run, flags in (("shown", []), ("quiet", ["-q"])):
        stderr = _Terminal()
        monkeypatch.setattr(sys, "stderr", stderr)
        status = main([*flags, *(a.replace("{run}", run) for a in args)])
        monkeypatch.undo()
        assert status == 0, stderr.getvalue()
        if flags:
            assert stderr.getvalue() == ""
        else:
            assert "it/s" in stderr.getvalue() or "%|" in stderr.getvalue(), stderr.getvalue()
