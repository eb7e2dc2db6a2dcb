"""Real clients the tests drive: QGIS (Debian python3-qgis) and headless Chromium.

On a machine without a client its tests skip with a clear reason.  CI sets
``JMGIS_REQUIRE_CLIENTS=1``: then a missing client is a failure, not a skip, so a green CI
means the tests really ran against QGIS and Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver",)


def clients_required() -> bool:
    return os.environ.get("JMGIS_REQUIRE_CLIENTS") == "1"


def _missing(reason: str) -> None:
    if clients_required():
        pytest.fail(f"{reason} (JMGIS_REQUIRE_CLIENTS=1: the client must be installed)")
    pytest.skip(reason)


@cache
def _qgis_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, env=env, timeout=120
    )
    return result.returncode == 0


def require_qgis() -> str:
    """Return the system Python that has PyQGIS, or skip/fail the test."""
    if not _qgis_available():
        _missing("QGIS is not installed (Debian packages python3-qgis and qgis-providers)")
    return SYSTEM_PYTHON


def chromium_paths() -> tuple[str, str] | None:
    browser = next((p for p in CHROMIUM_CANDIDATES if os.path.exists(p)), None)
    driver = next((p for p in CHROMEDRIVER_CANDIDATES if os.path.exists(p)), None)
    driver = driver or shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    return None


def require_chromium() -> tuple[str, str]:
    """Return (chromium, chromedriver) paths, or skip/fail the test."""
    paths = chromium_paths()
    if paths is None:
        _missing("headless Chromium is not installed (Debian packages chromium, chromium-driver)")
    return paths
