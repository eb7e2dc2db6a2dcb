"""`jmgis route` on the bundled data: text and JSON output, all kinds of places, errors."""

from __future__ import annotations

import json

import pytest

from jmgis.cli import main


def run_json(capsys, *args):
    assert main(["route", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_contract_keys(capsys):
    out = run_json(capsys, "台城街道", "环市街道", "--year", "2025")
    assert {"from", "to", "year", "minutes", "distance_km", "via"} <= set(out)
    assert out["from"] == "台城街道" and out["to"] == "环市街道" and out["year"] == 2025
    # 台城 → 江门 city centre: straight line ≈ 46 km, so the road trip is longer than that
    assert 46 < out["distance_km"] < 100
    assert 30 < out["minutes"] < 120
    assert out["via"] and all(isinstance(v, str) for v in out["via"])
    assert sum(leg["km"] for leg in out["legs"]) == pytest.approx(out["distance_km"], abs=0.2)


@pytest.mark.parametrize(
    "origin, destination",
    [
        ("440781001", "440703006"),  # township codes
        ("台山白沙", "guangzhou"),  # short name with county, gateway id
        ("江门站", "macau"),  # station name
        ("山咀港（川岛客运码头）", "川岛镇"),  # port name, island by ferry
        ("广海湾经济开发区", "沙坪街道互通"),  # park name, interchange name
        ("台山市", "台山通用机场"),  # county, airport (planned: in the vision year)
    ],
)
def test_all_kinds_of_places(capsys, origin, destination):
    out = run_json(capsys, origin, destination, "--year", "2035")
    assert out["minutes"] > 0 and out["distance_km"] > 0


def test_road_and_rail_modes(capsys):
    road = run_json(capsys, "江门站", "guangzhou", "--mode", "road")
    rail = run_json(capsys, "江门站", "guangzhou", "--mode", "rail")
    assert not any(leg["mode"] == "rail" for leg in road["legs"])
    assert any(leg["mode"] == "rail" for leg in rail["legs"])
    assert any(leg["mode"] == "transfer" for leg in rail["legs"])  # boarding penalty


def test_text_output(capsys):
    assert main(["route", "沙坪街道", "环市街道", "--year", "2020"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("沙坪街道 → 环市街道")
    assert " min, " in text and " km" in text and "via " in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["台城街道", "环市街道", "--year", "2050"], "2020–2035"),
        (["台城街道", "火星站"], "no place '火星站'"),
        (["白沙", "环市街道"], "ambiguous"),
        (["台城街道", "台山通用机场", "--year", "2025"], "not in the 2025 network"),
    ],
)
def test_errors_exit_2_with_a_clear_message(capsys, args, message):
    assert main(["route", *args]) == 2
    assert message in capsys.readouterr().err


def test_speed_table_file_changes_the_time(capsys, tmp_path):
    table = tmp_path / "speeds.csv"
    table.write_text("road_class,speed_kph\nexpressway,60\n", encoding="utf-8")
    default = run_json(capsys, "台城街道", "环市街道")
    slow = run_json(capsys, "台城街道", "环市街道", "--speeds", str(table))
    assert slow["minutes"] > default["minutes"] * 1.1
    bad = tmp_path / "bad.csv"
    bad.write_text("road_class,speed_kph\nexpressway,fast\n", encoding="utf-8")
    assert main(["route", "台城街道", "环市街道", "--speeds", str(bad)]) == 2
    assert "bad.csv" in capsys.readouterr().err
