"""GraphiQL's scripts and styles served by Dermaga itself, fetched once from npm.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer from
unpkg.com, each pinned by a Subresource Integrity hash. A machine that
reaches the package registries but not unpkg.com (a port's office network,
a build host behind a mirror) would show "Loading..." for ever. The same
files are in the packages' tarballs on the npm registry: `fetch_missing`
downloads each tarball once, keeps only the files the page names, and
stores a file only when its bytes match the page's integrity hash. The page
then points at the copies under /graphiql/assets/; a file not stored still
comes from unpkg.com.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

log = structlog.get_logger(__name__)

ROUTE = "/graphiql/assets"
_ASSET = re.compile(
    r'(?:src|href)="(?P<url>https://unpkg\.com/'
    r"(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.+-]+)/(?P<path>[^\"]+))\"\s+"
    r'integrity="sha384-(?P<digest>[A-Za-z0-9+/=]+)"'
)
_TYPES = {".js": "text/javascript", ".css": "text/css"}
# The tarballs of GraphiQL's packages are a few MB; anything far larger is
# not what the page asked for.
MAX_TARBALL_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Asset:
    """One file the page loads: its package, version, path and SHA-384 digest."""

    url: str
    package: str
    version: str
    path: str
    digest: str

    @property
    def key(self) -> str:
        """Where it lives under ROUTE and under the store."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def tarball(self) -> str:
        """The tarball's path on an npm registry."""
        name = self.package.rsplit("/", 1)[-1]
        return f"{self.package}/-/{name}-{self.version}.tgz"

    def matches(self, content: bytes) -> bool:
        digest = base64.b64encode(hashlib.sha384(content).digest()).decode()
        return digest == self.digest


def assets(page: str) -> list[Asset]:
    """Every unpkg.com file `page` loads with an integrity hash."""
    return [
        Asset(m["url"], m["package"], m["version"], m["path"], m["digest"])
        for m in _ASSET.finditer(page)
    ]


class AssetStore:
    """Verified copies of a page's assets in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def file(self, asset: Asset) -> Path:
        return self.directory / asset.key

    def has(self, asset: Asset) -> bool:
        return self.file(asset).is_file()

    def localised(self, page: str) -> str:
        """`page` loading each stored asset from ROUTE instead of unpkg.com."""
        for asset in assets(page):
            if self.has(asset):
                page = page.replace(asset.url, f"{ROUTE}/{asset.key}")
        return page

    def save(self, asset: Asset, content: bytes) -> None:
        target = self.file(asset)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(content)
        partial.replace(target)

    def endpoint(self, page: str) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint serving the stored assets of `page`, and nothing else."""
        known = {a.key: a for a in assets(page)}

        async def serve(request: Request) -> Response:
            asset = known.get(request.path_params["key"])
            if asset is None or not self.has(asset):
                return PlainTextResponse("not found", status_code=404)
            media = _TYPES.get(Path(asset.path).suffix, "application/octet-stream")
            return FileResponse(
                self.file(asset),
                media_type=media,
                # A versioned path never changes.
                headers={"cache-control": "public, max-age=31536000, immutable"},
            )

        return serve


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What `fetch_missing` stored, found stored already, or could not get."""

    stored: Sequence[str]
    present: Sequence[str]
    failed: Sequence[str]


async def fetch_missing(
    page: str, store: AssetStore, registry: str, *, timeout_s: float = 30.0
) -> FetchReport:
    """Store every asset of `page` not stored yet, from its npm tarball."""
    stored: list[str] = []
    present: list[str] = []
    failed: list[str] = []
    wanted: dict[str, list[Asset]] = {}
    for asset in assets(page):
        if store.has(asset):
            present.append(asset.key)
        else:
            wanted.setdefault(asset.tarball, []).append(asset)
    if not wanted:
        return FetchReport(stored, present, failed)
    base = registry.rstrip("/")
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=True) as client:
        for tarball, files in wanted.items():
            try:
                content = await _download(client, f"{base}/{tarball}")
                found = _members(content, (f"package/{a.path}" for a in files))
            except (httpx.HTTPError, tarfile.TarError, ValueError) as error:
                log.warning("graphiql.fetch_failed", tarball=tarball, error=str(error))
                failed += [a.key for a in files]
                continue
            for asset in files:
                data = found.get(f"package/{asset.path}")
                if data is None or not asset.matches(data):
                    log.warning("graphiql.asset_rejected", asset=asset.key)
                    failed.append(asset.key)
                    continue
                store.save(asset, data)
                stored.append(asset.key)
    return FetchReport(stored, present, failed)


async def _download(client: httpx.AsyncClient, url: str) -> bytes:
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_TARBALL_BYTES:
                raise ValueError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _members(tarball: bytes, names: Iterable[str]) -> dict[str, bytes]:
    """The regular files `names` of a gzipped tarball, read in memory."""
    wanted = set(names)
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                extracted = archive.extractfile(member)
                if extracted is not None:
                    found[member.name] = extracted.read()
    return found
