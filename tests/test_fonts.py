"""Chinese in the user's own matplotlib plots: jm.use_chinese_font()."""

from __future__ import annotations

import matplotlib
import pytest

import jmgis as jm
from jmgis.fonts import cjk_font


def test_use_chinese_font_makes_chinese_glyphs_drawable():
    if cjk_font() is None:
        pytest.skip("no CJK font installed")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    with matplotlib.rc_context():
        family = jm.use_chinese_font()
        assert matplotlib.rcParams["font.sans-serif"][0] == family
        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        font = FT2Font(path)
        # every character of a zone name has a glyph (index 0 is the empty box)
        assert all(font.get_char_index(ord(ch)) for ch in "都市核心区乡镇")
    assert matplotlib.rcParams["font.sans-serif"][0] != family  # the context restored


def test_without_a_cjk_font_the_user_is_told(monkeypatch):
    import jmgis.fonts as fonts

    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    with matplotlib.rc_context(), pytest.warns(UserWarning, match="CJK"):
        assert fonts.use_chinese_font() is None
