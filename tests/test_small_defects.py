"""The smaller defects of issue 11: names with blanks resolve, 12-digit codes everywhere,
plain values in messages, -v without third-party debug, global flags after the
subcommand, and user boundaries loaded (and logged) once."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from jmgis import admin
from jmgis.admin import tables
from jmgis.admin.resolver import Resolver, normalise_code, normalise_name
from jmgis.errors import DataError, JmgisError


def test_a_name_with_blanks_in_the_index_resolves(monkeypatch):
    code = tables.townships()["code"].iloc[0]
    aliases = tables.aliases()
    extra = aliases.iloc[:1].copy()
    extra["alias"] = "Old Town  Market"
    extra["code"] = code
    monkeypatch.setattr(tables, "aliases", lambda: pd.concat([aliases, extra]))
    resolver = Resolver()
    for query in ("Old Town  Market", "Old Town Market", " old town market ", "OldTownMarket"):
        assert resolver.township(query).code == code


def test_full_width_and_blank_queries_resolve_like_the_name():
    name = tables.townships()["name"].iloc[0]
    spaced = " ".join(name)
    assert normalise_name(spaced) == normalise_name(name)
    assert Resolver().township(spaced).name == name


@pytest.mark.parametrize("raw", ["440703001", " 440703001 ", "440703001.0", "440703001000"])
def test_one_code_normaliser(raw):
    assert normalise_code(raw) == "440703001"


def test_population_accepts_twelve_digit_codes():
    towns = tables.townships()
    df = pd.DataFrame({"code": towns["code"] + "000", "population": 1000})
    out = admin_population(df)
    assert sorted(out["code"]) == sorted(towns["code"])


def admin_population(df):
    from jmgis.jiangmen.population import population_from_table

    return population_from_table(df)


def test_boundaries_accept_the_same_codes(tmp_path):
    from jmgis.admin.user import load_user_townships

    frame = admin.load_townships()[["code", "geometry"]].copy()
    frame["code"] = frame["code"] + "000"
    path = tmp_path / "t.gpkg"
    frame.to_file(path)
    assert sorted(load_user_townships(path)["code"]) == sorted(tables.townships()["code"])


def test_messages_show_plain_values():
    towns = tables.townships()
    df = pd.DataFrame({"code": towns["code"], "population": 1000.0})
    df.loc[3, "population"] = np.float64("nan")
    with pytest.raises(DataError) as info:
        admin_population(df)
    text = str(info.value)
    assert "np.float64" not in text and "population nan " in text and "row 5" in text


def test_infinite_population_is_refused():
    towns = tables.townships()
    df = pd.DataFrame({"code": towns["code"], "population": "1000"})
    df.loc[0, "population"] = "inf"
    with pytest.raises(DataError, match="population 'inf' is not a finite number"):
        admin_population(df)


@pytest.mark.parametrize("position", ["before", "after"])
def test_verbose_shows_jmgis_debug_but_not_third_party(position, capsys):
    from jmgis.cli import THIRD_PARTY_LOGGERS, main

    args = ["explain", "no_such_id_xyz"]
    rc = main(["-v", *args] if position == "before" else [*args, "-v"])
    assert rc == 2
    assert logging.getLogger("jmgis.network").isEnabledFor(logging.DEBUG)
    for name in (*THIRD_PARTY_LOGGERS, "some.other.library"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name


def test_quiet_after_the_subcommand():
    from jmgis.cli import main

    main(["explain", "no_such_id_xyz", "-q"])
    assert not logging.getLogger("jmgis").isEnabledFor(logging.INFO)


def test_debug_after_the_subcommand_shows_the_traceback():
    from jmgis.cli import main

    with pytest.raises(JmgisError):
        main(["explain", "no_such_id_xyz", "--debug"])
    with pytest.raises(JmgisError):
        main(["network", "check", "--year", "1999", "--debug"])


def test_quiet_and_verbose_on_both_sides_are_refused():
    from jmgis.cli import main

    with pytest.raises(SystemExit) as info:
        main(["-q", "explain", "x", "-v"])
    assert info.value.code == 2


def test_user_boundaries_are_loaded_and_logged_once(tmp_path, caplog):
    from jmgis.admin.user import load_user_townships

    path = tmp_path / "t.gpkg"
    admin.load_townships()[["code", "geometry"]].to_file(path)
    with caplog.at_level(logging.INFO, logger="jmgis"):
        first = load_user_townships(path)
        first.loc[0, "code"] = "changed"  # a caller's change must not leak into the next
        second = load_user_townships(path)
    loaded = [r for r in caplog.records if "township boundaries" in r.getMessage()]
    assert len(loaded) == 1
    assert second["code"].iloc[0] != "changed"
