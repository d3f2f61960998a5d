"""A publisher's colours and font in the comments frame (the EMBED_LOOKS setting; README, "Comments under
articles"), read strictly, and the stylesheet each becomes.

One line a publisher site: its origin, then `name=value` pairs, any of

    accent, background, text                 #rrggbb, for light pages
    dark-accent, dark-background, dark-text  #rrggbb, for dark pages (dark-accent: a lighter mix of accent)
    font                                     up to four font families, comma-separated (quoted if spaced)

such as `https://news.example accent=#8a1538 background=#fffdf8 font="Iowan Old Style, Georgia, serif"`.
A colour is # and six hex digits, a family name letters, digits, spaces and hyphens: nothing in a value
can end the CSS declaration it goes in. Text, links and buttons must stay readable (WCAG's 4.5:1) on the
colours given, or the line is refused with the pair that is not. The stylesheet is served from the
forum's own address (forum/embed/views.py), so the frame's Content-Security-Policy stays as strict.
"""

import re
import shlex
from dataclasses import dataclass
from functools import cached_property, lru_cache
from hashlib import sha256

from .refusals import FieldError

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FAMILY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,39}")
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "system-ui", "ui-serif", "ui-sans-serif", "ui-monospace",
                    "ui-rounded", "cursive", "fantasy", "math"}
MAX_FAMILIES = 4
COLOUR_NAMES = ("accent", "background", "text", "dark-accent", "dark-background", "dark-text")
NAMES = (*COLOUR_NAMES, "font")
READABLE = 4.5  # WCAG AA contrast for text
# The frame's own palettes (static/css/forum.css and embed.css): what a colour not given stays.
PALETTES = {
    "light": {"accent": "#0b5cad", "background": "#fbfaf7", "text": "#1f2328", "accent-text": "#ffffff"},
    "dark": {"accent": "#7cb7ff", "background": "#14171a", "text": "#e6e8ea", "accent-text": "#0d1117"},
}


def _wrong(message: str) -> FieldError:
    """What is wrong with a line, in words for the admin (settings names the field and the site)."""
    return FieldError("", message)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(first: str, second: str, share: float) -> str:
    """`share` of `first` with the rest of `second`, in sRGB, as #rrggbb."""
    channels = (round(int(first[i:i + 2], 16) * share + int(second[i:i + 2], 16) * (1 - share)) for i in (1, 3, 5))
    return "#" + "".join(f"{channel:02x}" for channel in channels)


@dataclass(frozen=True)
class Look:
    """One publisher's colours (by name, lower-case #rrggbb) and font families, as given."""

    origin: str
    colours: tuple[tuple[str, str], ...]
    font: tuple[str, ...] = ()

    @cached_property
    def line(self) -> str:
        """The line as the forum stores it and the settings page shows it."""
        pairs = [f"{name}={value}" for name, value in self.colours]
        if self.font:
            pairs.append(f'font="{", ".join(self.font)}"')
        return " ".join((self.origin, *pairs))

    @cached_property
    def digest(self) -> str:
        """Names this very look in its stylesheet's address: a change is a new address."""
        return sha256(self.line.encode()).hexdigest()[:16]

    def palette(self, scheme: str) -> dict[str, str]:
        """The colours a `scheme` ("light" or "dark") page of the frame gets from this look: only those
        it changes. Derived ones (muted text, borders, tints) follow the given ones."""
        given = dict(self.colours)
        prefix = "dark-" if scheme == "dark" else ""
        base = PALETTES[scheme]
        chosen = {name: given[prefix + name] for name in ("accent", "background", "text") if prefix + name in given}
        if scheme == "dark" and "accent" not in chosen and "accent" in given:
            chosen["accent"] = mix(given["accent"], "#ffffff", 0.45)  # as forum.css's accent in dark mode
        if not chosen:
            return {}
        background = chosen.get("background", base["background"])
        text = chosen.get("text", base["text"])
        accent = chosen.get("accent", base["accent"])
        palette = {"--accent": accent, "--accent-soft": mix(accent, background, 0.14)}
        if "background" in chosen or "text" in chosen:
            palette.update({"--bg": background, "--surface": background, "--text": text, "--muted": _muted(text, background),
                            "--border": mix(text, background, 0.2), "--quote-bg": mix(text, background, 0.06)})
        return palette

    def css(self) -> str:
        """The stylesheet: after embed.css, with the same specificity, so it wins in each theme (the
        host's choice in data-theme, else the reader's system preference), and leaves a theme it does
        not change to the frame's own colours."""
        rules = [f"/* {self.origin}: its colours and font in the comments frame (EMBED_LOOKS). */"]
        light, dark = self.palette("light"), self.palette("dark")
        if light:
            rules.append(f"@media not all and (prefers-color-scheme: dark) {{ :root {{ {_declarations(light)} }} }}")
            rules.append(f':root[data-theme="light"] {{ {_declarations(light)} }}')
        if dark:
            rules.append(f'@media (prefers-color-scheme: dark) {{ :root:not([data-theme="light"]) '
                         f'{{ {_declarations(dark)} }} }}')
            rules.append(f':root[data-theme="dark"] {{ {_declarations(dark)} }}')
        if self.font:
            stack = ", ".join(name if name in GENERIC_FAMILIES else f'"{name}"' for name in self.font)
            if not GENERIC_FAMILIES.intersection(self.font):
                stack += ", system-ui, sans-serif"
            rules.append(f":root {{ --font: {stack}; --font-reading: var(--font); }}")
        return "\n".join(rules) + "\n"


def _declarations(palette: dict[str, str]) -> str:
    return " ".join(f"{name}: {value};" for name, value in palette.items())


def _muted(text: str, background: str) -> str:
    """Secondary text: the text colour toward the background, as far as it stays readable."""
    for share in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        muted = mix(text, background, share)
        if contrast(muted, background) >= READABLE:
            return muted
    return text


def parse(origin: str, rest: str) -> Look:
    """The look of `origin` (already a checked origin) from the rest of its line; FieldError when any
    part is not one, or a colour it gives leaves text, links or buttons unreadable."""
    try:
        words = shlex.split(rest)
    except ValueError:
        raise _wrong("a quotation mark is not closed.") from None
    given: dict[str, str] = {}
    for word in words:
        name, equals, value = word.partition("=")
        name = name.strip().lower()
        if not equals or name not in NAMES:
            raise _wrong(f"“{word[:40]}” is not one of {', '.join(f'{name}=' for name in NAMES)}.")
        if name in given:
            raise _wrong(f"{name} is given twice.")
        given[name] = value.strip()
    colours = tuple((name, _colour(name, given[name])) for name in COLOUR_NAMES if name in given)
    look = Look(origin, colours, _families(given["font"]) if "font" in given else ())
    _check_readable(look)
    return look


def _colour(name: str, value: str) -> str:
    if not COLOUR.fullmatch(value):
        raise _wrong(f"{name} must be # and six hexadecimal digits, such as #0b5cad: “{value[:20]}” is not.")
    return value.lower()


def _families(value: str) -> tuple[str, ...]:
    families = tuple(" ".join(family.split()) for family in value.split(","))
    if not 0 < len(families) <= MAX_FAMILIES or not all(FAMILY.fullmatch(family) for family in families):
        raise _wrong(f"font must be up to {MAX_FAMILIES} font names separated by commas, each of letters, "
                        "digits, spaces and hyphens, such as font=\"Source Serif 4, Georgia, serif\".")
    return families


def _check_readable(look: Look) -> None:
    for scheme, words in (("light", ""), ("dark", "In dark mode, ")):
        palette = look.palette(scheme)
        if not palette:
            continue
        background, text = palette.get("--bg", PALETTES[scheme]["background"]), palette.get("--text")
        pairs = [("links", palette["--accent"], background),
                 ("button labels", PALETTES[scheme]["accent-text"], palette["--accent"])]
        if text:
            pairs.insert(0, ("text", text, background))
        for what, first, second in pairs:
            ratio = contrast(first, second)
            if ratio < READABLE:
                hint = " Give dark-accent." if scheme == "dark" and "dark-accent" not in dict(look.colours) \
                    and what != "text" else ""
                raise _wrong(f"{words}{what} would have a contrast of {ratio:.1f}:1 ({first} on {second}); "
                                f"they need {READABLE}:1 to be readable.{hint}")


@lru_cache(maxsize=8)
def by_origin(lines: tuple[str, ...]) -> dict[str, Look]:
    """The looks of a stored EMBED_LOOKS value (lines already checked), by origin. Kept: read per page."""
    looks = {}
    for line in lines:
        origin, _, rest = line.partition(" ")
        looks[origin] = parse(origin, rest)
    return looks
