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
from typing import TYPE_CHECKING, TypeVar

from jmgis import __version__
from jmgis.errors import JmgisError

if TYPE_CHECKING:
    from tqdm import tqdm

T = TypeVar("T")

COMMANDS = (
    "build",
    "map",
    "route",
    "isochrone",
    "od",
    "access",
    "report",
    "export",
    "network",
    "catalog",
    "explain",
    "data",
    "qgis",
    "cache",
)

log = logging.getLogger("jmgis")

# Set by main() from --quiet; read by progress().
_state = {"quiet": False}


def progress(
    iterable: Iterable[T] | None, desc: str | None = None, total: int | None = None
) -> tqdm[T]:
    """A tqdm progress bar on stderr for a step that takes more than a second or two.

    Silent with ``--quiet`` and when stderr is not a terminal (scripts, CI, logs).

    Parameters
    ----------
    iterable : Iterable or None
        What to iterate over (``None``: a bar of ``total`` phases driven by ``update``).
    desc : str or None
        The bar's label.
    total : int or None
        How many items to expect (for iterables without a length).

    Returns
    -------
    tqdm.tqdm
        The bar, iterable like ``iterable``; ``update``/``close`` drive it by hand.
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
    _add_global_flags(parser, default=False)
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
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither reuse nor keep derived results in the cache folder (jmgis cache)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available_commands():
        importlib.import_module(f"jmgis.cli.cmd_{name}").register(subparsers)
    for sub in _subcommand_parsers(parser):
        # The same flags after the subcommand (`jmgis build --debug`); SUPPRESS keeps a
        # subcommand that was not given the flag from resetting what came before it.
        _add_global_flags(sub, default=argparse.SUPPRESS)
    return parser


def _add_global_flags(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_argument_group("global options")
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="print only errors"
    )
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="print jmgis debug messages (other libraries' only from warnings up)",
    )
    group.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors"
    )


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.append(sub)
                found.extend(_subcommand_parsers(sub))
    return found


#: Libraries whose loggers stay at WARNING even with ``-v`` (they log every read, write
#: and GDAL call at DEBUG); jmgis's own messages follow ``-v``/``-q``.
THIRD_PARTY_LOGGERS = (
    "rasterio",
    "fiona",
    "pyogrio",
    "matplotlib",
    "PIL",
    "urllib3",
    "selenium",
    "asyncio",
    "numexpr",
    "pyproj",
    "shapely",
    "fontTools",
)


def configure_logging(quiet: bool, verbose: bool) -> None:
    """Log jmgis messages at INFO (WARNING with ``quiet``, DEBUG with ``verbose``) on stderr.

    Every other library from WARNING up whatever the flags.

    Parameters
    ----------
    quiet : bool
        Only warnings and errors.
    verbose : bool
        Debug messages as well.
    """
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(logging.WARNING)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.getLogger("jmgis").setLevel(level)


def error_line(exc: BaseException) -> str:
    """The one-line text of an error for the command line.

    GDAL and YAML messages span lines; an OSError names its file.
    """
    if isinstance(exc, OSError) and not isinstance(exc, JmgisError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or exc}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jmgis`` console script; returns the exit status."""
    from jmgis.settings import command_line_threads

    command_line_threads()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:
        # One before the subcommand, the other after it: argparse checks each level apart.
        parser.error("argument -v/--verbose: not allowed with argument -q/--quiet")
    _state["quiet"] = bool(args.quiet)
    configure_logging(args.quiet, args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        from jmgis.settings import Settings, use

        args.settings = Settings.load(
            args.project, data_dir=args.data, use_cache=False if args.no_cache else None
        )
        with use(args.settings):
            return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (`jmgis catalog list project | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell tool killed by the closed pipe returns
    except (JmgisError, OSError) as exc:
        # OSError: a file that cannot be opened, read or written (missing, a directory,
        # no permission) — the user's to fix, not a bug. (BrokenPipeError is one, handled above.)
        if args.debug:
            raise
        print(f"jmgis {args.command}: error: {error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"jmgis {args.command}: unexpected error: {type(exc).__name__}: {error_line(exc)} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
