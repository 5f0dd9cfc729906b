"""GraphiQL: served from this origin only, under a strict Content-Security-Policy."""

from __future__ import annotations

import re

import httpx

from api.graphiql import ASSETS, assets_installed


async def page(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/graphql", headers={"accept": "text/html"})


async def test_browsers_get_graphiql_with_a_strict_csp(http: httpx.AsyncClient) -> None:
    assert assets_installed(), "run `make assets` (make test does)"
    response = await page(http)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert "<script>" not in response.text  # no inline script: the CSP forbids it


async def test_every_asset_the_page_names_is_served_from_this_origin(
    http: httpx.AsyncClient,
) -> None:
    html = (await page(http)).text
    urls = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url != "data:,"]
    assert urls
    assert all(url.startswith("/graphiql/assets/") for url in urls)
    for url in urls:
        response = await http.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        kind = "javascript" if url.endswith(".js") else "css"
        assert kind in response.headers["content-type"]
        assert response.headers["cache-control"] == "public, max-age=3600"
        if len(response.content) > 1024:
            assert response.headers["content-encoding"] == "gzip"


async def test_only_listed_assets_can_be_fetched(http: httpx.AsyncClient) -> None:
    assert (await http.get("/graphiql/assets/package.json")).status_code == 404
    assert (await http.get("/graphiql/assets/..%2F..%2Fsettings.py")).status_code == 404
    assert set(ASSETS) >= {"app.js", "graphiql.min.js"}
