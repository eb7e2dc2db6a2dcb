"""The place resolver used by `jmgis route` and the notebooks."""

import geopandas as gpd
import pytest
import shapely

from jmgis.admin import places
from jmgis.errors import AmbiguousNameError, ResolveError


@pytest.fixture
def fake_sources(monkeypatch):
    monkeypatch.setattr(places, "_SOURCES", {})
    ports = gpd.GeoDataFrame(
        {
            "port_id": ["p1", "p2"],
            "name": ["广海湾港区", "白沙码头"],
            "aliases": ["广海湾深水港", ""],
        },
        geometry=[shapely.Point(112.79, 21.95), shapely.Point(112.6, 22.25)],
        crs="EPSG:4490",
    )
    places.register_source("port", lambda: ports, "port_id")
    places.register_source(
        "gateway",
        lambda: gpd.GeoDataFrame(
            {"gateway_id": ["macau"], "name": ["澳门"]},
            geometry=[shapely.Point(113.55, 22.19)],
            crs=4490,
        ),
        "gateway_id",
    )
    return ports


def test_townships_and_counties_resolve_to_seats(fake_sources):
    place = places.resolve_place("台山白沙")
    assert (place.kind, place.id, place.name) == ("township", "440781103", "白沙镇")
    assert place.point.equals_exact(shapely.Point(112.5938, 22.25), tolerance=1e-3)
    assert places.resolve_place("恩平").kind == "county"


def test_registered_layers_by_id_name_and_alias(fake_sources):
    assert places.resolve_place("macau").name == "澳门"
    assert places.resolve_place("广海湾港区").id == "p1"
    assert places.resolve_place("广海湾深水港").id == "p1"
    assert places.resolve_place("白沙码头", kind="port").id == "p2"


def test_ambiguity_and_unknown_names(fake_sources):
    with pytest.raises(AmbiguousNameError):
        places.resolve_place("白沙")
    with pytest.raises(ResolveError, match="did you mean"):
        places.resolve_place("广海湾港")
    with pytest.raises(ResolveError, match="of kind gateway"):
        places.resolve_place("环市", kind="gateway")
