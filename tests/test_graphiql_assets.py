"""GraphiQL's scripts fetched from an npm registry, checked, stored and served."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from collections import Counter
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from dermaga.graphiql_assets import AssetStore, assets, fetch_missing
from dermaga.settings import Settings
from integrations.serving import serve_app

REACT = b"window.React = {};"
EXPLORER = b"window.GraphiQLPluginExplorer = {};"


def _sri(content: bytes) -> str:
    return base64.b64encode(hashlib.sha384(content).digest()).decode()


def _tag(package: str, path: str, content: bytes) -> str:
    return (
        f'<script src="https://unpkg.com/{package}/{path}"\n'
        f'  integrity="sha384-{_sri(content)}"></script>'
    )


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


PAGE = "\n".join(
    [
        _tag("react@18.2.0", "umd/react.production.min.js", REACT),
        _tag("@graphiql/plugin-explorer@1.0.2", "dist/index.umd.js", EXPLORER),
        # Its tarball holds other bytes than the page's hash names.
        _tag("js-cookie@3.0.5", "dist/js.cookie.min.js", b"the real thing"),
        # No such tarball on the registry.
        _tag("graphiql@3.8.3", "graphiql.min.js", b"never served"),
    ]
)


def _registry(requests: Counter[str]) -> Starlette:
    tarballs = {
        "react/-/react-18.2.0.tgz": _tarball(
            {"umd/react.production.min.js": REACT, "README.md": b"skip me"}
        ),
        "@graphiql/plugin-explorer/-/plugin-explorer-1.0.2.tgz": _tarball(
            {"dist/index.umd.js": EXPLORER}
        ),
        "js-cookie/-/js-cookie-3.0.5.tgz": _tarball(
            {"dist/js.cookie.min.js": b"tampered"}
        ),
    }

    async def tarball(request: Request) -> Response:
        path = request.path_params["path"]
        requests[path] += 1
        if path not in tarballs:
            return PlainTextResponse("not found", status_code=404)
        return Response(tarballs[path], media_type="application/octet-stream")

    return Starlette(routes=[Route("/{path:path}", tarball)])


def test_every_script_and_style_of_strawberrys_page_is_found() -> None:
    found = assets(get_graphql_ide_html(graphql_ide="graphiql"))

    packages = {a.package for a in found}
    assert {"react", "react-dom", "graphiql", "@graphiql/plugin-explorer"} <= packages
    assert len(found) == 7
    explorer = next(a for a in found if a.package == "@graphiql/plugin-explorer")
    assert explorer.tarball.startswith("@graphiql/plugin-explorer/-/plugin-explorer-")


async def test_only_files_matching_the_pages_hashes_are_stored(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    requests: Counter[str] = Counter()
    async with serve_app(_registry(requests)) as registry:
        first = await fetch_missing(PAGE, store, registry)
        again = await fetch_missing(PAGE, store, registry)

    assert sorted(first.stored) == [
        "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "react@18.2.0/umd/react.production.min.js",
    ]
    assert sorted(first.failed) == [
        "graphiql@3.8.3/graphiql.min.js",
        "js-cookie@3.0.5/dist/js.cookie.min.js",
    ]
    assert (tmp_path / "react@18.2.0/umd/react.production.min.js").read_bytes() == REACT
    assert not (tmp_path / "js-cookie@3.0.5").exists()
    # The second run downloads only what is still missing.
    assert sorted(again.present) == sorted(first.stored)
    assert requests["react/-/react-18.2.0.tgz"] == 1
    assert requests["js-cookie/-/js-cookie-3.0.5.tgz"] == 2

    page = store.localised(PAGE)
    assert 'src="/graphiql/assets/react@18.2.0/umd/react.production.min.js"' in page
    assert "https://unpkg.com/react@" not in page
    assert "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js" in page


async def test_a_registry_out_of_reach_leaves_the_page_as_it_was(
    tmp_path: Path,
) -> None:
    store = AssetStore(tmp_path)

    report = await fetch_missing(PAGE, store, "http://127.0.0.1:9", timeout_s=2)

    assert len(report.failed) == 4
    assert report.stored == []
    assert store.localised(PAGE) == PAGE


async def test_the_app_serves_stored_scripts_and_nothing_else(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    page = get_graphql_ide_html(graphql_ide="graphiql")
    react = next(a for a in assets(page) if a.package == "react")
    AssetStore(settings.data_dir / "graphiql").save(react, REACT)

    html = (await http.get("/graphql", headers={"accept": "text/html"})).text
    served = await http.get(f"/graphiql/assets/{react.key}")
    not_stored = await http.get("/graphiql/assets/" + assets(page)[-1].key)
    unknown = await http.get("/graphiql/assets/react@18.2.0/../../secrets")

    assert f'src="/graphiql/assets/{react.key}"' in html
    assert "https://unpkg.com/graphiql@" in html
    assert served.status_code == 200
    assert served.content == REACT
    assert served.headers["content-type"].startswith("text/javascript")
    assert not_stored.status_code == 404
    assert unknown.status_code == 404
