"""Draw the integration's brand icons: a map pin over signal arcs, our own artwork.

Run with `.venv/bin/python scripts/brand.py`; it rewrites
custom_components/invoxia/brand/icon.png (256 px) and icon@2x.png (512 px).
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).parent.parent / "custom_components" / "invoxia" / "brand"
TEAL = (0, 150, 136, 255)
WHITE = (255, 255, 255, 255)
# Drawn large, then scaled down: smooth edges without anti-aliasing primitives.
SUPERSAMPLE = 4


def draw_icon(size: int) -> Image.Image:
    """Draw the icon on a transparent square of `size` pixels."""
    scale = size * SUPERSAMPLE
    image = Image.new("RGBA", (scale, scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = scale / 16
    # The pin: a disc whose bottom runs into a point.
    centre_x, centre_y, radius = 8 * unit, 6.5 * unit, 4.5 * unit
    draw.ellipse(
        (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius),
        fill=TEAL,
    )
    draw.polygon(
        [(4.3 * unit, 9 * unit), (11.7 * unit, 9 * unit), (8 * unit, 15.2 * unit)],
        fill=TEAL,
    )
    hole = 1.7 * unit
    draw.ellipse(
        (centre_x - hole, centre_y - hole, centre_x + hole, centre_y + hole),
        fill=WHITE,
    )
    # Two arcs above the pin: the tracker reporting its position.
    for reach in (2.6, 3.6):
        box = (
            centre_x - reach * unit,
            centre_y - reach * unit,
            centre_x + reach * unit,
            centre_y + reach * unit,
        )
        draw.arc(box, start=215, end=325, fill=WHITE, width=round(0.55 * unit))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write both icon sizes."""
    BRAND.mkdir(exist_ok=True)
    draw_icon(256).save(BRAND / "icon.png", optimize=True)
    draw_icon(512).save(BRAND / "icon@2x.png", optimize=True)


if __name__ == "__main__":
    main()
