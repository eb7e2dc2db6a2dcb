"""The ``jmgis`` command line.

Each subcommand lives in its own module ``jmgis.cli.cmd_<name>`` that defines
``register(subparsers)``; :data:`COMMANDS` lists them in the order ``--help`` shows them.
Errors jmgis raises on purpose (:class:`jmgis.errors.JmgisError`, bad files, bad names)
print one line and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TypeVar

from jmgis import __version__
from jmgis.errors import JmgisError

T = TypeVar("T")

COMMANDS = (
    "build",
    "map",
    "route",
    "access",
    "report",
    "export",
    "network",
    "catalog",
    "explain",
    "data",
)

log = logging.getLogger("jmgis")

# Set by main() from --quiet; read by progress().
_state = {"quiet": False}


def progress(
    iterable: Iterable[T], desc: str | None = None, total: int | None = None
) -> Iterable[T]:
    """A tqdm progress bar on stderr for a step that takes more than a second or two.

    Silent with ``--quiet`` and when stderr is not a terminal (scripts, CI, logs).
    """
    from tqdm import tqdm

    return tqdm(
        iterable,
        desc=desc,
        total=total,
        file=sys.stderr,
        leave=False,
        disable=_state["quiet"] or not sys.stderr.isatty(),
    )


def _available_commands() -> list[str]:
    return [
        name for name in COMMANDS if importlib.util.find_spec(f"jmgis.cli.cmd_{name}") is not None
    ]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="jmgis",
        description="江门 spatial-planning GIS toolkit: zones, plan catalog, transport network, "
        "accessibility, QGIS GeoPackage and folium maps.",
    )
    parser.add_argument("--version", action="version", version=f"jmgis {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print debug messages")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="the data folder (default: data/ of the checkout; see jmgis.toml)",
    )
    parser.add_argument(
        "--project",
        metavar="FILE",
        default=None,
        help="settings file (default: jmgis.toml in the working folder, if any)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available_commands():
        importlib.import_module(f"jmgis.cli.cmd_{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jmgis`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _state["quiet"] = bool(args.quiet)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    # Our own messages at the chosen level; other libraries (pyogrio logs every write at
    # INFO) only from warnings up, unless --verbose.
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("jmgis").setLevel(level)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        from jmgis.settings import Settings, use

        args.settings = Settings.load(args.project, data_dir=args.data)
        with use(args.settings):
            return int(args.func(args) or 0)
    except (JmgisError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"jmgis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`jmgis catalog list project | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell tool killed by the closed pipe returns
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"jmgis {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
