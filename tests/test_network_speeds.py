"""The operating-speed table: defaults by standard, overrides, files and bad values."""

import pytest

from jmgis.errors import DataError
from jmgis.speeds import DEFAULT_SPEEDS_KPH, SpeedTable, travel_time_s


def test_defaults_are_ordered_by_road_hierarchy():
    s = DEFAULT_SPEEDS_KPH
    assert s["expressway"] > s["national"] > s["provincial"] > s["county"] > s["township"]
    assert s["urban_expressway"] > s["arterial"] > s["secondary"] > s["local"]
    # operating speed stays below the JTG B01-2014 design speed of 高速公路 (120 km/h)
    assert s["expressway"] < 120


def test_unknown_class_names_the_field_and_feature():
    with pytest.raises(DataError) as err:
        SpeedTable().road_speed("motorway", file="roads.gpkg", feature=7)
    assert err.value.field == "road_class"
    assert "roads.gpkg" in str(err.value) and "feature 7" in str(err.value)
    assert "motorway" in str(err.value)


def test_overrides_merge_and_keep_other_classes():
    table = SpeedTable().with_overrides(road={"expressway": 100, "高速": 80}, transfer_s=120)
    assert table.road_speed("expressway") == 100
    assert table.road_speed("高速") == 80
    assert table.road_speed("county") == DEFAULT_SPEEDS_KPH["county"]
    assert table.transfer_s == 120
    assert SpeedTable().road_speed("expressway") == DEFAULT_SPEEDS_KPH["expressway"]


@pytest.mark.parametrize("bad", [0, -5, "fast", float("nan")])
def test_bad_speed_is_refused(bad):
    with pytest.raises(DataError):
        SpeedTable().with_overrides(road={"expressway": bad})


def test_ferry_overrides_and_unknown_key():
    table = SpeedTable().with_overrides(ferry={"wait_s": 900})
    assert table.ferry.wait_s == 900
    assert table.ferry.speed_kph == SpeedTable().ferry.speed_kph
    with pytest.raises(DataError):
        SpeedTable().with_overrides(ferry={"knots": 10})
    with pytest.raises(DataError):
        SpeedTable().with_overrides(tram_speed=10)


def test_yaml_round_trip(tmp_path):
    import yaml

    table = SpeedTable().with_overrides(rail={"hsr": 200}, ferry={"speed_kph": 30})
    path = tmp_path / "speeds.yaml"
    path.write_text(yaml.safe_dump(table.to_dict(), allow_unicode=True), encoding="utf-8")
    assert SpeedTable.from_file(path) == table


def test_csv_overrides_and_bad_row(tmp_path):
    good = tmp_path / "speeds.csv"
    good.write_text("road_class,speed_kph\nexpressway,110\n村道,15\n", encoding="utf-8")
    table = SpeedTable.from_file(good)
    assert table.road_speed("expressway") == 110 and table.road_speed("村道") == 15
    bad = tmp_path / "bad.csv"
    bad.write_text("road_class,speed_kph\nexpressway,110\ncounty,\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        SpeedTable.from_file(bad)
    assert err.value.feature == 3 and err.value.field == "speed_kph"


def test_coerce_accepts_flat_mapping():
    assert SpeedTable.coerce({"expressway": 70}).road_speed("expressway") == 70


def test_travel_time():
    assert travel_time_s(1000, 36) == pytest.approx(100)


def test_door_to_door_parameters_round_trip_and_are_checked(tmp_path):
    """Issue 15: access legs, terminal, ramp and junction parameters live in the table."""
    import yaml

    table = SpeedTable().with_overrides(
        access_speed_kph={"rural": 35},
        access_m={"urban": 0},
        terminal_s=90,
        ramp_s=30,
        junction_delay_s=25,
        junctions_per_km=2,
        junction_classes=["arterial"],
    )
    assert table.access_speed_kph["urban"] == SpeedTable().access_speed_kph["urban"]  # merged
    assert table.access_leg_s("urban") == 90.0  # no minimum leg: the terminal time only
    assert table.access_leg_s("nowhere") == table.access_leg_s("other")
    path = tmp_path / "speeds.yaml"
    path.write_text(yaml.safe_dump(table.to_dict(), allow_unicode=True), encoding="utf-8")
    assert SpeedTable.from_file(path) == table
    for bad in ({"terminal_s": -1}, {"access_speed_kph": {"urban": 0}}, {"ramp_s": "x"}):
        with pytest.raises(DataError):
            SpeedTable().with_overrides(**bad)
