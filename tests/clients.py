"""Real clients the tests drive: QGIS (Debian python3-qgis) and headless Chromium.

On a machine without a client its tests skip with a clear reason.  CI sets
``JMGIS_REQUIRE_CLIENTS=1``: then a missing client is a failure, not a skip, so a green CI
means the tests really ran against QGIS and Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


# --- headless Chromium, offline: used by the map tests -------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@dataclass
class PageReport:
    console_errors: list[str]
    failed_requests: list[str]
    external_requests: list[str]


class OfflineBrowser:
    """A Selenium-driven headless Chromium with the network switched off."""

    def __init__(self, width: int = 1200, height: int = 850):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        browser, driver = require_chromium()
        self._profile = tempfile.TemporaryDirectory(prefix="jmgis-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-proxy-server",
            f"--user-data-dir={self._profile.name}",
            f"--window-size={width},{height}",
            "--lang=zh-CN",
        ):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        # exact viewport (the window size includes the browser chrome)
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]}
        )

    def open(self, path: Path) -> PageReport:
        """Open a local file, wait for the map, and report errors and requests."""
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.get_log("browser")
        self.driver.get_log("performance")
        self.driver.get(Path(path).resolve().as_uri())
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        self.driver.execute_script("return new Promise(r => setTimeout(r, 300))")
        return self.report()

    def report(self) -> PageReport:
        errors = [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] in ("SEVERE", "ERROR")
        ]
        failed, external = [], []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:", "blob:")):
                    external.append(url)
            elif message["method"] == "Network.loadingFailed":
                failed.append(f"{params.get('errorText')} {params.get('blockedReason', '')}")
        return PageReport(errors, failed, external)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.driver.save_screenshot(str(path))
        return path

    def close(self) -> None:
        self.driver.quit()
        self._profile.cleanup()


QGIS_PROCESS_CANDIDATES = ("/usr/bin/qgis_process", "/usr/bin/qgis_process.bin")


def qgis_process_env(config_root: str | Path, tmp: str | Path) -> dict[str, str]:
    """The environment for ``qgis_process`` with the profiles under ``config_root``.

    Without the venv: QGIS embeds Debian's Python, and a ``PYTHONPATH``/venv ``PATH``
    leaking in makes it load the wrong standard library and crash.  jmgis's own settings
    (``JMGIS_*``) are kept, so the plugin's jmgis sees the same data as the tests.
    """
    keep = {k: v for k, v in os.environ.items() if k.startswith("JMGIS_") or k in ("HOME", "LANG")}
    return {
        **keep,
        "PATH": "/usr/bin:/bin",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp),
        "QGIS_CUSTOM_CONFIG_PATH": str(config_root),
    }


@cache
def require_qgis_process() -> str:
    """A working ``qgis_process``, or skip/fail.

    Debian's ``/usr/bin/qgis_process`` wrapper passes ``--noversioncheck`` (from
    ``/etc/default/qgis``), which the 3.22 executable rejects; then the executable
    ``qgis_process.bin`` is used directly.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = qgis_process_env(tmp, tmp)
        for candidate in QGIS_PROCESS_CANDIDATES:
            if not os.path.exists(candidate):
                continue
            result = subprocess.run(
                [candidate, "--version"], capture_output=True, env=env, timeout=120, cwd=tmp
            )
            if result.returncode == 0:
                return candidate
    _missing("qgis_process is not installed (Debian package qgis)")
    return ""
