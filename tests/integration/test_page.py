"""The page is served with its script and style sheet from this server only, under a strict CSP."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_page_loads_only_its_own_assets(http_server, path):
    reply = http_server.request("GET", path)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    policy = reply.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    page = reply.body.decode()
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page) if s != "data:,"]  # no favicon request
    assert sorted(sources) == ["monitor", "openapi.json", "page.css", "page.js"], "no CDN, no external font"
    assert "<script>" not in page, "no inline script (the CSP would block it)"


@pytest.mark.parametrize(("path", "media_type"), [("/page.js", "text/javascript"), ("/page.css", "text/css")])
def test_assets_are_served_with_their_media_types(http_server, path, media_type):
    reply = http_server.request("GET", path)
    assert reply.status == 200 and reply.headers["content-type"].startswith(media_type)
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert b".innerHTML" not in reply.body and b"insertAdjacentHTML" not in reply.body


def test_page_and_assets_are_small(http_server):
    sizes = {path: len(http_server.request("GET", path).body) for path in ("/", "/page.js", "/page.css")}
    assert sum(sizes.values()) < 32 * 1024, sizes
