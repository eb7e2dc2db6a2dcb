"""Leaflet and plugin assets, fetched from the npm registry and inlined into the HTML.

folium loads Leaflet and its plugins from CDNs (jsDelivr, cdnjs, code.jquery.com).  Those
are blocked or unreliable on many mainland government networks, and a map e-mailed to a
planner must open with no network at all.  So :func:`inline_assets` replaces every
``<script src>`` / ``<link href>`` folium writes by the file's contents, taken from the npm
package tarballs of the same versions.

The tarballs are fetched once with the ordinary npm client (``npm pack``) into a local
cache (``$JMGIS_ASSET_CACHE`` or ``~/.cache/jmgis/assets``), checked against pinned
SHA-256 digests, and never committed.  Where they are unavailable the map keeps the CDN
links and a warning says so.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jmgis.settings import current

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NpmPackage:
    """An npm package tarball pinned by version and SHA-256."""

    name: str
    version: str
    sha256: str

    @property
    def tarball_name(self) -> str:
        """The file name ``npm pack`` gives the package's tarball."""
        return f"{self.name}-{self.version}.tgz"


LEAFLET = NpmPackage(
    "leaflet", "1.9.3", "10d016716b56048661eaf9cde004dc82e80bd3613b52c4f53cf5aec73088006c"
)
FULLSCREEN = NpmPackage(
    "leaflet.fullscreen",
    "3.0.0",
    "b19f191d11fc2e6afbb75af9e79cb923087a630e4c35a565353d756ed6c1c77a",
)
MEASURE = NpmPackage(
    "leaflet-measure", "2.1.7", "5ad0e1b697014ef3c10de6c4d970d46fa8e9fa05a9efdfb1221b2f69a6dd5d60"
)
# branca's colour-bar legends (``branca.colormap``, used by ``gdf.explore``) draw with d3 v3
D3 = NpmPackage("d3", "3.5.5", "1bb5833408efeba47e97c1de9d448ddb9216961b2d966a78dc9a9e30cfcd92b3")
PACKAGES = (LEAFLET, FULLSCREEN, MEASURE, D3)


@dataclass(frozen=True)
class Asset:
    """One JS or CSS file of an npm package, and the CDN URLs folium uses for it."""

    package: NpmPackage
    path: str  # inside the tarball, below ``package/``
    kind: str  # "js" or "css"
    urls: tuple[str, ...]

    @property
    def cdn_url(self) -> str:
        """The jsDelivr URL folium links for this file."""
        return (
            f"https://cdn.jsdelivr.net/npm/{self.package.name}@{self.package.version}/{self.path}"
        )


ASSETS: tuple[Asset, ...] = (
    Asset(
        LEAFLET, "dist/leaflet.js", "js", ("cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",)
    ),
    Asset(
        LEAFLET, "dist/leaflet.css", "css", ("cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",)
    ),
    Asset(
        FULLSCREEN,
        "Control.FullScreen.js",
        "js",
        ("cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",),
    ),
    Asset(
        FULLSCREEN,
        "Control.FullScreen.css",
        "css",
        ("cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css",),
    ),
    Asset(
        MEASURE,
        "dist/leaflet-measure.min.js",
        "js",
        ("cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",),
    ),
    Asset(
        MEASURE,
        "dist/leaflet-measure.css",
        "css",
        ("cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css",),
    ),
    Asset(D3, "d3.min.js", "js", ("cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",)),
)

# folium's defaults that jmgis maps never use (no Bootstrap widgets, no awesome-markers):
# dropping them keeps the file small and removes four more CDN hosts.
UNUSED_DEFAULTS = (
    "code.jquery.com/jquery",
    "/bootstrap@",
    "bootstrapcdn.com/bootstrap",
    "Leaflet.awesome-markers",
    "fontawesome-free",
    "leaflet.awesome.rotate",
)

_TAG_RE = re.compile(
    r"""<script\s+src="(?P<js>https?://[^"]+)"\s*>\s*</script>"""
    r"""|<link\s+rel="stylesheet"\s+href="(?P<css>https?://[^"]+)"\s*/?>""",
    re.IGNORECASE,
)
_CSS_URL_RE = re.compile(r"""url\(\s*['"]?(?!data:|#|https?:)([^'")]+)['"]?\s*\)""")


def asset_cache_dir() -> Path:
    """Where the npm tarballs are cached (``Settings.assets_path``).

    ``~/.cache/jmgis/assets`` unless ``asset_cache_dir`` or ``cache_dir`` say otherwise.
    """
    return current().assets_path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _npm_pack(npm: str, package: NpmPackage, target: Path) -> None:
    """``npm pack`` into a private directory.

    Checked, then moved into place atomically (parallel test workers or builds never see a
    half-written tarball).
    """
    spec = f"{package.name}@{package.version}"
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        command = [npm, "pack", spec, "--pack-destination", tmp, "--silent"]
        # fail within a minute when the registry is unreachable, not after npm's retries
        command += ["--fetch-retries=1", "--fetch-timeout=30000"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        packed = Path(tmp) / package.tarball_name
        if result.returncode != 0 or not packed.exists():
            raise RuntimeError(f"npm pack {spec} failed: {result.stderr.strip()[-500:]}")
        if _sha256(packed) != package.sha256:
            raise RuntimeError(
                f"npm pack {spec}: SHA-256 {_sha256(packed)} does not match the pinned "
                f"{package.sha256}"
            )
        os.replace(packed, target)


def fetch_assets(*, npm: str | None = None, force: bool = False) -> list[Path]:
    """Fetch the pinned npm tarballs into :func:`asset_cache_dir` with ``npm pack``.

    Returns the tarball paths.  Raises ``RuntimeError`` if npm is missing, a fetch fails
    or a tarball does not match its pinned SHA-256 (the bad file is removed).

    Parameters
    ----------
    npm : str or None
        The ``npm`` executable (found on PATH when ``None``).
    force : bool
        Fetch even when the tarballs are cached.

    Returns
    -------
    list[Path]
        The tarballs now in the cache.
    """
    cache_dir = asset_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    npm = npm or shutil.which("npm")
    paths = []
    for package in PACKAGES:
        target = cache_dir / package.tarball_name
        if force or not target.exists():
            if not npm:
                raise RuntimeError("npm is not installed: cannot fetch the Leaflet assets")
            _npm_pack(npm, package, target)
        digest = _sha256(target)
        if digest != package.sha256:
            target.unlink()
            raise RuntimeError(
                f"{target}: SHA-256 {digest} does not match the pinned {package.sha256}"
            )
        paths.append(target)
    _read_tarball.cache_clear()
    return paths


@cache
def _read_tarball(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("package/"):
                handle = tar.extractfile(member)
                if handle is not None:
                    files[member.name.removeprefix("package/")] = handle.read()
    return files


_failed_fetches: set[Path] = set()  # cache dirs whose fetch failed in this process


def _package_files(package: NpmPackage, *, fetch: bool) -> dict[str, bytes] | None:
    cache_dir = asset_cache_dir()
    target = cache_dir / package.tarball_name
    if not target.exists() and fetch and cache_dir not in _failed_fetches:
        try:
            fetch_assets()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            _failed_fetches.add(cache_dir)  # try once per process, not once per map
            log.warning("could not fetch the Leaflet assets: %s", exc)
    if not target.exists() or _sha256(target) != package.sha256:
        return None
    return _read_tarball(target)


def _auto_fetch() -> bool:
    return not current().offline


def assets_available() -> bool:
    """True when every pinned tarball is in the cache (fetching it first if allowed)."""
    return all(_package_files(p, fetch=_auto_fetch()) is not None for p in PACKAGES)


def _data_uri(data: bytes, name: str) -> str:
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _css_with_data_uris(css: str, files: dict[str, bytes], css_path: str) -> str:
    base = posixpath.dirname(css_path)

    def replace(match: re.Match[str]) -> str:
        ref = posixpath.normpath(posixpath.join(base, match.group(1)))
        if ref in files:
            return f"url({_data_uri(files[ref], ref)})"
        return match.group(0)

    return _CSS_URL_RE.sub(replace, css)


def _find_asset(url: str) -> Asset | None:
    bare = url.split("://", 1)[-1]
    return next((a for a in ASSETS if bare in a.urls), None)


def asset_text(asset: Asset, *, fetch: bool | None = None) -> str | None:
    """The file's text (CSS with its images as data URIs), or None when not cached.

    Parameters
    ----------
    asset : Asset
        The pinned asset.
    fetch : bool or None
        Download missing assets (``None`` = only when allowed by the settings).

    Returns
    -------
    str or None
        The text, or ``None``.
    """
    files = _package_files(asset.package, fetch=_auto_fetch() if fetch is None else fetch)
    if files is None or asset.path not in files:
        return None
    text = files[asset.path].decode("utf-8")
    if asset.kind == "css":
        text = _css_with_data_uris(text, files, asset.path)
    return text


def _default_icon_script(fetch: bool | None) -> str:
    """Point Leaflet's default marker icons at data URIs.

    Leaflet finds its marker images from the URL in leaflet.css; once that URL is a data
    URI it falls back to ``marker-icon.png`` beside the HTML file, which does not exist
    (the measure tool's result marker would then be a failed request).
    """
    files = _package_files(LEAFLET, fetch=_auto_fetch() if fetch is None else fetch) or {}
    names = {
        "iconUrl": "dist/images/marker-icon.png",
        "iconRetinaUrl": "dist/images/marker-icon-2x.png",
        "shadowUrl": "dist/images/marker-shadow.png",
    }
    if not all(path in files for path in names.values()):
        return ""
    options = ", ".join(f"{key}: '{_data_uri(files[path], path)}'" for key, path in names.items())
    return (
        "<script>L.Icon.Default.imagePath = '';"
        f"L.Icon.Default.mergeOptions({{{options}}});</script>"
    )


def inline_assets(html: str, *, fetch: bool | None = None) -> tuple[str, list[str]]:
    """Replace the CDN ``<script>``/``<link>`` tags of a rendered folium page.

    Known assets are inlined from the cached npm tarballs; folium defaults jmgis does not
    use are dropped.  Returns the new HTML and the URLs left external (empty when the
    file is fully self-contained).

    Parameters
    ----------
    html : str
        The rendered page.
    fetch : bool or None
        Download missing assets (``None`` = only when allowed by the settings).

    Returns
    -------
    tuple[str, list[str]]
        The page, and the URLs left external.
    """
    external: list[str] = []

    def replace(match: re.Match[str]) -> str:
        url = match.group("js") or match.group("css")
        if any(marker in url for marker in UNUSED_DEFAULTS):
            return ""
        asset = _find_asset(url)
        text = asset_text(asset, fetch=fetch) if asset else None
        if asset is None or text is None:
            external.append(url)
            return match.group(0)
        if asset.kind == "js":
            # "</script" inside the code would end the inline element early.
            inline = "<script>" + text.replace("</script", "<\\/script") + "</script>"
            if asset.path == "dist/leaflet.js":
                inline += _default_icon_script(fetch)
            return inline
        return "<style>" + text.replace("</style", "<\\/style") + "</style>"

    return _TAG_RE.sub(replace, html), external


def warn_external(path: Path | str, external: list[str]) -> None:
    """Warn that a saved map still needs the network for some assets.

    Parameters
    ----------
    path : Path or str
        The HTML file (written atomically).
    external : list[str]
        URLs left on the CDN.
    """
    if external:
        warnings.warn(
            f"{path}: the Leaflet assets are not cached, so the map loads "
            f"{len(external)} file(s) from CDNs ({', '.join(sorted(set(external)))}) and will "
            "be blank without internet access. Run `python -m jmgis.maps.assets` (needs npm) "
            "to fetch them into " + str(asset_cache_dir()),
            stacklevel=3,
        )


def main() -> int:
    """``python -m jmgis.maps.assets``: fetch the tarballs and print where they are."""
    for path in fetch_assets():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
