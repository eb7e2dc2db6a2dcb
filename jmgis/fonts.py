"""Chinese text in matplotlib: find a CJK font and make it the default.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels such as 乡镇 or
都市核心区 come out as empty boxes.  :func:`cjk_font` finds an installed font that covers
simplified Chinese (Debian: ``fonts-noto-cjk`` or ``fonts-wqy-microhei``);
:func:`use_chinese_font` puts it first in matplotlib's settings, for a user's own plots::

    import jmgis as jm
    jm.use_chinese_font()
    towns.plot(column="zone_name", legend=True)   # the legend reads 都市核心区 …

jmgis's own charts (the report) use the font for themselves without changing the user's
settings.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

__all__ = ["CJK_FAMILIES", "cjk_font", "use_chinese_font"]

#: Families known to cover simplified Chinese, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
CJK_FILE_HINTS = ("wqy", "cjk", "sourcehan", "notosanssc", "droidsansfallback", "simhei", "msyh")


def _known_family(installed: set[str]) -> str | None:
    return next((name for name in CJK_FAMILIES if name in installed), None)


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use.

    Returns
    -------
    str or None
        E.g. ``"Noto Sans CJK SC"``; ``None`` when no such font is installed.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _known_family({f.name for f in manager.ttflist})
    if found is None:
        # matplotlib's font cache predates fonts installed later (e.g. by apt): add the
        # system font files that look like CJK fonts, then look again.
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower() for hint in CJK_FILE_HINTS):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = _known_family({f.name for f in manager.ttflist})
    return found


def font_settings(font: str | None = None) -> dict:
    """Matplotlib settings that draw Chinese with ``font`` (default :func:`cjk_font`).

    Parameters
    ----------
    font
        A font family; ``None``: the one :func:`cjk_font` finds.

    Returns
    -------
    dict
        rcParams (``font.sans-serif`` with the CJK font first, a plain minus sign so that
        negative numbers need no glyph the font may lack); empty without a CJK font.
    """
    font = font or cjk_font()
    if not font:
        return {}
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [font, "DejaVu Sans"],
        "axes.unicode_minus": False,
    }


def use_chinese_font() -> str | None:
    """Make a CJK font matplotlib's default, so the user's own plots show Chinese.

    Returns
    -------
    str or None
        The font family used, or ``None`` (with a :class:`UserWarning`) when no CJK font is
        installed (``apt install fonts-noto-cjk``).
    """
    import matplotlib

    settings = font_settings()
    if not settings:
        warnings.warn(
            "no CJK font found: Chinese labels will show as boxes "
            "(install Debian fonts-noto-cjk or fonts-wqy-microhei)",
            UserWarning,
            stacklevel=2,
        )
        return None
    matplotlib.rcParams.update(settings)
    return settings["font.sans-serif"][0]
