"""``jmgis qgis``: the QGIS Processing provider — install the plugin, run a request.

``jmgis qgis install-plugin [--profile-dir DIR]`` copies the plugin
(``jmgis/io/qgis/plugin``) into a QGIS profile's ``python/plugins/jmgis`` and enables it
in the profile's ``QGIS/QGIS3.ini``, so the QGIS desktop and ``qgis_process list`` show
the ``jmgis`` provider.  The plugin runs in QGIS's Python, which has no jmgis: it calls
this Python (``sys.executable``, recorded in ``jmgis_python.json``) with
``jmgis qgis run REQUEST.json`` (:func:`jmgis.io.qgis.algorithms.run_request`).
"""

from __future__ import annotations

import argparse
import configparser
import json
import shutil
import sys
from pathlib import Path

PLUGIN_NAME = "jmgis"
DEFAULT_PROFILE = Path.home() / ".local" / "share" / "QGIS" / "QGIS3" / "profiles" / "default"
"""The default QGIS 3 profile on Linux."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``qgis`` command (install the plugin, run a request) to the CLI."""
    p = subparsers.add_parser(
        "qgis",
        help="QGIS Processing provider: install the plugin (install-plugin), run a request",
        description="The jmgis algorithms in QGIS's Processing toolbox (provider id jmgis).",
    )
    sub = p.add_subparsers(dest="qgis_command", metavar="SUBCOMMAND")
    install = sub.add_parser(
        "install-plugin",
        help="install and enable the jmgis QGIS plugin (Processing provider) in a profile",
    )
    install.add_argument(
        "--profile-dir",
        metavar="DIR",
        default=None,
        help=f"the QGIS profile folder (default {DEFAULT_PROFILE})",
    )
    install.set_defaults(func=run_install)
    run = sub.add_parser("run", help="run one algorithm request (JSON) written by the QGIS plugin")
    run.add_argument("request", metavar="REQUEST.json", help="the request file")
    run.set_defaults(func=run_request)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def plugin_source() -> Path:
    """The plugin package shipped with jmgis."""
    import jmgis.io.qgis as package

    return Path(package.__file__).with_name("plugin")


def install_plugin(profile_dir: str | Path | None = None) -> Path:
    """Install and enable the jmgis QGIS plugin; return the installed plugin folder.

    Copy the plugin into ``profile_dir`` (default :data:`DEFAULT_PROFILE`), record
    this Python for it and enable it; returns the installed plugin folder.

    Parameters
    ----------
    profile_dir
        A QGIS profile folder (``…/profiles/default``); created when missing.

    Returns
    -------
    Path
        ``<profile>/python/plugins/jmgis``.
    """
    import jmgis
    from jmgis.atomic import atomic_write_bytes

    profile = Path(profile_dir) if profile_dir else DEFAULT_PROFILE
    target = profile / "python" / "plugins" / PLUGIN_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(plugin_source(), target, ignore=shutil.ignore_patterns("__pycache__"))
    package_root = Path(jmgis.__file__).resolve().parent.parent
    config = {"python": sys.executable, "path": str(package_root)}
    atomic_write_bytes(
        target / "jmgis_python.json", json.dumps(config, ensure_ascii=False).encode("utf-8")
    )
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # QGIS's keys are case-sensitive; the configparser idiom
    if ini.exists():
        parser.read(ini, encoding="utf-8")
    if not parser.has_section("PythonPlugins"):
        parser.add_section("PythonPlugins")
    parser.set("PythonPlugins", PLUGIN_NAME, "true")
    with ini.open("w", encoding="utf-8") as handle:
        parser.write(handle, space_around_delimiters=False)
    return target


def run_install(args: argparse.Namespace) -> int:
    """Install and enable the QGIS plugin in the given profile; return 0."""
    target = install_plugin(args.profile_dir)
    print(f"jmgis QGIS plugin installed and enabled: {target}")
    return 0


def run_request(args: argparse.Namespace) -> int:
    """Run one QGIS Processing request and print its result; return 0."""
    from jmgis.io.qgis.algorithms import run_request as run

    print(run(args.request))
    return 0
