"""Emoji shortcodes: `:smile:` in a post becomes 😄, and the composer suggests them after ":".

The names are the `emoji` package's (Unicode's CLDR names, and the GitHub/Slack aliases members
know: `:thumbsup:`, `:+1:`, `:tada:`). The composer offers the lower-case ones, without skin-tone
variants, so the list stays short; every name the package knows still renders.
"""

import re

import emoji

SUGGESTIONS = 8
NAME = re.compile(r"[a-z0-9_+-]+")

emoji.emojize(":smile:", language="alias")  # loads the names now, not during a member's first post


def emojize(text: str) -> str:
    return emoji.emojize(text, language="alias")


def _names() -> list[tuple[str, str]]:
    """(name, emoji) for each suggestable name, shortest first: "smile" before "smiley_cat"."""
    names = {}
    for character, data in emoji.EMOJI_DATA.items():
        if data["status"] != emoji.STATUS["fully_qualified"] or "skin_tone" in data["en"]:
            continue
        for shortcode in (data["en"], *data.get("alias", ())):
            name = shortcode.strip(":")
            if NAME.fullmatch(name):
                names.setdefault(name, character)
    return sorted(names.items(), key=lambda pair: (len(pair[0]), pair[0]))


_NAMES = _names()


def suggest(typed: str) -> list[tuple[str, str]]:
    """Up to SUGGESTIONS (name, emoji) for what follows the ":" being typed: names that start with it
    first, then names with a word that does ("heart" finds "red_heart")."""
    typed = typed.lower().strip(":")
    if not typed or not NAME.fullmatch(typed):
        return []
    starting = [pair for pair in _NAMES if pair[0].startswith(typed)]
    if len(starting) < SUGGESTIONS:
        starting += [pair for pair in _NAMES if f"_{typed}" in pair[0] and not pair[0].startswith(typed)]
    return starting[:SUGGESTIONS]
