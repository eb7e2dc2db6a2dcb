"""Shapefile export that keeps Chinese intact, and a reader for legacy GBK shapefiles.

The format's limits, and what jmgis does about each:

* **Field names are 10 bytes** (not characters).  GDAL cuts longer names mid-character,
  after which the file cannot be read back.  jmgis maps every column to at most 10 ASCII
  bytes with :func:`shapefile_field_names` and writes the mapping beside the files as
  ``fields.csv`` (layer, file, column, shapefile field, type, Chinese alias, unit) so the
  short names can be looked up and :func:`read_exported_layer` can restore the columns.
* **Text is bytes too**: at most 254 bytes per value (≈84 Chinese characters in UTF-8).
  With ``long_text="error"`` a longer value is an error naming the layer, field and
  features.  With ``long_text="split"`` (the default) the column continues in extra
  fields ``<column>_2``, ``<column>_3`` … cut between characters (never after a space,
  which DBF would drop), listed in ``fields.csv`` with their ``part`` number and joined
  again by :func:`read_exported_layer` — nothing is cut off.
* **Encoding**: files are written in UTF-8 with a ``.cpg`` saying so (QGIS, ArcGIS and
  GDAL honour it).  Legacy Chinese shapefiles often have no ``.cpg`` and are GBK/CP936;
  :func:`read_shapefile` detects that (:func:`detect_dbf_encoding`).
* **Empty and missing text** are both blanks in a DBF; ``fields.csv`` (column ``empty``)
  records which blanks were ``""`` so they come back as written.
* **One geometry type per file**: polygons and multipolygons are written as multi; a
  layer holding several geometry types is written as one file set per type
  (``<layer>_linestring.shp`` …) with a ``jm_row`` field restoring the row order.
* Numbers: doubles are stored with 15 decimals (GDAL's default ``N(24,15)``), i.e. to
  1e-15 absolute; integers and booleans exactly; missing values stay missing.

The mapping rule (deterministic, documented for users of the files):

1. a column whose name is ASCII and at most 10 bytes keeps its name;
2. a longer ASCII name is cut to its first 10 characters;
3. a non-ASCII name becomes ``f<position>`` (position in the layer, from 1);
4. if the result is already taken (DBF names are case-insensitive), the end is replaced by
   ``_<n>`` with the smallest n ≥ 1 that makes it unique (``t_core_min_2035`` →
   ``t_core_m_1`` when ``t_core_min`` exists).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from jmgis.atomic import staged_files
from jmgis.crs import STORAGE_CRS
from jmgis.errors import DataError
from jmgis.layers import LayerSpec, registry
from jmgis.tabular import safe_csv_rows

log = logging.getLogger(__name__)

MAX_FIELD_BYTES = 10
MAX_STRING_BYTES = 254
ENCODING = "UTF-8"
FIELDS_CSV = "fields.csv"
FIELDS_CSV_COLUMNS = (
    "layer",
    "file",
    "column",
    "part",
    "shapefile_field",
    "type",
    "alias",
    "unit",
    "empty",
)
LONG_TEXT_MODES = ("split", "error")

_DTYPES = {"str": "string", "int": "Int64", "float": "float64", "bool": "boolean"}


def _taken(name: str, used: set[str]) -> bool:
    return name.lower() in used


def shapefile_field_names(columns: Sequence[str]) -> dict[str, str]:
    """Map column names to unique DBF field names of at most 10 ASCII bytes.

    See the module docstring for the rule.  The geometry column is not a DBF field and
    must not be passed.
    """
    result: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        if column.isascii() and len(column) <= MAX_FIELD_BYTES and not _taken(column, used):
            result[column] = column
            used.add(column.lower())
    for position, column in enumerate(columns, start=1):
        if column in result:
            continue
        base = column[:MAX_FIELD_BYTES] if column.isascii() else f"f{position}"
        name = base
        n = 1
        while _taken(name, used):
            suffix = f"_{n}"
            name = base[: MAX_FIELD_BYTES - len(suffix)] + suffix
            n += 1
        result[column] = name
        used.add(name.lower())
    return {column: result[column] for column in columns}


@dataclass(frozen=True)
class LongValue:
    """A text value too long for a Shapefile field: layer, field, feature and its UTF-8 bytes."""

    layer: str
    field: str
    feature: str
    n_bytes: int


def long_values(layer: str, frame: pd.DataFrame, id_column: str | None = None) -> list[LongValue]:
    """Text values longer than :data:`MAX_STRING_BYTES` in UTF-8 (feature = id or row).

    Parameters
    ----------
    layer : str
        The layer name (for the report).
    frame : pandas.DataFrame
        The layer.
    id_column : str or None
        Column naming each feature (row numbers when ``None``).

    Returns
    -------
    list of LongValue
        One per long value.
    """
    found = []
    for column in frame.columns:
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        series = frame[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        lengths = series.map(lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0)
        for index in lengths.index[lengths > MAX_STRING_BYTES]:
            ident = frame.at[index, id_column] if id_column in frame.columns else f"row {index}"
            found.append(LongValue(layer, column, str(ident), int(lengths[index])))
    return found


def _id_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in ("code", "id", "name") if c in frame.columns), None)


def _check_lengths(layers: Mapping[str, pd.DataFrame]) -> None:
    problems = []
    for name, frame in layers.items():
        problems += long_values(name, frame, _id_column(frame))
    if problems:
        lines = [f"  {p.layer}.{p.field}, feature {p.feature}: {p.n_bytes} bytes" for p in problems]
        raise DataError(
            f"{len(problems)} text value(s) exceed the Shapefile limit of {MAX_STRING_BYTES} "
            "bytes (UTF-8); shorten them or export to GeoPackage:\n" + "\n".join(lines),
            file="shapefile export",
            feature=problems[0].feature,
            field=f"{problems[0].layer}.{problems[0].field}",
        )


def _chunks(text: str, limit: int = MAX_STRING_BYTES) -> list[str]:
    """Cut text into pieces of at most ``limit`` UTF-8 bytes, never ending in whitespace."""
    if not text:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end, size = start, 0
        while end < len(text) and size + len(text[end].encode("utf-8")) <= limit:
            size += len(text[end].encode("utf-8"))
            end += 1
        if end < len(text):
            cut = end
            while cut > start + 1 and (text[cut - 1].isspace() or text[cut].isspace()):
                cut -= 1
            end = cut if cut > start + 1 else end
        pieces.append(text[start:end])
        start = end
    return pieces


def split_long_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Continue over-long text columns in ``<column>_2``, ``<column>_3`` … columns.

    Returns the new frame (continuations right after their column) and, per split
    column, the list of its part columns in order (the column itself first).
    """
    parts_of: dict[str, list[str]] = {}
    out = frame
    for column in list(frame.columns):
        too_long = long_values("", frame[[column]])
        if not too_long:
            continue
        pieces = frame[column].map(lambda v: _chunks(v) if isinstance(v, str) else [v])
        n_parts = int(pieces.map(len).max())
        names = [column]
        for k in range(2, n_parts + 1):
            name = f"{column}_{k}"
            while name in frame.columns or name in names:
                name += "_"
            names.append(name)
        position = list(out.columns).index(column)
        out = out.copy()
        for k, name in enumerate(names):
            values = pieces.map(lambda p, k=k: p[k] if k < len(p) else None)
            if k == 0:
                out[column] = values.astype(object)
            else:
                out.insert(position + k, name, values.astype(object))
        parts_of[column] = names
    return out, parts_of


def geometry_type(name: str, frame: gpd.GeoDataFrame, spec: LayerSpec | None) -> str:
    """The one geometry type of the file: multi when any feature or the registry is.

    Parameters
    ----------
    name : str
        The layer name.
    frame : geopandas.GeoDataFrame
        The layer.
    spec : LayerSpec or None
        Its registry entry.

    Returns
    -------
    str
        ``Point``, ``MultiLineString`` ….
    """
    types = set(frame.geom_type.dropna().unique())
    families = {t.replace("Multi", "") for t in types}
    if len(families) > 1:
        raise DataError(
            f"mixed geometry types {sorted(families)}: a shapefile holds one type",
            file=f"layer {name}",
        )
    family = families.pop() if families else (spec.geometry if spec else None) or "Unknown"
    family = family.replace("Multi", "")
    multi = any(t.startswith("Multi") for t in types) or bool(
        spec and (spec.geometry or "").startswith("Multi")
    )
    return f"Multi{family}" if multi else family


ROW_COLUMN = "jm_row"
"""Row number (from 1) written when a layer is split by geometry type, to restore order."""


def _geometry_parts(name: str, frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The frame per geometry family (file suffix → rows); one part when homogeneous.

    Rows without geometry go with the largest part (shapefiles allow null shapes).
    """
    frame = frame.reset_index(drop=True)
    families = frame.geom_type.map(lambda t: t.replace("Multi", ""), na_action="ignore")
    counts = families.value_counts()
    if len(counts) <= 1:
        return {"": frame}
    parts = {}
    for i, family in enumerate(counts.index):
        mask = families == family
        if i == 0:
            mask |= families.isna()
        parts[f"_{family.lower()}"] = frame[mask]
    return parts


def _empty_text_columns(layer: str, frame: pd.DataFrame) -> dict[str, str]:
    """How to tell empty text from missing text on reading, per column.

    DBF stores both as blanks and GDAL reads blanks as missing.  ``fields.csv`` says
    ``empty`` when a column has empty strings and no missing values (every blank is
    ``""``), or ``rows:3,17`` (row numbers from 1) when it has both.
    """
    found = {}
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        is_empty = (series.astype(object) == "").to_numpy(dtype=bool)
        if not is_empty.any():
            continue
        if series.isna().any():
            found[column] = "rows:" + ",".join(str(i + 1) for i in is_empty.nonzero()[0])
        else:
            found[column] = "empty"
    return found


def _field_rows(
    name: str,
    file: str,
    mapping: Mapping[str, str],
    parts_of: Mapping[str, list[str]],
    spec: LayerSpec | None,
    empty_text: Mapping[str, str],
):
    fields = {f.name: f for f in spec.fields} if spec else {}
    part_of = {p: (col, k) for col, ps in parts_of.items() for k, p in enumerate(ps, start=1)}
    for split_name, short in mapping.items():
        column, part = part_of.get(split_name, (split_name, 1))
        f = fields.get(column)
        yield {
            "layer": name,
            "file": file,
            "column": column,
            "part": str(part),
            "shapefile_field": short,
            "type": f.type if f else "",
            "alias": f.alias if f else "",
            "unit": (f.unit or "") if f else "",
            "empty": empty_text.get(column, "") if part == 1 else "",
        }


def write_shapefiles(
    layers: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    *,
    specs: Mapping[str, LayerSpec] | None = None,
    long_text: str = "split",
    style_as: Mapping[str, str] | None = None,
    styles: bool = True,
    widths: Mapping[str, Mapping[str, int]] | None = None,
) -> list[Path]:
    """Write one Shapefile set per layer (tables as a lone ``.dbf``) plus ``fields.csv``.

    Beside every ``.shp`` a ``.qml`` (QGIS loads it as the default style: renderer,
    labels and Chinese aliases on the short field names) and an ``.sld`` are written
    (:mod:`jmgis.io.qgis.sidecars`); they belong to the set and are not listed in the
    returned paths.

    Parameters
    ----------
    layers
        Layers by name (GeoDataFrame → ``.shp`` set, DataFrame → ``.dbf``).
    out_dir
        Folder for the files (created).
    specs
        Layer specs for names the registry does not know (aliases in ``fields.csv``).
    long_text
        ``"split"``: text over 254 bytes continues in extra fields (lossless);
        ``"error"``: raise :class:`~jmgis.errors.DataError` listing every such value.
        Either way everything is checked before a file is written.
    style_as
        The jmgis layer each layer should look like (an export profile's renamed layers,
        :func:`jmgis.io.profiles.apply_profile`); default its own name.
    styles
        Write the ``.qml``/``.sld`` sidecars (default True).
    widths
        Text field widths in bytes by layer and column (an export profile's, e.g.
        ``XZQMC`` 100); a value that does not fit is a :class:`~jmgis.errors.DataError`.

    Returns the paths written (``.shp``/``.dbf`` and ``fields.csv``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if long_text not in LONG_TEXT_MODES:
        raise ValueError(f"long_text must be one of {LONG_TEXT_MODES}, not {long_text!r}")
    out_dir = Path(out_dir)
    specs = {**registry(), **(specs or {})}
    if long_text == "error":
        _check_lengths(layers)
    # Every file of every set is written into a temporary folder beside them and renamed
    # in once all are complete, so no half-written set (a .shp without its .dbf) is left.
    with staged_files(out_dir) as tmp:
        written = _write_sets(
            layers, tmp, specs, style_as=style_as or {}, styles=styles, widths=widths or {}
        )
    return [out_dir / p.relative_to(tmp) for p in written]


def _write_sets(
    layers: Mapping[str, pd.DataFrame],
    out_dir: Path,
    specs: Mapping[str, LayerSpec],
    *,
    style_as: Mapping[str, str] | None = None,
    styles: bool = True,
    widths: Mapping[str, Mapping[str, int]] | None = None,
) -> list[Path]:
    written: list[Path] = []
    rows: list[dict] = []
    for name, frame in layers.items():
        spatial = isinstance(frame, gpd.GeoDataFrame)
        frame, parts_of = split_long_text(frame)
        if parts_of:
            log.info(
                "%s: text over %d bytes continues in %s",
                name,
                MAX_STRING_BYTES,
                ", ".join(p for ps in parts_of.values() for p in ps[1:]),
            )
        columns = [c for c in frame.columns if not (spatial and c == frame.geometry.name)]
        mapping = shapefile_field_names(columns)
        renamed = frame.rename(columns=mapping)
        if spatial:
            if frame.crs is None:
                raise DataError("layer has no CRS", file=f"layer {name}")
            renamed = renamed.to_crs(STORAGE_CRS)
            parts = _geometry_parts(name, renamed)
            if len(parts) > 1:
                log.info("%s holds %s: one file set each", name, ", ".join(p[1:] for p in parts))
                mapping = {**mapping, ROW_COLUMN: ROW_COLUMN}
            for suffix, part in parts.items():
                path = out_dir / f"{name}{suffix}.shp"
                if len(parts) > 1:
                    part = part.assign(**{ROW_COLUMN: part.index.to_numpy() + 1})
                gtype = geometry_type(name, part, specs.get(name))
                pyogrio.write_dataframe(
                    part, path, encoding=ENCODING, promote_to_multi=gtype.startswith("Multi")
                )
                rows.append(
                    {
                        "layer": name,
                        "file": path.name,
                        "column": "geometry",
                        "shapefile_field": "",
                        "type": gtype,
                        "alias": "几何",
                    }
                )
                written.append(path)
                if (widths or {}).get(name):
                    _set_text_widths(path.with_suffix(".dbf"), name, (widths or {})[name], mapping)
                if styles:
                    original = frame.reset_index(drop=True).loc[part.index]
                    _sidecars(path, name, original, mapping, gtype, specs, style_as or {})
                empty = _empty_text_columns(name, frame)
                rows += _field_rows(name, path.name, mapping, parts_of, specs.get(name), empty)
        else:
            path = out_dir / f"{name}.dbf"
            pyogrio.write_dataframe(
                pd.DataFrame(renamed), path, driver="ESRI Shapefile", encoding=ENCODING
            )
            written.append(path)
            empty = _empty_text_columns(name, frame)
            rows += _field_rows(name, path.name, mapping, parts_of, specs.get(name), empty)
    fields_csv = out_dir / FIELDS_CSV
    # utf-8-sig: Excel on Chinese Windows otherwise opens a CSV as GBK and garbles it.
    safe_csv_rows(rows, FIELDS_CSV_COLUMNS, fields_csv, encoding="utf-8-sig")
    written.append(fields_csv)
    return written


def _set_text_widths(
    dbf: Path, layer: str, widths: Mapping[str, int], mapping: Mapping[str, str]
) -> None:
    """Rewrite ``dbf`` with the given widths (bytes) for its text fields ``C``.

    GDAL sizes text fields by the longest value; a database convention fixes them.  The
    records are re-packed field by field (values left-aligned, space-padded, as DBF has).
    """
    data = dbf.read_bytes()
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        raw = bytearray(data[pos : pos + 32])
        fields.append(raw)
        pos += 32
    by_file = {short: column for column, short in mapping.items()}
    old_sizes = [f[16] for f in fields]
    new_sizes = []
    for raw in fields:
        name = raw[:11].split(b"\0")[0].decode("ascii")
        width = widths.get(by_file.get(name, name))
        if width is not None and chr(raw[11]) == "C":
            if not 0 < width <= MAX_STRING_BYTES:
                raise DataError(f"text width {width} out of 1–{MAX_STRING_BYTES}", field=name)
            raw[16] = width
        new_sizes.append(raw[16])
    out = bytearray(data[:32])
    new_record = 1 + sum(new_sizes)
    out[8:12] = struct.pack("<HH", header_len, new_record)
    for raw in fields:
        out += raw
    out += data[pos:header_len]
    start = header_len
    for i in range(n_records):
        record = data[start + i * record_len : start + (i + 1) * record_len]
        new = bytearray(record[:1])
        offset = 1
        for raw, old, size in zip(fields, old_sizes, new_sizes, strict=True):
            value = record[offset : offset + old]
            offset += old
            text = value.rstrip(b" ")
            if len(text) > size:
                name = raw[:11].split(b"\0")[0].decode("ascii")
                raise DataError(
                    f"{len(text)} bytes do not fit the field's width {size}",
                    file=f"layer {layer}",
                    feature=str(i + 1),
                    field=by_file.get(name, name),
                )
            new += text.ljust(size, b" ") if size != old else value
        out += new
    out += data[start + n_records * record_len :]
    dbf.write_bytes(bytes(out))


def _sidecars(
    path: Path,
    name: str,
    frame: pd.DataFrame,
    mapping: Mapping[str, str],
    gtype: str,
    specs: Mapping[str, LayerSpec],
    style_as: Mapping[str, str],
) -> None:
    """Write the ``.qml``/``.sld`` of one ``.shp``.

    A layer the registry lacks gets a spec from its columns, styled by the default rules.
    """
    from jmgis.io.qgis.sidecars import write_sidecars
    from jmgis.layers import spec_from_frame

    spec = specs.get(name) or spec_from_frame(name, frame)
    write_sidecars(path, spec, frame, mapping, gtype, style_as=style_as.get(name, name))


# ------------------------------------------------------------------------------- reading


def _dbf_text_fields(data: bytes) -> tuple[list[tuple[int, int]], int, int, int]:
    """(offset, length) of the character fields, record count, header and record size."""
    n_records, header_size, record_size = struct.unpack("<IHH", data[4:12])
    fields, offset, pos = [], 1, 32
    while pos + 32 <= header_size and data[pos] != 0x0D:
        kind = chr(data[pos + 11])
        length = data[pos + 16]
        if kind == "C":
            fields.append((offset, length))
        offset += length
        pos += 32
    return fields, n_records, header_size, record_size


LDID_ENCODINGS = {0x4D: "cp936", 0x7A: "cp936", 0x01: "cp437", 0x57: "cp1252", 0x03: "cp1252"}
"""DBF language-driver ids (byte 29) that name a code page; 0 means "not said"."""


def detect_dbf_encoding(dbf: str | Path) -> str:
    """Guess the text encoding of a ``.dbf`` without a ``.cpg``.

    A language-driver id for GBK (0x4D, 0x7A) gives ``cp936``.  Otherwise the text fields
    are decoded: valid UTF-8 with non-ASCII bytes → ``UTF-8``; pure ASCII → ``UTF-8``;
    anything else → ``cp936``, the code page of legacy Chinese GIS files.
    """
    data = Path(dbf).read_bytes()
    ldid = data[29] if len(data) > 29 else 0
    if LDID_ENCODINGS.get(ldid) == "cp936":
        return "cp936"
    fields, n_records, header_size, record_size = _dbf_text_fields(data)
    chunks = []
    for i in range(n_records):
        start = header_size + i * record_size
        chunks += [data[start + off : start + off + length] for off, length in fields]
    text = b"".join(chunks)
    if text.isascii():
        return "UTF-8"
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return "cp936"
    return "UTF-8"


def read_shapefile(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a shapefile (or lone ``.dbf``), with the right encoding for Chinese text.

    ``encoding`` overrides everything; else the ``.cpg`` is honoured; else the encoding is
    detected (:func:`detect_dbf_encoding`), so legacy GBK files read correctly.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.shp`` or ``.dbf``.
    encoding : str or None
        The text encoding (``None`` = the ``.cpg``, else detect).

    Returns
    -------
    pandas.DataFrame
        The layer (a GeoDataFrame with geometry).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    dbf = path.with_suffix(".dbf")
    if encoding is None and not path.with_suffix(".cpg").exists() and dbf.exists():
        encoding = detect_dbf_encoding(dbf)
        log.info("%s has no .cpg; reading its text as %s", path.name, encoding)
    try:
        return pyogrio.read_dataframe(path, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"text is not {encoding or 'the encoding in the .cpg'}; pass encoding= "
            "(legacy Chinese files are usually cp936)",
            file=str(path),
        ) from exc


def read_fields_csv(folder: str | Path) -> pd.DataFrame:
    """The column mapping written beside an export."""
    return pd.read_csv(Path(folder) / FIELDS_CSV, encoding="utf-8-sig", dtype=str).fillna("")


def read_exported_layer(folder: str | Path, layer: str) -> pd.DataFrame:
    """Read back a layer exported by :func:`write_shapefiles` with its original columns.

    Column names come from ``fields.csv``; types from the ``type`` column (the registry's
    field types), so integers with missing values and strings come back as written.

    Parameters
    ----------
    folder : str or pathlib.Path
        The export folder.
    layer : str
        The layer name.

    Returns
    -------
    pandas.DataFrame
        The layer, long text joined back and column names restored from ``fields.csv``.
    """
    folder = Path(folder)
    mapping = read_fields_csv(folder)
    rows = mapping[mapping["layer"] == layer]
    if rows.empty:
        raise DataError(f"layer {layer!r} is not in {FIELDS_CSV}", file=str(folder / FIELDS_CSV))
    geometry_rows = rows[rows["column"] == "geometry"]
    files = list(dict.fromkeys(rows["file"]))
    rows = rows[(rows["column"] != "geometry") & (rows["file"] == files[0])]
    types = dict(zip(geometry_rows["file"], geometry_rows["type"], strict=True))
    pieces = []
    for file in files:
        piece = read_shapefile(folder / file)
        if isinstance(piece, gpd.GeoDataFrame) and types.get(file, "").startswith("Multi"):
            piece[piece.geometry.name] = _as_multi(piece.geometry.to_numpy())
        pieces.append(piece)
    raw = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    if ROW_COLUMN in rows["column"].to_numpy():
        raw = raw.sort_values(ROW_COLUMN).reset_index(drop=True)
        rows = rows[rows["column"] != ROW_COLUMN]
    frame = raw.copy() if isinstance(raw, gpd.GeoDataFrame) else pd.DataFrame(index=raw.index)
    columns = list(dict.fromkeys(rows["column"]))
    for column in columns:
        parts = rows[rows["column"] == column].sort_values("part", key=lambda p: p.astype(int))
        values = raw[parts["shapefile_field"].iloc[0]]
        for extra in parts["shapefile_field"].iloc[1:]:
            more = raw[extra].astype(object).where(raw[extra].notna(), "")
            values = values.where(values.isna(), values.astype(object) + more)
        empty = parts["empty"].iloc[0]
        if empty == "empty":
            values = values.astype(object).where(values.notna(), "")
        elif empty.startswith("rows:"):
            positions = [int(r) - 1 for r in empty[len("rows:") :].split(",")]
            values = values.astype(object)
            values.iloc[positions] = ""
        frame[column] = values
        kind = parts["type"].iloc[0]
        if kind in _DTYPES:
            frame[column] = frame[column].astype(_DTYPES[kind])
    if isinstance(frame, gpd.GeoDataFrame):
        frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
        columns = [*columns, "geometry"]
    return frame[columns]


def _as_multi(geometries):
    """Single parts back to the multi type they were written as (shapefiles drop it)."""
    out = []
    for geom in geometries:
        if geom is None or geom.geom_type.startswith("Multi"):
            out.append(geom)
        elif geom.geom_type == "Polygon":
            out.append(shapely.MultiPolygon([geom]))
        elif geom.geom_type == "LineString":
            out.append(shapely.MultiLineString([geom]))
        else:
            out.append(shapely.MultiPoint([geom]))
    return out


def exported_layers(folder: str | Path) -> Iterable[str]:
    """Layer names listed in an export's ``fields.csv`` (in export order)."""
    return list(dict.fromkeys(read_fields_csv(folder)["layer"]))
