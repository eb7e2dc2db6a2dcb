"""Old import paths kept working after a module moved, with a :class:`DeprecationWarning`.

A moved module leaves a two-line stub at its old place::

    from jmgis._compat import moved_module
    __getattr__ = moved_module(__name__, "jmgis.routing.engine")

Every name is then read from the new module, and the first use warns once per name.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


def moved_module(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that forwards every name of ``old`` to module ``new``.

    Parameters
    ----------
    old
        The old module's name (its ``__name__``).
    new
        The module the code lives in now.

    Returns
    -------
    callable
        The ``__getattr__`` for the old module.
    """

    def getattr_(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(
            f"{old} moved to {new}; import {name} from there",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), name)

    return getattr_


def moved_names(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A package ``__getattr__`` for names that moved to other modules.

    Parameters
    ----------
    package
        The package's name.
    names
        Old name → the module it lives in now.

    Returns
    -------
    callable
        A function that returns the moved object (warning) or raises ``AttributeError``.
    """

    def lookup(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        warnings.warn(
            f"{package}.{name} moved to {names[name]}.{name}",
            DeprecationWarning,
            stacklevel=3,
        )
        return getattr(importlib.import_module(names[name]), name)

    return lookup
