"""The app installs on a phone: manifest, service worker, offline page."""

from __future__ import annotations

import re


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "Mentorskap" and manifest["short_name"] == "Mentorskap"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["lang"] == "sv" and re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = (
            int.from_bytes(image.data[16:20], "big"),
            int.from_bytes(image.data[20:24], "big"),
        )
        assert f"{width}x{height}" == icon["sizes"]


def test_manifest_follows_language(client):
    assert (
        client.get("/manifest.webmanifest", headers={"Accept-Language": "en"}).get_json()["lang"]
        == "en"
    )


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert 'request.mode === "navigate"' in body and "/offline" in body


def test_service_worker_never_stores_pages():
    """Only the offline page and versioned static files may go into the cache."""
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "static" / "js" / "sw.js").read_text()
    # cache.add only ever stores the offline page (at install, and again if it went
    # missing); cache.put only the versioned static files.
    adds = re.findall(r"cache\.add\(([^()]*(?:\([^()]*\))?[^()]*)\)", source)
    assert adds and all("OFFLINE_URL" in added for added in adds), adds
    assert len(re.findall(r"cache\.put\(", source)) == 1
    assert 'url.pathname.startsWith("/static/") && url.searchParams.has("v")' in source


def test_offline_page_is_public_and_personal_data_free(login_as):
    client = login_as("guardian")
    page = client.get("/offline").get_data(as_text=True)
    assert "Ingen anslutning" in page
    assert "Anna" not in page and "Logga ut" not in page


def test_pages_link_manifest(client):
    assert 'rel="manifest" href="/manifest.webmanifest"' in client.get("/login").get_data(
        as_text=True
    )
