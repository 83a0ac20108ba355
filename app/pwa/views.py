"""The manifest and service worker live at the site root so the worker's scope is the site."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import get_locale
from flask_babel import gettext as _

from app.web import static_url

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#1d4e89"


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": "Mentorskap",
        "short_name": "Mentorskap",
        "description": _("Talks, leave and contact with your school's mentor."),
        "lang": str(get_locale()),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static_url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    # Public and personal-data free: the one page the service worker keeps.
    response = current_app.make_response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
