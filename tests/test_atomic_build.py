"""An interrupted, concurrent or failing build never leaves a partial output set.

The slow tests run real builds as subprocesses (``python -m jmgis build --out DIR``) over a
good previous build, kill them at moments picked by watching the staging folder, and
check that the folder still holds the previous complete set (manifest hashes, every
GeoPackage layer and ``layer_styles``, no SQLite hot file, no temporary file).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest

from jmgis import atomic
from jmgis.errors import OutputError, OutputLockedError

BUILD_TIMEOUT_S = 600


def _build_cmd(out: Path, *extra: str, quiet: bool = False) -> list[str]:
    flags = ["-q"] if quiet else []
    return [sys.executable, "-m", "jmgis", *flags, "build", "--out", str(out), *extra]


def _run_build(out: Path, *extra: str, quiet: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        _build_cmd(out, *extra, quiet=quiet),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )


def _start_build(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        _build_cmd(out, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _staging(out: Path) -> list[Path]:
    return sorted(out.glob(f"{atomic.STAGING_PREFIX}*"))


def _wait_for(proc: subprocess.Popen, ready, what: str) -> None:
    """Poll (no fixed sleep decides the outcome) until ``ready()`` or the build ends."""
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before {what}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_complete_set(out: Path, manifest: dict, layers: set[str]) -> None:
    """``out`` holds exactly the set ``manifest`` describes, GeoPackage whole."""
    assert atomic.read_manifest(out) == manifest
    assert atomic.verify_manifest(out) == []
    gpkg = out / "jiangmen.gpkg"
    present = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert layers <= present
    assert "layer_styles" in present
    listed = {e["path"] for e in manifest["files"]}
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        if rel.startswith(atomic.STAGING_PREFIX) or path.is_dir():
            continue  # a killed build's staging folder: not part of the set, removed later
        assert rel in listed | {atomic.MANIFEST, atomic.LOCK_FILE}, f"stray file {rel}"
        assert not rel.endswith(("-journal", "-wal")), f"hot SQLite file {rel}"


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> tuple[Path, dict, set[str]]:
    out = tmp_path_factory.mktemp("good") / "out"
    proc = _run_build(out)
    assert proc.returncode == 0, proc.stderr
    manifest = atomic.read_manifest(out)
    layers = {name for name, _ in pyogrio.list_layers(out / "jiangmen.gpkg")}
    assert_complete_set(out, manifest, layers)
    return out, manifest, layers


@pytest.fixture
def previous(good_build, tmp_path) -> tuple[Path, dict, set[str]]:
    """A private copy of the good build to interrupt a new build over."""
    src, manifest, layers = good_build
    out = tmp_path / "out"
    shutil.copytree(src, out)
    return out, manifest, layers


# Moments to kill a build at: as soon as it has its staging folder, once the rasters are
# written (mid-way), and once the maps are written (near the end, before the report).
MOMENTS = {
    "start": lambda stage: True,
    "rasters": lambda stage: any(stage.glob("minutes_to_*.tif")),
    "maps": lambda stage: len(list((stage / "maps").glob("*.html"))) >= 3,
}


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_sigkill_leaves_the_previous_complete_set(previous, moment):
    out, manifest, layers = previous
    proc = _start_build(out)
    _wait_for(
        proc,
        lambda: any(MOMENTS[moment](s) for s in _staging(out)),
        f"the moment '{moment}'",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    assert_complete_set(out, manifest, layers)
    # The next build removes what the killed one left and publishes a new complete set.
    again = _run_build(out)
    assert again.returncode == 0, again.stderr
    assert _staging(out) == []
    new = atomic.read_manifest(out)
    assert new["build_id"] != manifest["build_id"]
    assert_complete_set(out, new, layers)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["start", "maps"])
def test_ctrl_c_exits_130_and_leaves_nothing_partial(previous, moment):
    out, manifest, layers = previous
    proc = _start_build(out)
    _wait_for(proc, lambda: any(MOMENTS[moment](s) for s in _staging(out)), moment)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert _staging(out) == []
    assert_complete_set(out, manifest, layers)


@pytest.mark.slow
def test_two_builds_at_once_one_stops_clearly_and_the_set_is_whole(previous):
    out, _, layers = previous
    first = _start_build(out)
    _wait_for(first, lambda: bool(_staging(out)), "the first build's staging folder")
    second = _run_build(out, quiet=True)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "another jmgis build" in lines[0]
    _, err = first.communicate(timeout=BUILD_TIMEOUT_S)
    assert first.returncode == 0, err
    assert_complete_set(out, atomic.read_manifest(out), layers)


def test_a_held_lock_stops_a_second_build_or_lets_it_wait(tmp_path):
    with atomic.output_lock(tmp_path):
        with pytest.raises(OutputLockedError, match="another jmgis build"):  # noqa: SIM117
            with atomic.output_lock(tmp_path, wait=0):
                pass
        with pytest.raises(OutputLockedError, match=r"waited 0\.3 s"):  # noqa: SIM117
            with atomic.output_lock(tmp_path, wait=0.3):
                pass
    with atomic.output_lock(tmp_path, wait=0):  # free again once released
        pass


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "2m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_full_disk_exits_2_naming_the_file_and_leaves_no_partial_file(small_disk):
    out = small_disk / "out"
    proc = _run_build(out, quiet=True)  # only errors: the step timings are not messages
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"cannot write {out}/" in lines[-1] and "No space left on device" in lines[-1]
    assert "staging" not in lines[-1]
    left = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert left == [atomic.LOCK_FILE]


def test_read_only_folder_fails_at_once_with_exit_2(small_disk, cli, caplog):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    out = small_disk / "out"
    caplog.set_level(logging.DEBUG, logger="jmgis")
    status, _, stderr = cli("build", "--out", out)
    assert status == 2
    assert stderr.strip() == f"jmgis build: error: cannot write {out}: Read-only file system"
    # "At once": before the first step — no step printed or logged anything.
    said = stderr + "\n".join(record.getMessage() for record in caplog.records)
    assert "admin" not in said


def test_read_only_file_system_is_an_output_error(small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(OutputError, match="Read-only file system") as info:
        atomic.atomic_write_text(small_disk / "a.txt", "x")
    assert str(small_disk / "a.txt") in str(info.value)


# ---------------------------------------------------------------- single atomic files


def test_atomic_path_replaces_the_file_only_on_success(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    with atomic.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".txt"
        tmp.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_path_cleans_up_after_ctrl_c(tmp_path):
    target = tmp_path / "a.gpkg"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
        Path(f"{tmp}-journal").write_bytes(b"j")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_full_disk_oserror_names_the_path(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    with pytest.raises(OutputError) as info:
        atomic.atomic_write_bytes(tmp_path / "x.bin", b"data")
    assert str(info.value) == f"cannot write {tmp_path / 'x.bin'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_gpkg_write_failure_keeps_the_old_geopackage(tmp_path):
    import geopandas as gpd
    import shapely

    from jmgis.io.gpkg import write_gpkg

    path = tmp_path / "t.gpkg"
    row = {"code": ["440703001"], "name": ["白沙街道"], "source": ["test"]}
    good = gpd.GeoDataFrame(row, geometry=[shapely.Point(113, 22)], crs=4490)
    write_gpkg({"township_seat": good, "region": good}, path)
    before = path.read_bytes()
    bad = gpd.GeoDataFrame(row, geometry=[shapely.Point(113, 22)])  # no CRS
    with pytest.raises(Exception, match="no CRS"):
        write_gpkg({"township_seat": good, "region": bad}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.gpkg"]


# ---------------------------------------------------------------- the set and its manifest


def _stage(root: Path, files: dict[str, str]) -> atomic.Staging:
    stage = atomic.Staging(root, {"years": [2025]})
    stage.__enter__()
    for rel, text in files.items():
        (stage.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage.path / rel).write_text(text)
    return stage


def test_publish_switches_the_set_and_drops_files_the_new_set_lacks(tmp_path):
    _stage(tmp_path, {"a.txt": "1", "sub/b.txt": "2"}).publish()
    first = atomic.read_manifest(tmp_path)
    assert [e["path"] for e in first["files"]] == ["a.txt", "sub/b.txt"]
    _stage(tmp_path, {"a.txt": "new"}).publish()
    assert not (tmp_path / "sub/b.txt").exists()
    assert (tmp_path / "a.txt").read_text() == "new"
    manifest = atomic.read_manifest(tmp_path)
    assert manifest["settings"] == {"years": [2025]}
    assert atomic.verify_manifest(tmp_path) == []


def test_a_build_killed_after_its_commit_is_rolled_forward(tmp_path):
    _stage(tmp_path, {"a.txt": "old", "b.txt": "old"}).publish()
    stage = _stage(tmp_path, {"a.txt": "new", "b.txt": "new"})
    # Commit by hand and "die" after moving one file in: the set is mixed on disk ...
    manifest = stage.manifest()
    (stage.path / atomic.MANIFEST).write_text(json.dumps(manifest))
    pub = tmp_path / f"{atomic.PUBLISH_PREFIX}{stage.build_id}"
    os.replace(stage.path, pub)
    os.replace(pub / "a.txt", tmp_path / "a.txt")
    # ... until the next build's cleanup finishes the publication.
    atomic.cleanup(tmp_path)
    assert (tmp_path / "b.txt").read_text() == "new"
    assert atomic.read_manifest(tmp_path)["build_id"] == manifest["build_id"]
    assert atomic.verify_manifest(tmp_path) == []
    assert not pub.exists()


def test_manifest_detects_a_changed_file(tmp_path):
    _stage(tmp_path, {"a.txt": "1"}).publish()
    (tmp_path / "a.txt").write_text("2")
    assert atomic.verify_manifest(tmp_path) == [f"{tmp_path / 'a.txt'}: differs from the manifest"]
