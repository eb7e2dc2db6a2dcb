"""jmgis.readers: the one set of readers every user-facing loader goes through."""

from __future__ import annotations

import pytest

from jmgis.errors import DataError
from jmgis.readers import read_json, read_table, read_yaml


def test_gbk_csv_without_declared_encoding_is_detected(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("code,name\n440703001,环市街道\n".encode("gbk"))
    assert read_table(path)["name"].tolist() == ["环市街道"]
    assert read_table(path, encoding="gbk")["name"].tolist() == ["环市街道"]


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("code,name\n1,白沙\n".encode("utf-8-sig"))
    assert list(read_table(path).columns) == ["code", "name"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a,b\n1,2\n3\n", "line 3"),
        ("a,a\n1,2\n", "duplicate column"),
        ("a,\n1,2\n", "no name"),
        ("\n\n", "no header"),
        ('a,b\n1,"2\n', "line"),
    ],
    ids=["short-row", "dup-header", "blank-header", "no-header", "open-quote"],
)
def test_malformed_csv(tmp_path, text, needle):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=needle) as info:
        read_table(path)
    assert info.value.file == str(path)


def test_malformed_json_names_the_line(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_json(path)
    assert info.value.file == str(path) and info.value.feature == "line 4"


def test_yaml_empty_is_none_and_tab_indent_is_an_error(tmp_path):
    empty = tmp_path / "e.yaml"
    empty.write_bytes(b"")
    assert read_yaml(empty) is None
    bad = tmp_path / "b.yaml"
    bad.write_text("a:\n\t- 1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_yaml(bad)
    assert "\n" not in str(info.value) and info.value.feature.startswith("line ")


def test_unknown_encoding_names_the_field(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_table(path, encoding="no-such-codec")
    assert info.value.field == "encoding"
