"""Fenced code coloured at write time by Pygments, with classes only (the CSP allows no inline style).

Only the languages members write most are coloured; any other language is shown plain, and so is code
that would take a post past its time for colouring (HIGHLIGHT_SECONDS). The
colours are static/css/highlight.css, made from two Pygments styles by

    .venv/bin/python -c "from forum.posts.service.highlight import stylesheet; print(stylesheet(), end='')" \
        > static/css/highlight.css

with every colour nudged until it reads at WCAG AA (4.5:1) on the code block's background, in the
light theme and the dark one; tests/test_render.py checks the committed file is that output.
"""

import io
import time
from functools import cache

from markupsafe import escape
from pygments.formatters import HtmlFormatter
from pygments.formatters.html import _get_ttype_class
from pygments.lexers import get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES

# The name a member writes after ``` (lower-cased) -> the Pygments lexer used.
LANGUAGES = {
    "bash": "bash", "sh": "bash", "shell": "bash", "zsh": "bash", "console": "console",
    "c": "c", "h": "c", "cpp": "cpp", "c++": "cpp", "cs": "csharp", "csharp": "csharp",
    "css": "css", "diff": "diff", "patch": "diff", "go": "go", "golang": "go",
    "html": "html", "xml": "xml", "svg": "xml", "java": "java", "kotlin": "kotlin", "kt": "kotlin",
    "javascript": "javascript", "js": "javascript", "jsx": "javascript", "json": "json",
    "typescript": "typescript", "ts": "typescript", "lua": "lua", "markdown": "markdown", "md": "markdown",
    "php": "php", "python": "python", "py": "python", "pycon": "pycon", "ruby": "ruby", "rb": "ruby",
    "rust": "rust", "rs": "rust", "sql": "sql", "swift": "swift", "toml": "toml", "ini": "ini",
    "yaml": "yaml", "yml": "yaml", "dockerfile": "docker", "docker": "docker", "make": "make",
    "makefile": "make", "nginx": "nginx", "text": None, "plain": None,
}
# CPU time a post's code may take to colour. Lexers are regular expressions, and some are quadratic on
# hostile input (Java on "a a a …", Go and CSS on '"\\"\\…', measured in bench/render_bench.py):
# colouring stops when the time is spent, and the code shows plain. Real code takes a few ms.
HIGHLIGHT_SECONDS = 0.1
CHECK_EVERY = 16  # tokens between looks at the clock: one token costs at most a scan of the block
# A line longer than this (minified code, a pasted blob) is not code to read: shown plain. It also bounds
# what one token can cost, the one thing the clock cannot interrupt (INI on a line of ":::…").
LINE_MAX = 1000
CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)

LIGHT_STYLE, LIGHT_BACKGROUND = "default", "#f3f1ec"  # forum.css's --quote-bg, which <pre> uses
DARK_STYLE, DARK_BACKGROUND = "github-dark", "#23282d"
CONTRAST = 4.5

_formatter = HtmlFormatter(nowrap=True)


@cache
def _lexer(name: str):
    return get_lexer_by_name(name, stripnl=False, ensurenl=False)


def lexer_name(info: str) -> str | None:
    """The lexer for a fence's info string ("python", "js title=x"), or None to show it plain."""
    return LANGUAGES.get(info.strip().split(maxsplit=1)[0].lower()) if info.strip() else None


def code_block(code: str, info: str, env: dict) -> str:
    """A fence as HTML: coloured in `<pre class="highlight">` while the post's time lasts, else plain.

    `env` is the render's scratch space; it carries what is left of the time between fences."""
    name = lexer_name(info)
    left = env.setdefault("highlight_seconds", HIGHLIGHT_SECONDS)
    colour = name is not None and left > 0 and max(map(len, code.split("\n"))) <= LINE_MAX
    # The lexer first, off the clock: a worker's first use of a language imports it and compiles its
    # expressions (tens of ms, CSS's more than the whole budget under load), and a post rendered once must
    # not stay uncoloured for having been that worker's first.
    lexer = _lexer(name) if colour else None
    started = time.thread_time()
    tokens = _tokens(code, lexer, started + left) if colour else None
    env["highlight_seconds"] = left - (time.thread_time() - started)
    if tokens is None:
        return plain_block(code)
    out = io.StringIO()
    _formatter.format(tokens, out)
    return f'<pre class="highlight" tabindex="0"><code>{out.getvalue()}</code></pre>\n'


def plain_block(code: str) -> str:
    # Focusable: a long line scrolls sideways, and the keyboard must be able to scroll it too.
    return f'<pre tabindex="0"><code>{escape(code)}</code></pre>\n'


def _tokens(code: str, lexer, deadline: float) -> list | None:
    """The lexer's tokens for `code`, or None if they were not all found by `deadline` (thread time)."""
    tokens = []
    for count, token in enumerate(lexer.get_tokens(code), 1):
        tokens.append(token)
        if count % CHECK_EVERY == 0 and time.thread_time() > deadline:
            return None
    return tokens


def stylesheet() -> str:
    """static/css/highlight.css: the light style's colours, and the dark one's for dark mode."""
    light = _rules(LIGHT_STYLE, LIGHT_BACKGROUND, indent="")
    dark = _rules(DARK_STYLE, DARK_BACKGROUND, indent="  ")
    return ("/* Made by forum/posts/service/highlight.py's stylesheet() (its docstring has the command)\n"
            f"   from Pygments' {LIGHT_STYLE!r} and {DARK_STYLE!r} styles, each colour adjusted to {CONTRAST}:1\n"
            "   on the code block's background. Do not edit: change forum/posts/service/highlight.py. */\n"
            f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}}}\n")


def _rules(style_name: str, background: str, indent: str) -> str:
    style = get_style_by_name(style_name)
    lines = []
    for token_type in sorted(STANDARD_TYPES, key=str):
        css_class = _get_ttype_class(token_type)
        if not css_class:
            continue
        rule = style.style_for_token(token_type)
        declarations = []
        if rule["color"]:
            declarations.append(f"color: {readable('#' + rule['color'], background)}")
        if rule["bold"]:
            declarations.append("font-weight: bold")
        if rule["italic"]:
            declarations.append("font-style: italic")
        if rule["underline"]:
            declarations.append("text-decoration: underline")
        if declarations:
            lines.append(f"{indent}.highlight .{css_class} {{ {'; '.join(declarations)} }}\n")
    return "".join(lines)


def readable(color: str, background: str) -> str:
    """`color`, moved step by step towards black (on a light background) or white (on a dark one)
    until it has CONTRAST against `background`."""
    rgb = _rgb(color)
    target = (0, 0, 0) if luminance(_rgb(background)) > 0.5 else (255, 255, 255)
    while contrast(rgb, _rgb(background)) < CONTRAST:
        rgb = tuple(round(c + (t - c) * 0.1) if abs(t - c) > 1 else t for c, t in zip(rgb, target, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(color: str) -> tuple[int, int, int]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
