"""The request protocol of the QGIS algorithms, without QGIS: which network a request
names, and the errors a bad one gets."""

from __future__ import annotations

import pytest

from jmgis.errors import DataError
from jmgis.io.qgis import algorithms as algs
from jmgis.settings import Settings


def test_a_request_without_network_keys_keeps_the_bundled_network():
    base = Settings.load()
    assert algs.request_settings({"algorithm": "route", "year": 2025}, base) is base
    assert algs.request_settings({"network": "", "class_field": None}, base) is base


def test_a_request_naming_a_network_sets_every_network_field(tmp_path):
    base = Settings.load()
    got = algs.request_settings(
        {
            "network": str(tmp_path / "roads.gpkg"),
            "class_field": "DLDJ",
            "class_map": str(tmp_path / "classes.yaml"),
            "speed_field": "SJSD",
            "oneway_field": "DXBZ",
            "network_buffer_m": 2000,
        },
        base,
    )
    assert got.network == tmp_path / "roads.gpkg"
    assert got.network_class_map == tmp_path / "classes.yaml"
    assert (got.network_class_field, got.network_speed_field) == ("DLDJ", "SJSD")
    assert got.network_oneway_field == "DXBZ" and got.network_buffer_m == 2000.0


def test_a_class_field_without_a_network_is_refused():
    with pytest.raises(DataError, match="class_field"):
        algs.request_settings({"class_field": "DLDJ"}, Settings.load())


def test_an_unknown_mode_is_named():
    with pytest.raises(DataError, match="walk"):
        algs.network(2025, ["road", "walk"])
