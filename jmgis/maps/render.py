"""Render a folium map without a second Jinja2 pass over its output.

branca (0.8) renders a map in two passes: each ``MacroElement`` renders its ``header``,
``html`` and ``script`` macros, and the *output* is wrapped in ``branca.element.Element``,
whose argument is compiled as a Jinja2 template and rendered again when the page is
assembled (folium's own ``render`` methods do the same with ``Element(...)``).  Text that
came from data therefore reached Jinja2 as template source: a station named
``{{7*7}}江门站`` showed as ``49江门站``, ``{{'`` crashed the map, and a crafted name could
run Python while the map was built.

:func:`verbatim_render` closes that second pass for one render: while it is active, the
``Element`` that branca's and folium's modules call is :class:`Verbatim`, which keeps its
text as it is instead of compiling it.  Only the modules of branca and folium are affected,
and only during the ``with`` block, so elements a user builds in their own code (and the
templates of every element, rendered in the first pass) work as before.  A lock serialises
renders, because the swap is visible to every thread.

This is the second line of defence: :mod:`jmgis.maps.display` also encodes ``{`` and ``}``
in every text it puts on a page, so a map rendered by folium directly (``m.save``,
``m._repr_html_``) shows names as typed too.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from branca.element import Element

__all__ = ["Verbatim", "render_verbatim", "verbatim_render"]

_LOCK = threading.RLock()
_TRAILING_NEWLINE = re.compile(r"(\r\n|\r|\n)\Z")


class _VerbatimMeta(type):
    # While Verbatim stands in for Element, ``isinstance(x, Element)`` in folium's code
    # (e.g. the ``tojavascript`` filter) must still accept ordinary elements.
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Element)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, Element)


class Verbatim(Element, metaclass=_VerbatimMeta):
    """An :class:`branca.element.Element` whose text is output as is, never as a template.

    Parameters
    ----------
    template
        The already rendered text.  ``None`` gives an ordinary container element that
        renders its children (what ``Element()`` does).
    template_name
        A packaged branca template; handled as by :class:`branca.element.Element`.
    """

    def __init__(self, template: str | None = None, template_name: str | None = None):
        super().__init__(template=None, template_name=template_name)
        if template is not None:
            # what Jinja2 does to a template's source (keep_trailing_newline=False), so the
            # page is byte for byte the one a second pass would give for plain text
            template = _TRAILING_NEWLINE.sub("", template, count=1)
        self._verbatim = template

    def render(self, **kwargs: Any) -> str:
        """The text as given (or the children, for a container).

        Returns
        -------
        str
            The verbatim text.
        """
        if self._verbatim is not None:
            return self._verbatim
        return super().render(**kwargs)


def _owners() -> list[Any]:
    """The loaded branca/folium modules that call the name ``Element``."""
    return [
        module
        for name, module in list(sys.modules.items())
        if module is not None
        and (name in ("branca", "folium") or name.startswith(("branca.", "folium.")))
        and getattr(module, "__dict__", {}).get("Element") is Element
    ]


@contextmanager
def verbatim_render() -> Iterator[None]:
    """Within the block, macro and render output of branca/folium is never re-templated.

    Yields
    ------
    None
    """
    with _LOCK:
        owners = _owners()
        for module in owners:
            module.__dict__["Element"] = Verbatim
        try:
            yield
        finally:
            for module in owners:
                module.__dict__["Element"] = Element


def render_verbatim(element: Element) -> str:
    """The HTML of ``element``'s root figure, rendered in :func:`verbatim_render`.

    Parameters
    ----------
    element
        A folium map or any element attached to a figure.

    Returns
    -------
    str
        The whole HTML document.
    """
    with verbatim_render():
        return element.get_root().render()
