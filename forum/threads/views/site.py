"""The site's own stylesheet and logo, as an admin chose them (forum/settings.py)."""

from flask import Response, abort, send_from_directory

from ...settings import LOGO_FILE, accent_css, logo_folder, site_setting
from .. import bp

YEAR = 365 * 24 * 3600


@bp.get("/site.css")
def site_css():
    """The accent colour as CSS custom properties. Pages link it with the colour's hash in the address
    (settings.site_css_url), so a browser may keep each one for a year."""
    response = Response(accent_css(site_setting("ACCENT_COLOUR")), mimetype="text/css")
    response.cache_control.public, response.cache_control.max_age = True, YEAR
    return response


@bp.get("/site/<name>")
def site_logo(name):
    """An uploaded logo. Each upload has a name of its own, so a browser may keep it for a year."""
    if not LOGO_FILE.fullmatch(name):
        abort(404, "There is no such picture.")
    response = send_from_directory(logo_folder(), name, mimetype="image/webp", conditional=True)
    response.cache_control.public, response.cache_control.max_age = True, YEAR
    response.cache_control.immutable = True
    return response
