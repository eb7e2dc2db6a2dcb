"""Atomic files, a consistent output set, and one build at a time per output folder.

Rule for single files: every file jmgis writes is first written to a hidden temporary
file in the *same* folder (``.<name>.tmp-<random><suffix>``), flushed to disk with
``fsync`` and then renamed over the target with :func:`os.replace`, which is atomic on
POSIX file systems.  A failure of any kind (including Ctrl-C) removes the temporary file;
readers see the old file or the new file, never a partial one.

Rule for the output set of ``jmgis build``: the whole build is written into a staging
folder ``<out>/.jmgis-staging-<build id>/``.  Only when every step has finished is the
staging folder renamed to ``<out>/.jmgis-publish-<build id>/`` (one atomic rename: from
now on the new set is complete and committed), its files are renamed into place one by
one and ``manifest.json`` (build id, version, settings, size and SHA-256 of every file) is
renamed in last.  A build killed before the commit leaves the previous set untouched (the
stale staging folder is removed by the next build); a build killed during the few
milliseconds of renames is rolled forward by the next build before it starts.  Files of
the previous set that the new set no longer has are removed after the new manifest is in
place.  ``manifest.json`` always describes the files next to it.

A lock (``fcntl.flock`` on ``<out>/.jmgis.lock``) serialises builds on the same folder:
a second build stops at once with a message naming the folder, or waits up to a timeout.
Before any work the folder is created and a temporary file is written into it, so a
read-only or missing disk is reported in milliseconds rather than after the build.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jmgis.errors import JmgisError, OutputError, OutputLockedError

MANIFEST = "manifest.json"
LOCK_FILE = ".jmgis.lock"
STAGING_PREFIX = ".jmgis-staging-"
PUBLISH_PREFIX = ".jmgis-publish-"
TEMP_MARK = ".tmp-"
# Less free space than this after a GDAL/SQLite write failure: the disk was full (bytes).
LOW_SPACE = 16 * 1024 * 1024

# Messages of GDAL, SQLite and rasterio that mean an OSError they do not raise as one.
_DISK_HINTS = {
    "no space left": errno.ENOSPC,
    "disk is full": errno.ENOSPC,
    "disk full": errno.ENOSPC,
    "quota exceeded": errno.EDQUOT,
    "read-only file system": errno.EROFS,
    "readonly database": errno.EROFS,
    "permission denied": errno.EACCES,
}


def _reason(err: int | None, fallback: str) -> str:
    return os.strerror(err) if err else fallback


def output_error(path: str | Path, exc: BaseException) -> OutputError | None:
    """The :class:`~jmgis.errors.OutputError` for a failed write, or ``None``.

    Parameters
    ----------
    path
        The file or folder being written.
    exc
        What was raised: an :class:`OSError` (ENOSPC, EACCES, EROFS, EDQUOT, ...) or a
        GDAL / SQLite / rasterio error whose message says the disk is full or read-only.

    Returns
    -------
    OutputError or None
        ``None`` when ``exc`` is not a write failure of the disk (a bug or a data error).
    """
    if isinstance(exc, OutputError):
        return exc
    if isinstance(exc, JmgisError):
        return None  # bad data, said as such
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | IsADirectoryError):
        # ``path``, not ``exc.filename``: the user knows the target, not our temporary name.
        return OutputError(path, _reason(exc.errno, str(exc)), errno=exc.errno)
    text = str(exc).lower()
    for hint, err in _DISK_HINTS.items():
        if hint in text:
            return OutputError(path, os.strerror(err), errno=err)
    if isinstance(exc, sqlite3.Error | RuntimeError | ValueError) or type(exc).__module__.split(
        "."
    )[0] in ("pyogrio", "rasterio", "fiona"):
        # GDAL and SQLite report a full disk as "Failed to commit transaction" or "I/O
        # error"; what is left on the disk tells the two apart.
        free = _free_bytes(Path(path))
        if free is not None and free < LOW_SPACE:
            reason = f"{os.strerror(errno.ENOSPC)} ({free} bytes free; {exc})"
            return OutputError(path, reason, errno=errno.ENOSPC)
    return None


def _free_bytes(path: Path) -> int | None:
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


@contextlib.contextmanager
def output_errors(path: str | Path) -> Iterator[None]:
    """Turn a disk failure while writing ``path`` into an :class:`~jmgis.errors.OutputError`.

    Parameters
    ----------
    path
        The file or folder being written (named in the message).
    """
    try:
        yield
    except Exception as exc:
        wrapped = output_error(path, exc)
        if wrapped is None or wrapped is exc:
            raise
        raise wrapped from exc


def fsync_file(path: str | Path) -> None:
    """Flush a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries (a rename) to disk; ignored where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_path(path: str | Path) -> Path:
    """A fresh hidden temporary name next to ``path``, with the same suffix.

    GDAL picks the driver from the suffix).
    """
    path = Path(path)
    return path.with_name(f".{path.stem}{TEMP_MARK}{secrets.token_hex(4)}{path.suffix}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        for p in (path, *(Path(f"{path}{s}") for s in ("-journal", "-wal", "-shm"))):
            # Never hide the error that made us clean up (a read-only disk fails here too).
            with contextlib.suppress(OSError):
                p.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Write a file (or a folder) atomically: yield a temporary path beside ``path``.

    The caller writes the temporary path; on success it is fsynced and renamed over
    ``path``; on any failure (exceptions, ``KeyboardInterrupt``) it is removed and the
    old ``path`` is left as it was.  Disk failures become
    :class:`~jmgis.errors.OutputError` naming ``path``.

    Parameters
    ----------
    path
        The final file.  Its folder is created.

    Yields
    ------
    Path
        Where to write, in the same folder (so the rename is atomic).
    """
    path = Path(path)
    with output_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with output_errors(path):
            yield tmp
            if not tmp.exists():
                raise OutputError(path, "nothing was written")
            for leftover in ("-journal", "-wal"):
                if Path(f"{tmp}{leftover}").exists():
                    raise OutputError(path, f"SQLite left a {leftover[1:]} file: not closed")
            if tmp.is_file():
                fsync_file(tmp)
            elif path.is_dir():
                shutil.rmtree(path)
            os.replace(tmp, path)
            fsync_dir(path.parent)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def staged_files(folder: str | Path) -> Iterator[Path]:
    """Write a group of files (a GeoPackage and its ``.qgz``, a Shapefile set) atomically each.

    Yield a hidden temporary folder inside ``folder`` whose files are renamed into ``folder`` on
    success (same names), or removed on any failure.

    Unlike :func:`atomic_path` the files keep their final names while they are written,
    which matters where a file names another (the project stored in a GeoPackage names
    the GeoPackage).

    Parameters
    ----------
    folder
        The destination folder (created).

    Yields
    ------
    Path
        The temporary folder.
    """
    folder = Path(folder)
    with output_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f".jmgis{TEMP_MARK}"))
    try:
        with output_errors(folder):
            yield tmp
            for src in _files_under(tmp):
                fsync_file(src)
            for src in _files_under(tmp):
                dst = folder / src.relative_to(tmp)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            fsync_dir(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); returns ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    data : bytes
        Its new content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`); returns ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    text : str
        Its new content.
    encoding : str
        Text encoding.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_bytes(path, text.encode(encoding))


# ------------------------------------------------------------------------ output folder


def check_writable(folder: str | Path) -> Path:
    """Create ``folder`` and write (and remove) a temporary file in it.

    Parameters
    ----------
    folder
        The output folder.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    OutputError
        The folder cannot be created or written (read-only, no permission, full).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(folder, "exists and is not a folder")
    with output_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".jmgis{TEMP_MARK}") as fh:
            fh.write(b"jmgis")
            fh.flush()
            os.fsync(fh.fileno())
    return folder


@contextlib.contextmanager
def output_lock(folder: str | Path, *, wait: float | None = 0) -> Iterator[None]:
    """Hold the build lock of ``folder`` (``fcntl.flock`` on ``.jmgis.lock``).

    Parameters
    ----------
    folder
        The output folder (must exist).
    wait
        Seconds to wait for another build to finish: ``0`` stops at once, ``None`` waits
        for ever.

    Raises
    ------
    OutputLockedError
        Another build holds the lock (after ``wait`` seconds).

    Yields
    ------
    None
        While the lock is held.
    """
    folder = Path(folder)
    lock = folder / LOCK_FILE
    with output_errors(lock):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise OutputLockedError(
                        folder,
                        "another jmgis build is writing this folder"
                        + (f" (waited {wait:g} s)" if wait else "")
                        + "; wait for it or use --wait SECONDS",
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the flock


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of an output folder, or ``None`` when it has none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def verify_manifest(folder: str | Path) -> list[str]:
    """Differences between an output folder and its manifest (empty: the set is whole).

    Parameters
    ----------
    folder
        An output folder written by ``jmgis build``.

    Returns
    -------
    list of str
        One line per missing file or file whose size or SHA-256 differs.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return [f"{folder / MANIFEST}: missing"]
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != entry["size"] or sha256(path) != entry["sha256"]:
            problems.append(f"{path}: differs from the manifest")
    return problems


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())


def cleanup(folder: str | Path, manifest_dir: str = ".") -> None:
    """Finish or discard what an interrupted build left in ``folder`` (hold the lock).

    A committed ``.jmgis-publish-*`` folder is rolled forward (its files are renamed
    into place, manifest last); ``.jmgis-staging-*`` folders and hidden temporary files of
    atomic writes are removed.

    Parameters
    ----------
    folder : str or pathlib.Path
        The output folder.
    manifest_dir : str
        Where the set's manifest sits, relative to ``folder``.
    """
    folder = Path(folder)
    for pub in sorted(folder.glob(f"{PUBLISH_PREFIX}*")):
        _move_in(pub, folder, manifest_dir)
    for stage in folder.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stage, ignore_errors=True)
    for tmp in folder.glob(f".*{TEMP_MARK}*"):
        if tmp.is_file() or tmp.is_dir():
            _remove(tmp)


def _move_in(pub: Path, folder: Path, manifest_dir: str = ".") -> None:
    """Rename every file of the committed folder ``pub`` into ``folder``.

    Manifest last, then remove files of the old set that the new manifest does not list.
    """
    home = folder / manifest_dir
    old = read_manifest(home)
    new_manifest = pub / manifest_dir / MANIFEST
    for src in _files_under(pub):
        if src == new_manifest:
            continue
        dst = folder / src.relative_to(pub)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_dir():
            shutil.rmtree(dst)
        os.replace(src, dst)
    if new_manifest.exists():
        home.mkdir(parents=True, exist_ok=True)
        os.replace(new_manifest, home / MANIFEST)
    fsync_dir(home)
    shutil.rmtree(pub, ignore_errors=True)
    now = read_manifest(home)
    if old and now:
        keep = {e["path"] for e in now["files"]}
        for entry in old["files"]:
            if entry["path"] not in keep:
                with contextlib.suppress(FileNotFoundError):
                    (home / entry["path"]).unlink()


class Staging:
    """A build's staging folder inside the output folder (see the module docstring).

    Parameters
    ----------
    folder
        The output folder (the common parent of everything the build writes).
    settings
        What the build was asked to do (years, out, townships file, ...), for the manifest.
    manifest_dir
        Where ``manifest.json`` goes, relative to ``folder``; its paths are relative to it.
    """

    def __init__(
        self, folder: str | Path, settings: Mapping[str, Any], manifest_dir: str = "."
    ) -> None:
        self.folder = Path(folder)
        self.manifest_dir = manifest_dir
        self.build_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + (
            "-" + secrets.token_hex(3)
        )
        self.settings = dict(settings)
        self.path = self.folder / f"{STAGING_PREFIX}{self.build_id}"

    def __enter__(self) -> Staging:
        with output_errors(self.path):
            self.path.mkdir()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def manifest(self) -> dict[str, Any]:
        """The manifest of the staged files (relative paths, sizes, SHA-256)."""
        from jmgis import __version__

        home = self.path / self.manifest_dir
        files = [
            {
                "path": Path(os.path.relpath(p, home)).as_posix(),
                "size": p.stat().st_size,
                "sha256": sha256(p),
            }
            for p in _files_under(self.path)
            if p.name != MANIFEST
        ]
        from jmgis.buildtime import build_time

        # the id of the set is its content: the same files give the same id (and, with
        # SOURCE_DATE_EPOCH, the same manifest bytes)
        content = hashlib.sha256(
            "".join(f"{f['path']}\0{f['sha256']}\n" for f in files).encode()
        ).hexdigest()
        return {
            "build_id": content[:16],
            "jmgis_version": __version__,
            "created": build_time().isoformat(timespec="seconds"),
            "settings": self.settings,
            "files": files,
        }

    def publish(self) -> dict[str, Any]:
        """Commit the staged set.

        Write its manifest, rename the staging folder to a publish folder (the commit point) and
        move its files into the output folder.

        Returns
        -------
        dict
            The manifest now in the output folder.
        """
        with output_errors(self.path):
            manifest = self.manifest()
            for p in _files_under(self.path):
                fsync_file(p)
            atomic_write_text(
                self.path / self.manifest_dir / MANIFEST,
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
            )
            pub = self.folder / f"{PUBLISH_PREFIX}{self.build_id}"
            # Ctrl-C and SIGTERM wait until the renames are done (milliseconds): the set
            # switches whole, and the interrupt is raised after it.
            held = {signal.SIGINT, signal.SIGTERM}
            old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
            try:
                os.replace(self.path, pub)
                fsync_dir(self.folder)
                _move_in(pub, self.folder, self.manifest_dir)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        return manifest
