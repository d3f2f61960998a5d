"""URL slugs from titles."""

import re
import unicodedata


def slugify(text: str, max_length: int = 60) -> str:
    """'Café & Crème — a review' -> 'cafe-creme-a-review'; 'thread' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "thread"
