"""Calling the installed jmgis from QGIS's Python: a request JSON in, GeoJSON out.

``jmgis_python.json`` beside this file (written by ``jmgis qgis install-plugin``) names
the Python that has jmgis (``python``) and, when jmgis is not installed into it but
imported from a folder, that folder (``path``).  The subprocess runs isolated (``-I``):
QGIS's own ``PYTHONPATH`` must not leak into the other interpreter.
"""

import json
import subprocess
import tempfile
from pathlib import Path

CONFIG = Path(__file__).with_name("jmgis_python.json")

_BOOT = (
    "import sys, runpy; p = sys.argv.pop(1); "
    "p and sys.path.insert(0, p); sys.argv[0] = 'jmgis'; "
    "runpy.run_module('jmgis', run_name='__main__')"
)


class JmgisError(RuntimeError):
    """jmgis refused the request (bad input) or failed."""


def config() -> dict:
    if not CONFIG.exists():
        raise JmgisError(f"{CONFIG} missing: install the plugin with 'jmgis qgis install-plugin'")
    return json.loads(CONFIG.read_text(encoding="utf-8"))


def run(request: dict, feedback=None) -> Path:
    """Run one algorithm request with jmgis; returns the GeoJSON it wrote."""
    settings = config()
    folder = Path(tempfile.mkdtemp(prefix="jmgis-qgis-"))
    request = dict(request, output=str(folder / "result.geojson"))
    path = folder / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    command = [
        settings["python"],
        "-I",
        "-c",
        _BOOT,
        settings.get("path") or "",
        "--quiet",
        "qgis",
        "run",
        str(path),
    ]
    if feedback is not None:
        feedback.pushInfo("jmgis: " + " ".join(command[:2] + command[4:]))
    done = subprocess.run(command, capture_output=True, text=True, cwd=str(folder))
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise JmgisError(lines[-1] if lines else f"jmgis exited with {done.returncode}")
    return Path(request["output"])
