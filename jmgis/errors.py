"""Exceptions with messages that name the file, the feature and the field."""

from __future__ import annotations

from pathlib import Path


class JmgisError(Exception):
    """Base class of every error jmgis raises on purpose (the CLI prints it on one line)."""


class DataError(JmgisError, ValueError):
    """Bad input data.

    Parameters
    ----------
    message
        What is wrong.
    file
        The file (or layer) the bad value came from.
    feature
        The row or feature: an id, a code or a 1-based row number.
    field
        The column or attribute.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        feature: object = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.feature = feature
        self.field = field
        self.reason = message
        parts = []
        if self.file:
            parts.append(self.file)
        if feature is not None:
            parts.append(f"feature {feature!s}")
        if field:
            parts.append(f"field '{field}'")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ResolveError(JmgisError, LookupError):
    """A place name or code could not be resolved."""


class AmbiguousNameError(ResolveError):
    """A name matches more than one place; the message lists the candidates."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = candidates
        super().__init__(
            f"'{query}' is ambiguous: it matches {', '.join(candidates)}; "
            "qualify it with the county (e.g. '台山市白沙镇' or county='台山市') or use the code"
        )


class ScenarioYearError(JmgisError, ValueError):
    """A scenario year outside the range the data covers."""


class OutputError(JmgisError, OSError):
    """An output could not be written: the folder is read-only, the disk is full, ...

    Parameters
    ----------
    path
        The file or folder that could not be written.
    reason
        Why (e.g. ``"No space left on device"``).
    errno
        The OS error number, when known.
    """

    def __init__(self, path: str | Path, reason: str, *, errno: int | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write {self.path}: {reason}")
        self.errno = errno


class OutputLockedError(OutputError):
    """Another build holds the lock of the output folder."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = str(path)
        self.args = (f"{self.path}: {reason}",)

    def __str__(self) -> str:
        return self.args[0]


class QueryError(JmgisError, ValueError):
    """A query the catalog cannot answer (unknown zone or status, wrong kind)."""


class UnknownIdError(ResolveError, KeyError):
    """An id that is not in the catalog (the message suggests close ids)."""

    def __str__(self) -> str:
        return str(self.args[0])
