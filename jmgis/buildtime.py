"""The one clock of a build: ``SOURCE_DATE_EPOCH`` when set, otherwise now.

Every timestamp jmgis writes into an output (GeoPackage ``last_change``, QGIS style and
project times, the report's "generated" line, XLSX properties, zip entry times) comes from
:func:`build_time`, so that two builds with the same ``SOURCE_DATE_EPOCH`` (the
reproducible-builds.org convention: integer seconds since 1970-01-01 UTC) give
byte-identical files.  It is a field of :class:`jmgis.settings.Settings`, which reads the
environment variable (a documented override).
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from jmgis.settings import current

ENV_VAR = "SOURCE_DATE_EPOCH"

# Zip entry times cannot be earlier than 1980 (the DOS epoch).
_ZIP_MIN = (1980, 1, 1, 0, 0, 0)


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` of the settings in effect.

    Returns
    -------
    int or None
        Seconds since 1970-01-01 UTC, or ``None`` when it is not set.
    """
    return current().source_date_epoch


def build_time() -> datetime:
    """The time stamped into outputs.

    Returns
    -------
    datetime
        Timezone-aware UTC: ``$SOURCE_DATE_EPOCH`` when set, else the current time.
    """
    epoch = source_date_epoch()
    if epoch is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(epoch, timezone.utc)


def reproducible() -> bool:
    """Whether ``$SOURCE_DATE_EPOCH`` is set (outputs must then not depend on the clock)."""
    return source_date_epoch() is not None


def iso_utc(*, millis: bool = False) -> str:
    """:func:`build_time` as ISO 8601 UTC text, ``2026-01-01T00:00:00Z`` (or ``.000Z``).

    Parameters
    ----------
    millis
        Append milliseconds (the format of GeoPackage and QGIS ``DATETIME`` columns).
    """
    t = build_time()
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{t.microsecond // 1000:03d}"
    return text + "Z"


def zip_date_time() -> tuple[int, int, int, int, int, int]:
    """:func:`build_time` as a zip entry time (UTC, whole seconds rounded down to even)."""
    t = build_time()
    stamp = (t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2)
    return max(stamp, _ZIP_MIN)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with every entry stamped :func:`zip_date_time`.

    Zip writers (openpyxl among them) stamp each entry with the local time of writing, so
    the same content gives different bytes on every run.  Entry order, names, content and
    compression are kept; permissions are set to rw-r--r--.

    Parameters
    ----------
    data
        The archive.

    Returns
    -------
    bytes
        The rewritten archive.
    """
    stamp = zip_date_time()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = entry.compress_type
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the host, so the bytes do not differ
            dst.writestr(info, src.read(entry.filename))
    return out.getvalue()


def normalise_zip_file(path: str | Path) -> Path:
    """:func:`normalise_zip` applied to the file at ``path``, replaced atomically.

    Parameters
    ----------
    path
        A zip archive (``.xlsx``, ``.qgz``).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    data = normalise_zip(path.read_bytes())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
