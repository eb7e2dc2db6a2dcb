"""Lazy package attributes that ``dir()`` and tab completion still list."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_attributes(
    package: str,
    lazy: Mapping[str, str],
    eager: Iterable[str],
    fallback: Callable[[str], Any] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose heavy parts load on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    lazy
        Attribute → the module that defines it (imported on first access).
    eager
        Names the package defines itself (listed by ``dir()`` too).
    fallback
        Called for names not in ``lazy`` (e.g. deprecated ones); default: ``AttributeError``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``.
    """
    eager_names = list(eager)

    def getattr_(name: str) -> Any:
        if name in lazy:
            return getattr(importlib.import_module(lazy[name]), name)
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted({*eager_names, *lazy})

    return getattr_, dir_
