"""Robust readers for the files users hand to jmgis (tables, layers, YAML, JSON).

Every failure — missing, 0-byte or truncated file, a directory given as a file, malformed
CSV/YAML/JSON, an undeclared encoding that is neither UTF-8 nor GB18030, a multi-layer
file without a layer — becomes a :class:`~jmgis.errors.DataError` naming the file and,
where there is one, the line/feature and field.  Messages are one line.

Encodings: files without a declared encoding are decoded as UTF-8 (with or without BOM)
and, failing that, as GB18030 (the superset of GBK/GB2312 that Chinese Excel and ArcGIS
write); the fallback is logged.  Pass ``encoding=`` (``--encoding`` on the command line)
to override.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jmgis.errors import DataError

log = logging.getLogger(__name__)

FALLBACK_ENCODINGS = ("utf-8-sig", "gb18030")


def plain(value: object) -> str:
    """A value as it should read in a message: plain Python, not ``np.float64(nan)``.

    Parameters
    ----------
    value
        Any value; numpy scalars are converted to Python ones first.

    Returns
    -------
    str
        ``nan``, ``3.5``, ``'abc'`` (text keeps its quotes so blanks stay visible).
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return repr(value)


def one_line(text: object) -> str:
    """Collapse line breaks and runs of blanks (GDAL and YAML messages span lines)."""
    return " ".join(str(text).split())


def check_file(path: str | Path, *, allow_dir: bool = False) -> Path:
    """Refuse a missing path, a directory given as a file and a 0-byte file.

    Parameters
    ----------
    path
        The file.
    allow_dir
        Accept a directory (an OGR dataset such as a ``.gdb`` folder).

    Returns
    -------
    pathlib.Path
        The path.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=path)
    if path.is_dir():
        if allow_dir:
            return path
        raise DataError("is a directory, expected a file", file=path)
    if path.stat().st_size == 0:
        raise DataError("empty file (0 bytes)", file=path)
    return path


def decode(data: bytes, path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes with ``encoding`` or, when none is declared, UTF-8 then GB18030.

    Returns
    -------
    tuple of str
        The text and the encoding used.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : str or pathlib.Path
        The file, named in the error when it cannot be decoded.
    encoding : str or None
        The declared encoding (``None`` = UTF-8, then GB18030).
    """
    candidates = (encoding,) if encoding else FALLBACK_ENCODINGS
    for name in candidates:
        try:
            text = data.decode(name)
        except LookupError:
            raise DataError(f"unknown encoding {name!r}", file=path, field="encoding") from None
        except UnicodeDecodeError as exc:
            if encoding:
                line = data[: exc.start].count(b"\n") + 1
                raise DataError(
                    f"not valid {encoding} text ({exc.reason} at byte {exc.start}); "
                    "pass the file's encoding with --encoding",
                    file=path,
                    feature=f"line {line}",
                ) from None
            continue
        if name != candidates[0]:
            log.info("%s: not UTF-8, read as %s (pass --encoding to override)", path, name)
        return text, name
    raise DataError(
        "neither UTF-8 nor GB18030 text; pass the file's encoding with --encoding", file=path
    )


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """The text of a non-empty file (see :func:`decode` for the encoding).

    Parameters
    ----------
    path
        The file.
    encoding
        Its encoding; ``None`` tries UTF-8, then GB18030.

    Returns
    -------
    str
        The decoded text.
    """
    path = check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read it: {exc.strerror}", file=path) from None
    return decode(data, path, encoding)[0]


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """A CSV table with a header row, every cell as text (blank cells are ``""``).

    A row with more or fewer fields than the header, a duplicate or blank column name
    and an unterminated quote are errors naming the line: nothing is dropped or shifted.

    Parameters
    ----------
    path
        The CSV file.
    encoding
        Its encoding; ``None`` tries UTF-8 (BOM or not), then GB18030.

    Returns
    -------
    pandas.DataFrame
        One column per header field, dtype ``object`` (strings).
    """
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError("no header row (the file holds no table)", file=path)
        header = [h.strip() for h in header]
        for position, name in enumerate(header, start=1):
            if not name:
                raise DataError(f"column {position} has no name", file=path, feature="line 1")
            if header.count(name) > 1:
                raise DataError("duplicate column name", file=path, feature="line 1", field=name)
        rows = []
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{len(row)} fields but the header has {len(header)} "
                    f"({', '.join(header)}); quote values that contain commas",
                    file=path,
                    feature=f"line {reader.line_num}",
                )
            rows.append(row)
    except csv.Error as exc:
        raise DataError(
            f"malformed CSV: {one_line(exc)}", file=path, feature=f"line {reader.line_num}"
        ) from None
    return pd.DataFrame(rows, columns=header, dtype=object)


def _yaml_mark(exc: Exception) -> str | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}" if mark is not None else None


def read_yaml(path: str | Path, encoding: str | None = None) -> Any:
    """Parse a YAML file (C loader when available); an empty document is ``None``.

    Parameters
    ----------
    path
        The file.
    encoding
        Its encoding; ``None`` tries UTF-8, then GB18030.

    Returns
    -------
    object
        The parsed document.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    path = Path(path)
    if path.exists() and path.is_file() and path.stat().st_size == 0:
        return None
    text = read_text(path, encoding)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or exc
        raise DataError(
            f"not valid YAML: {one_line(problem)}", file=path, feature=_yaml_mark(exc)
        ) from None


def read_json(path: str | Path, encoding: str | None = None) -> Any:
    """Parse a JSON file.

    Parameters
    ----------
    path
        The file.
    encoding
        Its encoding; ``None`` tries UTF-8, then GB18030.

    Returns
    -------
    object
        The parsed document.
    """
    text = read_text(path, encoding)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            file=path,
            feature=f"line {exc.lineno}",
        ) from None


def _dbf_encoding(path: Path) -> str | None:
    """The encoding of a Shapefile's .dbf that declares none (.cpg absent, LDID 0).

    ``None`` when the file declares one (GDAL then honours it) or holds only ASCII.
    """
    dbf = next(
        (p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None
    )
    if dbf is None or any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    data = dbf.read_bytes()
    if len(data) < 32:
        raise DataError("truncated .dbf (shorter than its header)", file=dbf)
    if data[29] != 0:  # language driver id: GDAL maps it to a code page
        return None
    records = data[int.from_bytes(data[8:10], "little") :]
    if records.isascii():
        return None
    return decode(records, dbf)[1].replace("utf-8-sig", "UTF-8").upper()


def layer_names(path: str | Path) -> list[str]:
    """The layer names of an OGR dataset (errors as :class:`DataError`)."""
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio/GDAL raise driver-specific errors
        raise DataError(f"not a readable vector file: {one_line(exc)}", file=path) from None


def read_vector(
    path: str | Path, layer: str | int | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """One layer of any OGR vector file (GeoPackage, Shapefile, GeoJSON …).

    Parameters
    ----------
    path
        The file (or a ``.gdb`` folder).
    layer
        Layer name or 0-based index; required when the file holds several layers.
    encoding
        Attribute encoding; ``None`` uses the declared one (``.cpg``, GeoPackage: UTF-8)
        or, for a Shapefile that declares none, detects UTF-8 or GB18030.

    Returns
    -------
    geopandas.GeoDataFrame
        The features (a plain DataFrame for a layer without geometry).
    """
    import pyogrio

    path = check_file(path, allow_dir=str(path).lower().rstrip("/").endswith(".gdb"))
    names = layer_names(path)
    if not names:
        raise DataError("the file holds no layer", file=path)
    if layer is None and len(names) > 1:
        raise DataError(
            f"the file holds {len(names)} layers ({', '.join(names)}); choose one with --layer",
            file=path,
            field="layer",
        )
    if isinstance(layer, str) and layer.isdigit() and layer not in names:
        layer = int(layer)
    if isinstance(layer, int) and not 0 <= layer < len(names):
        raise DataError(f"no layer #{layer}; layers are {', '.join(names)}", file=path)
    if isinstance(layer, str) and layer not in names:
        raise DataError(f"no layer {layer!r}; layers are {', '.join(names)}", file=path)
    kwargs: dict[str, Any] = {"layer": layer if layer is not None else names[0]}
    if encoding is None and path.suffix.lower() == ".shp":
        encoding = _dbf_encoding(path)
        if encoding:
            log.info(
                "%s: no .cpg, attributes read as %s (pass --encoding to override)", path, encoding
            )
    if encoding:
        kwargs["encoding"] = encoding
    try:
        return pyogrio.read_dataframe(path, **kwargs)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}", file=path, field="encoding") from None
    except Exception as exc:  # pyogrio/GDAL raise driver-specific errors
        raise DataError(f"cannot read it: {one_line(exc)}", file=path) from None
