"""The demo's pictures, drawn with Pillow when the demo is seeded (no image files in the repository),
then uploaded through the same path as a member's (posts.service.uploads.accept)."""

import io
import random

from PIL import Image, ImageDraw

SAND = (214, 196, 158)
STONES = [(150, 148, 142), (163, 160, 152), (138, 136, 131), (171, 166, 156)]
MOSS = [(84, 112, 52), (102, 128, 60), (70, 96, 46)]


def patio(width: int = 960, height: int = 540) -> bytes:
    """Oskar's patio, photographed from above after the wire brush and the sand: rows of grey stones
    with clean sand joints, a little moss left along the shaded edge on the right."""
    rng = random.Random(4)  # the same picture on every run
    picture = Image.new("RGB", (width, height), SAND)
    draw = ImageDraw.Draw(picture)
    row_height, joint = 90, 8
    for row, top in enumerate(range(0, height, row_height)):
        left = -(row % 2) * 70
        while left < width:
            stone = rng.randrange(120, 200)
            shade = rng.choice(STONES)
            draw.rounded_rectangle((left + joint, top + joint, left + stone, top + row_height), radius=6, fill=shade)
            for _ in range(6):  # the grain of the stone
                x, y = rng.randrange(left + joint, left + stone), rng.randrange(top + joint, top + row_height)
                draw.ellipse((x, y, x + 3, y + 2), fill=tuple(c - 12 for c in shade))
            left += stone
    for _ in range(140):  # what the brush missed, where the hedge shades it
        x, y = width - rng.randrange(0, 110) - 6, rng.randrange(0, height)
        draw.ellipse((x, y, x + rng.randrange(4, 10), y + rng.randrange(3, 8)), fill=rng.choice(MOSS))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


PICTURES = {"patio": patio}
