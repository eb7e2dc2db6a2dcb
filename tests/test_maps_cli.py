"""``jmgis map KIND --out FILE`` from the bundled data."""

from __future__ import annotations

import json
import re

import pytest

from jmgis.cli import main


def _township_features(page: str) -> list[dict]:
    for match in re.finditer(r"_add\((\{\"features\".*?\})\);\n", page, re.S):
        block = json.loads(match.group(1))
        if block["features"] and {"code", "zone_code"} <= set(block["features"][0]["properties"]):
            return block["features"]
    return []


def test_map_zones_writes_one_self_contained_file(tmp_path):
    out = tmp_path / "sub" / "zones.html"
    assert main(["map", "zones", "--review-no", "粤S(2099)001号", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert len(_township_features(page)) == 73
    assert "审图号：粤S(2099)001号" in page
    assert list(tmp_path.iterdir()) == [tmp_path / "sub"]  # no side files next to the map


def test_map_gaode_shifts_the_bundled_townships(tmp_path):
    plain, gaode = tmp_path / "a.html", tmp_path / "b.html"
    assert main(["map", "zones", "--out", str(plain)]) == 0
    assert main(["map", "zones", "--basemap", "gaode", "--out", str(gaode)]) == 0
    a = _township_features(plain.read_text(encoding="utf-8"))[0]["geometry"]["coordinates"]
    b = _township_features(gaode.read_text(encoding="utf-8"))[0]["geometry"]["coordinates"]
    while isinstance(a[0], list):
        a, b = a[0], b[0]
    assert 0.004 < b[0] - a[0] < 0.007


def test_tianditu_without_key_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JMGIS_TIANDITU_KEY", raising=False)
    assert main(["map", "zones", "--basemap", "tianditu", "--out", str(tmp_path / "t.html")]) == 2
    assert "JMGIS_TIANDITU_KEY" in capsys.readouterr().err
    assert not (tmp_path / "t.html").exists()


def test_unknown_kind_is_rejected_by_the_parser(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["map", "heatmap", "--out", str(tmp_path / "x.html")])
    assert exc.value.code == 2
