"""The site's own stylesheet: the accent colour an admin chose (forum/settings.py)."""

from flask import Response

from ...settings import accent_css, site_setting
from .. import bp

YEAR = 365 * 24 * 3600


@bp.get("/site.css")
def site_css():
    """The accent colour as CSS custom properties. Pages link it with the colour's hash in the address
    (settings.site_css_url), so a browser may keep each one for a year."""
    response = Response(accent_css(site_setting("ACCENT_COLOUR")), mimetype="text/css")
    response.cache_control.public, response.cache_control.max_age = True, YEAR
    return response
