"""The bundled transport data held to real geometry and to the plans (issue 14)."""

from __future__ import annotations

import importlib
import shutil

import pytest
import yaml

from jmgis.errors import DataError
from jmgis.paths import transport_dir

tload = importlib.import_module("jmgis.transport.load")

DATA = transport_dir()
BAISHA_PENGJIANG = "seat_440703002"  # 蓬江区白沙街道
BAISHA_TAISHAN = "seat_440781103"  # 台山市白沙镇


def _copy(tmp_path):
    target = tmp_path / "transport"
    shutil.copytree(DATA, target)
    return target


def _edit(directory, file, id_field, fid, change):
    path = directory / file
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rec in records:
        if rec[id_field] == fid:
            change(rec)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _load(directory):
    tload._load_all.cache_clear()
    try:
        return tload._load_all(str(directory))
    finally:
        tload._load_all.cache_clear()


def _swap(old, new):
    def change(rec):
        rec["via"] = [new if v == old else v for v in rec["via"]]

    return change


@pytest.mark.parametrize("road_id", ["u_jiangmen_dadao_n", "u_jiangqiao"])
def test_the_baisha_roads_run_through_pengjiang(road_id):
    road = tload.load("road").set_index("road_id").loc[road_id]
    via = road["via"].split(",")
    assert BAISHA_PENGJIANG in via and BAISHA_TAISHAN not in via
    assert {v.removeprefix("seat_")[:6] for v in via if v.startswith("seat_")} <= {
        "440703",
        "440704",
        "440705",
    }


@pytest.mark.parametrize("road_id", ["u_jiangmen_dadao_n", "u_jiangqiao"])
def test_a_road_through_the_wrong_baisha_is_refused(tmp_path, road_id):
    data = _copy(tmp_path)
    _edit(data, "roads.yaml", "road_id", road_id, _swap(BAISHA_PENGJIANG, BAISHA_TAISHAN))
    with pytest.raises(DataError) as info:
        _load(data)
    assert info.value.feature == road_id and info.value.field == "via"


def test_a_taishan_road_through_pengjiang_baisha_is_refused(tmp_path):
    data = _copy(tmp_path)
    swap = _swap(BAISHA_TAISHAN, BAISHA_PENGJIANG)
    _edit(data, "roads.yaml", "road_id", "s26_zhongkai_west", swap)
    with pytest.raises(DataError) as info:
        _load(data)
    assert info.value.feature == "s26_zhongkai_west" and info.value.field == "via"


def test_a_long_detour_is_refused(tmp_path):
    data = _copy(tmp_path)

    def detour(rec):
        rec["via"] = [rec["via"][0], "seat_440785001", rec["via"][-1]]  # 恩平 恩城

    _edit(data, "roads.yaml", "road_id", "u_jiangqiao", detour)
    with pytest.raises(DataError, match="times") as info:
        _load(data)
    assert info.value.feature == "u_jiangqiao"
