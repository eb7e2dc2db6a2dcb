"""The catalog as GeoPackage layers: lists become ``'a; b'`` text, sources ``file:line; …``."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from jmgis.catalog.loader import Catalog, load_catalog
from jmgis.catalog.records import join
from jmgis.crs import STORAGE_CRS
from jmgis.layers import layer_spec


def _related(cells: pd.Series) -> pd.Series:
    return cells.map(
        lambda rels: join(
            f"{r['id']}（{r['relation']}）" if r["relation"] else r["id"] for r in rels
        )
    )


def _flatten(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """The columns of ``layer`` (in the layer registry's order) as GeoPackage-ready text."""
    out = pd.DataFrame(index=frame.index)
    for col in layer_spec(layer).field_names:
        if col == "source":
            out[col] = frame["sources"].map(join)
        elif col == "related":
            out[col] = _related(frame["related"])
        else:
            values = frame[col]
            if len(values) and values.map(lambda v: isinstance(v, list)).any():
                values = values.map(join)
            out[col] = values
    return out


def _township_names(frame: pd.DataFrame) -> pd.Series:
    from jmgis.catalog.admin_link import default_admin

    admin = default_admin()
    return frame["township_codes"].map(lambda codes: [admin.township(c)["name"] for c in codes])


def link_transport_features(projects: pd.DataFrame) -> pd.DataFrame:
    """Fill each project's ``feature_ids`` from the transport features.

    The features that name it in their ``project_ids``
    (``jmgis.transport.project_features``), keeping ids already listed in ``project.yaml``.
    """
    from jmgis import transport

    linked = transport.project_features()
    projects = projects.copy()
    projects["feature_ids"] = [
        list(dict.fromkeys([*own, *linked.get(pid, [])]))
        for pid, own in zip(projects["id"], projects["feature_ids"], strict=True)
    ]
    return projects


def layers(catalog: Catalog | None = None) -> dict[str, pd.DataFrame]:
    """``{"park", "structure", "project", "indicator", "scheme", "scheme_member"}``.

    And one ``plan_<sector>`` layer per facility sector (:func:`facility_layers`).

    ``park`` and ``structure`` are GeoDataFrames in EPSG:4490 (structure mixes areas and
    schematic lines; pattern rows have no geometry); the others are attribute tables.
    """
    catalog = catalog or load_catalog()
    parks = catalog.parks.copy()
    parks["township_names"] = _township_names(parks) if len(parks) else []
    park = gpd.GeoDataFrame(_flatten(parks, "park"), geometry=parks.geometry, crs=STORAGE_CRS)
    struct = catalog.structure.copy()
    struct["through"] = struct["through"].map(lambda places: " → ".join(p["label"] for p in places))
    structure = gpd.GeoDataFrame(
        _flatten(struct, "structure"),
        geometry=catalog.structure.geometry,
        crs=STORAGE_CRS,
    )
    projects = link_transport_features(catalog.projects)
    projects["milestones"] = projects["milestones"].map(
        lambda steps: join(f"{s['year']} {s['text']}（{'、'.join(s['sources'])}）" for s in steps)
    )
    projects = _flatten(projects, "project")
    projects["target_year"] = pd.array(catalog.projects["target_year"], dtype="Int64")
    indicators = _flatten(catalog.indicators, "indicator")
    indicators["row"] = pd.array(catalog.indicators["row"], dtype="Int64")
    members = catalog.scheme_members.rename(columns={"order": "seq", "group": "member_group"})
    members["readings"] = members["readings"].map(
        lambda rs: join(
            f"{'、'.join(r['roads'])}（{r['note']}，{'、'.join(r['sources'])}）" for r in rs
        )
    )
    out: dict[str, pd.DataFrame] = {
        "park": park,
        "structure": structure,
        "project": projects,
        "indicator": indicators,
        "scheme": _flatten(catalog.schemes, "scheme"),
        "scheme_member": _flatten(members, "scheme_member"),
    }
    out.update(facility_layers(catalog))
    return out


def facility_layers(catalog: Catalog | None = None) -> dict[str, gpd.GeoDataFrame]:
    """One point layer per facility sector (``plan_energy``, ``plan_water`` …).

    Rows whose plan lines name no place keep an empty geometry: the layer is then also
    the table of the sector (issue 14).  Every sector's layer is written, even when empty.

    Parameters
    ----------
    catalog : Catalog or None
        The loaded catalog (the bundled one when ``None``).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``{layer name: layer}`` in EPSG:4490, one per :data:`~jmgis.catalog.vocab.FACILITY_SECTORS`.
    """
    from jmgis.catalog.vocab import FACILITY_LAYERS

    catalog = catalog or load_catalog()
    frame = catalog.facilities
    out = {}
    for sector, layer in FACILITY_LAYERS.items():
        part = frame[frame["sector"] == sector].copy() if frame is not None else None
        if part is None or part.empty:
            names = layer_spec(layer).field_names
            empty = pd.DataFrame({c: pd.Series(dtype=object) for c in names})
            out[layer] = gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
            continue
        part["township_names"] = _township_names(part)
        flat = _flatten(part, layer)
        flat["target_year"] = pd.array(part["target_year"], dtype="Int64")
        out[layer] = gpd.GeoDataFrame(flat, geometry=part.geometry, crs=STORAGE_CRS)
    return out
