"""URL slugs from titles."""

import re
import unicodedata


def slugify(text: str, max_length: int = 60) -> str:
    """'Café & Crème — a review' -> 'cafe-creme-a-review'; 'thread' when nothing is left."""
    dashed = "".join("-" if unicodedata.category(ch) == "Pd" else ch for ch in text)  # "5–4" -> "5-4"
    ascii_text = unicodedata.normalize("NFKD", dashed).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "thread"
