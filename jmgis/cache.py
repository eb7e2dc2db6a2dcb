"""A persistent cache of derived results (compiled graphs, …) between jmgis processes.

Every command used to rebuild the network graphs from the data files; now a result is
kept on disk in ``<Settings.cache_dir>/derived/<namespace>/<key>.pickle`` and reused by the
next process as long as nothing it was made from has changed.

The key
    :func:`fingerprint` hashes (SHA-256) the *contents* of the data files a result was made
    from, the settings that matter for it (year, modes, CRS, speed table …), and the jmgis
    source code itself (every ``.py`` file of the package), so an edited data file, a
    different setting or a different jmgis makes a different key: the result is rebuilt,
    never served stale.  Each namespace keeps its :data:`MAX_ENTRIES` most recently used
    entries (older ones are removed when a new one is written); ``jmgis cache clear``
    removes them all.
Concurrent processes
    Entries are written atomically (a temporary file in the same folder, ``fsync``, then
    :func:`os.replace`, see :mod:`jmgis.atomic`): a reader sees a whole entry or none.
    :meth:`Cache.get_or_build` holds an ``fcntl.flock`` on ``<key>.lock`` while it builds,
    so two processes asking for the same missing entry build it once; the second waits
    and reads it.  A lock is released by the kernel when its process dies.
Trust
    Entries are Python pickles, read only from the user's own cache folder (as any
    program's cache); a damaged or unreadable entry counts as missing and is rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jmgis.atomic import atomic_write_bytes

T = TypeVar("T")

log = logging.getLogger("jmgis.cache")

#: The sub-folder of ``cache_dir`` this module owns (``assets/`` beside it is the maps').
DERIVED = "derived"
SUFFIX = ".pickle"
#: Entries kept per namespace; the least recently used beyond this are removed on a write.
MAX_ENTRIES = 64
PACKAGE_DIR = Path(__file__).resolve().parent

_code_digest: str | None = None


def code_digest() -> str:
    """SHA-256 of the jmgis package sources (every ``.py`` file, path and content).

    Returns
    -------
    str
        Hex digest; computed once per process.
    """
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256()
        for path in sorted(PACKAGE_DIR.rglob("*.py")):
            h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
        _code_digest = h.hexdigest()
    return _code_digest


def _files(paths: Iterable[str | Path | None]) -> list[Path]:
    out: set[Path] = set()
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        if p.is_dir():
            out.update(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif p.exists():
            out.add(p)
        # a missing file is hashed as missing (its name below), so creating it changes the key
    return sorted(out)


def fingerprint(
    files: Iterable[str | Path | None] = (),
    settings: Mapping[str, Any] | None = None,
    *,
    code: bool = True,
) -> str:
    """The cache key of a result made from ``files`` with ``settings``.

    Parameters
    ----------
    files
        Data files and folders (every file below a folder) the result is made from;
        their contents are hashed.  ``None`` entries are skipped; a named file that does
        not exist is hashed as absent.
    settings
        The settings that matter for the result, JSON-serialisable (paths and other
        objects are taken as their ``str``).
    code
        Include :func:`code_digest` (default), so another jmgis never reads the entry.

    Returns
    -------
    str
        Hex SHA-256 digest.
    """
    files = list(files)
    h = hashlib.sha256()
    h.update(json.dumps(dict(settings or {}), sort_keys=True, default=str).encode())
    for named in files:
        if named is not None and not Path(named).exists():
            h.update(b"absent:" + str(named).encode() + b"\0")
    for path in _files(files):
        h.update(str(path.resolve()).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    if code:
        h.update(code_digest().encode())
    return h.hexdigest()


def frame_digest(frame: Any) -> str | None:
    """SHA-256 of a (Geo)DataFrame's columns, index and values (geometry as WKB).

    Parameters
    ----------
    frame
        A pandas or geopandas frame, or ``None``.

    Returns
    -------
    str or None
        Hex digest (``None`` for ``None``).
    """
    if frame is None:
        return None
    import pandas as pd

    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in frame.columns]).encode())
    for name in frame.columns:
        col = frame[name]
        if getattr(col, "geom_type", None) is not None:  # a GeoSeries
            h.update(b"".join(g or b"" for g in col.to_wkb()))
            h.update(str(getattr(col, "crs", None)).encode())
        else:
            values = col.map(repr) if col.dtype == object else col
            h.update(pd.util.hash_pandas_object(values, index=True).values.tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds: its folder, and entries and bytes per namespace."""

    root: Path
    namespaces: dict[str, tuple[int, int]]

    @property
    def entries(self) -> int:
        """The number of cached entries over all namespaces."""
        return sum(n for n, _ in self.namespaces.values())

    @property
    def bytes(self) -> int:
        """The total size of the cached entries over all namespaces, in bytes."""
        return sum(b for _, b in self.namespaces.values())


class Cache:
    """Derived results on disk under ``root`` (normally ``Settings.cache_dir / "derived"``).

    Parameters
    ----------
    root
        The folder; created on first write.
    enabled
        ``False`` makes every lookup miss and every write a no-op.
    """

    def __init__(self, root: str | Path, *, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled

    def path(self, namespace: str, key: str) -> Path:
        """The file of one entry.

        Parameters
        ----------
        namespace : str
            The kind of result (``"graph"`` …), a folder of the cache; letters, digits,
            ``-`` and ``_`` only (``ValueError`` otherwise).
        key : str
            Its :func:`fingerprint`.

        Returns
        -------
        pathlib.Path
            ``<root>/<namespace>/<key>.pickle`` (it need not exist).
        """
        if not namespace.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"bad cache namespace {namespace!r}")
        return self.root / namespace / f"{key}{SUFFIX}"

    def get(self, namespace: str, key: str, default: Any = None) -> Any:
        """The stored value, or ``default`` when absent or unreadable.

        An unreadable (damaged) entry is deleted so that it is rebuilt.

        Parameters
        ----------
        namespace : str
            The kind of result (``"graph"`` …), a folder of the cache; letters, digits,
            ``-`` and ``_`` only (``ValueError`` otherwise).
        key : str
            Its :func:`fingerprint`.
        default : Any
            Returned when the cache is disabled or the entry is absent or unreadable.

        Returns
        -------
        Any
            The unpickled value, or ``default``.
        """
        if not self.enabled:
            return default
        path = self.path(namespace, key)
        try:
            data = path.read_bytes()
        except OSError:
            return default
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to be pruned (see put)
        try:
            return pickle.loads(data)
        except Exception as exc:  # a damaged entry: rebuild it
            log.debug("cache entry %s unreadable (%s); rebuilding", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return default

    def put(self, namespace: str, key: str, value: Any) -> Path | None:
        """Store ``value`` atomically; returns the file (``None`` when not writable).

        Parameters
        ----------
        namespace : str
            The kind of result (``"graph"`` …), a folder of the cache; letters, digits,
            ``-`` and ``_`` only (``ValueError`` otherwise).
        key : str
            Its :func:`fingerprint`.
        value : Any
            The value to store (pickled).

        Returns
        -------
        pathlib.Path or None
            The written file, or ``None`` when the cache is disabled or not writable.
        """
        if not self.enabled:
            return None
        path = self.path(namespace, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            written = atomic_write_bytes(
                path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            )
        except OSError as exc:  # a read-only cache slows jmgis down, it does not stop it
            log.debug("cannot write cache entry %s: %s", path, exc)
            return None
        self.prune(namespace)
        return written

    def prune(self, namespace: str, keep: int | None = None) -> int:
        """Remove all but the ``keep`` most recently used entries of ``namespace``.

        Entries made for data, settings or code that have since changed are never read
        again; this bounds what they take on disk.  "Used" is the file's modification time,
        which :meth:`get` refreshes on every hit.  A process reading an entry while it is
        removed still reads it whole (POSIX); one that finds it gone rebuilds it.

        Parameters
        ----------
        namespace : str
            The kind of result.
        keep : int, optional
            How many entries to keep (default :data:`MAX_ENTRIES`).

        Returns
        -------
        int
            The number of entries removed.
        """
        keep = MAX_ENTRIES if keep is None else keep
        folder = self.root / namespace
        try:
            entries = [(f.stat().st_mtime_ns, f) for f in folder.glob(f"*{SUFFIX}")]
        except OSError:
            return 0
        if len(entries) <= keep:
            return 0
        entries.sort(key=lambda e: (e[0], e[1].name), reverse=True)
        removed = 0
        for _mtime, old in entries[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()
                old.with_suffix(".lock").unlink(missing_ok=True)
                removed += 1
        return removed

    @contextlib.contextmanager
    def _lock(self, namespace: str, key: str) -> Iterator[None]:
        path = self.path(namespace, key).with_suffix(".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield  # no lock without a writable folder; writes are atomic anyway
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def get_or_build(self, namespace: str, key: str, build: Callable[[], T]) -> T:
        """The stored value, or ``build()`` stored for the next process.

        Concurrent callers for the same missing key build it once (a file lock); the others
        wait and read the stored entry.

        Parameters
        ----------
        namespace
            The kind of result (``"graph"`` …), a folder of the cache.
        key
            Its :func:`fingerprint`.
        build
            Makes the value when it is not stored.

        Returns
        -------
        object
            The value.
        """
        missing = object()
        if not self.enabled:
            return build()
        value = self.get(namespace, key, missing)
        if value is not missing:
            return value
        with self._lock(namespace, key):
            value = self.get(namespace, key, missing)
            if value is missing:
                log.debug("cache miss %s/%s; building", namespace, key[:12])
                value = build()
                self.put(namespace, key, value)
        return value

    def info(self) -> CacheInfo:
        """Entries and bytes per namespace."""
        spaces: dict[str, tuple[int, int]] = {}
        if self.root.is_dir():
            for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
                files = [f for f in folder.glob(f"*{SUFFIX}") if f.is_file()]
                spaces[folder.name] = (len(files), sum(f.stat().st_size for f in files))
        return CacheInfo(self.root, spaces)

    def clear(self, namespace: str | None = None) -> int:
        """Remove every entry (of one namespace); returns how many were removed."""
        info = self.info()
        if namespace is not None:
            target = self.root / namespace
            count = info.namespaces.get(namespace, (0, 0))[0]
        else:
            target, count = self.root, info.entries
        if target.is_dir():
            shutil.rmtree(target)
        return count


#: Settings that say only where outputs and caches go (not what is computed): left out of
#: :func:`derived_key`.  Everything else (years, CRS, every input file …) is in it.
OUTPUT_SETTINGS = (
    "out_dir",
    "maps_dir",
    "cache_dir",
    "use_cache",
    "asset_cache_dir",
    "offline",
    "tianditu_key",
)
#: The settings naming input files or folders: their *contents* are in :func:`derived_key`.
INPUT_FILES = (
    "data_dir",
    "seeds_dir",
    "townships",
    "network",
    "network_class_map",
    "speeds",
    "population",
    "facilities",
)
#: Libraries whose versions are part of :func:`derived_key` (a new GEOS/PROJ may move a
#: vertex, a new matplotlib a pixel).
LIBRARIES = (
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "scipy",
    "networkx",
    "rasterio",
    "folium",
    "branca",
    "jinja2",
    "matplotlib",
)
_library_versions: dict[str, str] | None = None


def library_versions() -> dict[str, str]:
    """The installed versions of :data:`LIBRARIES` (``"absent"`` when not installed).

    Returns
    -------
    dict of str to str
        Distribution name → version; read once per process.
    """
    global _library_versions
    if _library_versions is None:
        from importlib import metadata

        found = {}
        for name in LIBRARIES:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "absent"
        _library_versions = found
    return _library_versions


def input_files(settings: Any) -> list[Path]:
    """The input files and folders ``settings`` name (:data:`INPUT_FILES`).

    A file's siblings with the same stem come with it (a shapefile's ``.dbf``, ``.shx``,
    ``.prj``, ``.cpg`` beside its ``.shp``).

    Parameters
    ----------
    settings : jmgis.settings.Settings
        The settings.

    Returns
    -------
    list of pathlib.Path
        Files and folders (a folder stands for every file below it).
    """
    files: list[Path] = []
    for name in INPUT_FILES:
        path = getattr(settings, name, None)
        if path is None:
            continue
        path = Path(path)
        files.append(path)
        if path.is_file():
            files.extend(sorted(p for p in path.parent.glob(f"{path.stem}.*") if p != path))
    return files


_DIGESTS: dict[int, tuple[Any, str | None]] = {}


def value_digest(value: Any) -> Any:
    """A JSON-ready stand-in for ``value`` that changes whenever its content does.

    Frames become their :func:`frame_digest` (remembered per frame object within the
    process), files their SHA-256, mappings and sequences are taken element by element,
    other values by ``repr``.

    Parameters
    ----------
    value : Any
        A frame, a path, a mapping, a sequence or a plain value.

    Returns
    -------
    Any
        Strings, lists and dicts only.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        try:
            return "file:" + hashlib.sha256(value.read_bytes()).hexdigest()
        except OSError:
            return f"absent:{value}"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return {str(k): value_digest(v) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [value_digest(v) for v in value]
    if hasattr(value, "columns") and hasattr(value, "dtypes"):  # a (Geo)DataFrame
        known = _DIGESTS.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        digest = frame_digest(value)
        if len(_DIGESTS) > 512:
            _DIGESTS.clear()
        _DIGESTS[id(value)] = (value, digest)
        return digest
    return repr(value)


def derived_key(settings: Any, what: str, params: Mapping[str, Any] | None = None) -> str:
    """The cache key of a result ``what`` computed with ``settings`` from ``params``.

    A :func:`fingerprint` of ``what``, every setting except :data:`OUTPUT_SETTINGS`, the
    contents of every input file or folder the settings name (:func:`input_files`), the
    :func:`value_digest` of ``params`` (the frames, files and values the result is made
    from), the versions of :data:`LIBRARIES` and the jmgis code.  Any change to the data,
    to a setting that matters or to an input gives another key.

    Parameters
    ----------
    settings : jmgis.settings.Settings
        The settings in effect.
    what : str
        What the result is (part of the key).
    params : Mapping, optional
        Everything else the result depends on.

    Returns
    -------
    str
        Hex digest.
    """
    values = {k: v for k, v in settings.as_dict().items() if k not in OUTPUT_SETTINGS}
    return fingerprint(
        input_files(settings),
        {
            "what": what,
            "settings": values,
            "params": value_digest(dict(params or {})),
            "libraries": library_versions(),
        },
    )


def folder_listing(folder: str | Path | None) -> list[tuple[str, int]]:
    """The names and sizes of the files in ``folder`` (empty when it does not exist).

    For pinned, immutable files such as the Leaflet tarballs of the map asset cache, whose
    presence (not content) changes a result.

    Parameters
    ----------
    folder : str or pathlib.Path or None
        The folder.

    Returns
    -------
    list of (str, int)
        ``(name, bytes)`` per file, sorted.
    """
    if folder is None or not Path(folder).is_dir():
        return []
    return sorted((p.name, p.stat().st_size) for p in Path(folder).iterdir() if p.is_file())


def memo(
    settings: Any,
    namespace: str,
    what: str,
    params: Mapping[str, Any],
    make: Callable[[], tuple[T, bool]],
) -> T:
    """A result kept in the cache of ``settings`` under :func:`derived_key`.

    Parameters
    ----------
    settings : jmgis.settings.Settings
        The settings in effect (their cache folder, ``use_cache`` and the key).
    namespace : str
        The cache folder of this kind of result.
    what : str
        What the result is (part of the key).
    params : Mapping
        Everything besides the settings the result is made from (frames, files, values).
    make : callable
        ``make() -> (value, keep)``; the value is stored only when ``keep`` is true (a
        result made while something was missing is not kept).  What ``make`` logs (logger
        ``jmgis``) and warns is stored with it and said again on every hit.

    Returns
    -------
    object
        The stored or made value.
    """
    store = for_settings(settings)
    if not store.enabled:
        return make()[0]
    key = derived_key(settings, what, params)
    missing = object()
    stored = store.get(namespace, key, missing)
    if isinstance(stored, dict) and set(stored) == {"value", "said"}:
        Said.from_stored(stored["said"]).replay()  # what making it said, said again
        return stored["value"]
    with Said() as said:
        value, keep = make()
    said.replay(records=False)
    if keep:
        store.put(namespace, key, {"value": value, "said": said.picklable()})
    return value


class Said(logging.Handler):
    """The log records (logger ``jmgis``) and warnings of a computation, to show again.

    A cached result must not silently drop what making it told the user (a user
    network's import report, a warning about a layer): ``with Said() as said:`` collects
    them, :meth:`picklable` stores them beside the result, :meth:`replay` says them again
    on a hit.  Warnings are held back while collecting (``replay(records=False)`` issues
    them); records are kept as formatted messages.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.warnings: list[tuple[str, type[Warning], str, int]] = []
        self._catch: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        """Keep ``record`` (the :class:`logging.Handler` hook).

        Parameters
        ----------
        record : logging.LogRecord
            A record of logger ``jmgis`` or below.
        """
        self.records.append(record)

    def __enter__(self) -> Said:
        import warnings

        logging.getLogger("jmgis").addHandler(self)
        self._catch = warnings.catch_warnings(record=True)
        self._caught = self._catch.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)
        logging.getLogger("jmgis").removeHandler(self)
        self.warnings = [
            (str(w.message), w.category, w.filename, w.lineno) for w in self._caught
        ]

    def picklable(self) -> dict[str, list]:
        """The records and warnings as plain values (messages formatted)."""
        records = []
        for r in self.records:
            plain = logging.makeLogRecord(r.__dict__)
            plain.msg, plain.args = r.getMessage(), None
            plain.exc_info = plain.exc_text = plain.stack_info = None
            records.append(plain.__dict__)
        warned = [(m, c, f, n) for m, c, f, n in self.warnings]
        return {"records": records, "warnings": warned}

    @classmethod
    def from_stored(cls, stored: dict[str, list] | None) -> Said:
        """The messages of :meth:`picklable` (none for ``None``)."""
        said = cls()
        if stored:
            said.records = [logging.makeLogRecord(d) for d in stored["records"]]
            said.warnings = [tuple(w) for w in stored["warnings"]]
        return said

    def replay(self, *, records: bool = True) -> None:
        """Log the records to their loggers (unless ``records=False``), issue the warnings."""
        import warnings

        for record in self.records if records else []:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        for message, category, filename, lineno in self.warnings:
            warnings.warn_explicit(message, category, filename, lineno)


def for_settings(settings: Any = None) -> Cache:
    """The cache of ``settings`` (default: :func:`jmgis.settings.current`).

    Parameters
    ----------
    settings
        A :class:`jmgis.settings.Settings`; its ``cache_dir`` and ``use_cache``.

    Returns
    -------
    Cache
    """
    if settings is None:
        from jmgis.settings import current

        settings = current()
    return Cache(Path(settings.cache_dir) / DERIVED, enabled=getattr(settings, "use_cache", True))
