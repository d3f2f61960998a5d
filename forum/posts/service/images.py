"""Image references in a post's Markdown, as the renderer shows them.

![alt](/uploads/<sha256>.webp) of an upload this forum holds becomes an <img> with its width and height
(no layout shift as it loads), loading="lazy" and the member's alt text (the file name's words when they
gave none); a wide image shows its smaller copy, linked to the whole one. Nothing from another site is
ever loaded into a page: a reference to any other address is a link to it (which a new member's posts
hide, like any link). A new member's own images show as a marker, as their links do.
"""

import re
from dataclasses import dataclass

from markdown_it.token import Token
from markupsafe import escape

HIDDEN_IMAGE = "image hidden — new member"
MISSING_IMAGE = "image removed"
HASH = r"[0-9a-f]{64}"
UPLOAD_URL = re.compile(rf"/uploads/({HASH})\.webp")
REFERENCE = re.compile(rf"\]\(\s*<?/uploads/({HASH})\.webp")
IMG_SRC = re.compile(rf"/uploads/{HASH}(-display)?\.webp")  # the only <img src> the sanitiser keeps


@dataclass(frozen=True)
class ImageInfo:
    """What the page needs of an upload to show it."""

    width: int
    height: int
    display_width: int | None
    display_height: int | None
    alt: str  # the file name's words


def hashes_in(body: str) -> list[str]:
    """The uploads a body refers to, each once, in order."""
    return list(dict.fromkeys(REFERENCE.findall(body)))


def show_images(children: list[Token], images: dict[str, ImageInfo], allowed: bool) -> list[Token]:
    """Replace each image token among an inline's children with what the page shows for it."""
    if not any(child.type == "image" for child in children):
        return children
    result: list[Token] = []
    in_link = 0
    for child in children:
        in_link += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if child.type != "image":
            result.append(child)
            continue
        src = child.attrGet("src") or ""
        alt = _alt_of(child)
        match = UPLOAD_URL.fullmatch(src)
        if match is None:
            result.extend(_link(src, alt) if not in_link else [_text(alt or src)])
        elif match.group(1) not in images:
            result.append(_html(f'<span class="image-missing">{MISSING_IMAGE}</span>'))
        elif not allowed:
            result.append(_html(f'<span class="image-hidden">{HIDDEN_IMAGE}</span>'))
        else:
            result.append(_html(_img(match.group(1), images[match.group(1)], alt, linked=not in_link)))
    return result


def _img(sha256: str, info: ImageInfo, alt: str, linked: bool) -> str:
    alt = escape(alt or info.alt or "Image")
    if info.display_width:
        tag = (f'<img src="/uploads/{sha256}-display.webp" alt="{alt}" width="{info.display_width}" '
               f'height="{info.display_height}" loading="lazy" decoding="async">')
        return f'<a href="/uploads/{sha256}.webp" class="image-link">{tag}</a>' if linked else tag
    return (f'<img src="/uploads/{sha256}.webp" alt="{alt}" width="{info.width}" height="{info.height}" '
            'loading="lazy" decoding="async">')


def _alt_of(image: Token) -> str:
    """The alt text as plain words (emphasis and code marks dropped), on one line."""
    parts = []
    for child in image.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_alt_of(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _link(href: str, text: str) -> list[Token]:
    opening = Token("link_open", "a", 1)
    opening.attrSet("href", href)
    return [opening, _text(text or href), Token("link_close", "a", -1)]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _html(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token


def img_src_only_uploads(element: str, attribute: str, value: str) -> str | None:
    """The sanitiser's filter: an <img> may load nothing but this forum's own uploads."""
    if element == "img" and attribute == "src" and not IMG_SRC.fullmatch(value):
        return None
    return value
