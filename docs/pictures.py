"""The README's pictures, drawn by the bot's own code from the bundled snapshot: `python docs/pictures.py [FOLDER]`.

Four charts as the answers carry them, and the /compare answer drawn the way Discord's dark
theme shows it (from the embed and components the bot sends). Offline, on a fixed clock, so the
pictures change only when the code does; tests/test_pictures.py checks they are up to date.
"""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # draw with this working tree's code

import matplotlib  # noqa: E402
import pandas as pd  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from analytics.sources.market_data import MarketData  # noqa: E402
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot  # noqa: E402
from bot import console  # noqa: E402
from bot.discovery import discover  # noqa: E402
from commands.kit.buttons import view_for  # noqa: E402
from commands.kit.command import Services  # noqa: E402
from commands.kit.render import to_embed  # noqa: E402

# The Monday after the snapshot's last session (2026-02-20), 10:00 in New York: the answers read
# "offline snapshot data, last session 2026-02-20", as on the first day the snapshot was served.
NOW = pd.Timestamp("2026-02-23 15:00Z")

CHARTS = {
    "compare": ["a:^RUT", "b:^GSPC", "start:oct-2022-low", "end:2025-10-21"],
    "banks": ["as_of:2023-03-13"],
    "credit": ["as_of:2023-03-13", "window:3"],
    "performance": ["symbols:NVDA META GOOGL MSFT ^GSPC ^RUT", "start:oct-2022-low", "end:2025-10-21"],
}
IN_DISCORD = "compare"


def services() -> Services:
    matplotlib.rcdefaults()  # matplotlib's own style, whatever matplotlibrc this machine has
    fred = MarketData(SnapshotSource(snapshot=load_fred_snapshot(), name="bundled FRED (DFF, DGS2)"), clock=lambda: NOW)
    return Services(
        market=MarketData(SnapshotSource(), clock=lambda: NOW), clock=lambda: NOW, fred=fred, catalog=discover()
    )


def write_pictures(folder: Path) -> list[Path]:
    """The charts of CHARTS, then the IN_DISCORD answer as Discord shows it; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    answering = services()
    written, answers = [], {}
    for command, pairs in CHARTS.items():
        answers[command] = answer = asyncio.run(console.ask(answering, command, pairs))
        assert answer.chart is not None, f"{command} answered without a chart"
        written.append(folder / f"{command}.png")
        written[-1].write_bytes(answer.chart)  # the attachment's bytes, as the bot sends them
    # What the bot sends with the answer: the embed as Discord receives it, and the buttons' rows.
    catalog, answer = answering.catalog, answers[IN_DISCORD]
    request = console.parse_request([IN_DISCORD, *CHARTS[IN_DISCORD]], catalog)
    question = catalog.question(catalog.get(request.command), request.options, NOW)
    rows = view_for(question, catalog, NOW).to_components()
    written.append(folder / f"discord-{IN_DISCORD}.png")
    discord_message(to_embed(answer).to_dict(), answer.chart, rows).save(written[-1])
    return written


# -- Discord's dark theme, in CSS pixels (drawn at SCALE) -----------------------------------------

SCALE = 2
EMBED_WIDTH = 520
BACKGROUND, EMBED, MENU = "#313338", "#2B2D31", "#1E1F22"
WHITE, TEXT, MUTED, FOOTER = "#F2F3F5", "#DBDEE1", "#949BA4", "#B5BAC1"
BLURPLE, GREY_BUTTON = "#5865F2", "#4E5058"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu as matplotlib ships it: the same everywhere
GLYPHS = TTFont(FONTS / "DejaVuSans.ttf").getBestCmap()


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size * SCALE)


def s(value: float) -> int:
    return round(value * SCALE)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than ``width`` (CSS px), breaking at spaces; an empty line stays."""
    text = "".join(ch for ch in text if ord(ch) in GLYPHS or ch == "\n")  # drop what DejaVu lacks (U+FE0F)
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            tried = f"{line} {word}" if line else word
            if line and face.getlength(tried) > s(width):
                lines.append(line)
                tried = word
            line = tried
        lines.append(line)
    return lines


class Page:
    """Draws top to bottom on a tall canvas, cropped at the end."""

    def __init__(self, width: float, background: str = BACKGROUND) -> None:
        self.image = Image.new("RGB", (s(width), s(3000)), background)
        self.draw = ImageDraw.Draw(self.image)

    def text(self, x: float, y: float, text: str, face: ImageFont.FreeTypeFont, fill: str, line: float) -> float:
        """One line of text in a line box of height ``line`` whose top is ``y``; returns the box's bottom."""
        self.draw.text((s(x), s(y + line / 2)), text, font=face, fill=fill, anchor="lm")
        return y + line

    def lines(self, x: float, y: float, text: str, face: ImageFont.FreeTypeFont, fill: str, width: float) -> float:
        for row in wrap(text, face, width):
            y = self.text(x, y, row, face, fill, 18 if face.size >= s(14) else 16)
        return y

    def box(self, x: float, y: float, w: float, h: float, fill: str, radius: float) -> None:
        self.draw.rounded_rectangle((s(x), s(y), s(x + w) - 1, s(y + h) - 1), radius=s(radius), fill=fill)


def discord_message(embed: dict, chart: bytes, rows: list[dict]) -> Image.Image:
    """The answer as Discord shows it: the bot's name line, the embed with its chart, the components."""
    left, width = 72, 72 + EMBED_WIDTH + 24
    page = Page(width)
    _avatar(page, 16, 18)
    name = font(16, bold=True)
    page.text(left, 16, "marketbot", name, WHITE, 22)
    x = left + name.getlength("marketbot") / SCALE + 4
    tag = font(10, bold=True)
    page.box(x, 19.5, tag.getlength("APP") / SCALE + 8, 15, BLURPLE, 3)
    page.text(x + 4, 19.5, "APP", tag, "white", 15)
    x += tag.getlength("APP") / SCALE + 8 + 6
    page.text(x, 17, f"Today at {NOW:%H:%M}", font(12), MUTED, 22)
    y = _embed(page, left, 16 + 22 + 4, embed, chart)
    for row in rows:
        y = _components(page, left, y + 8, row["components"])
    return page.image.crop((0, 0, s(width), s(y + 16)))


def _avatar(page: Page, x: float, y: float) -> None:
    page.draw.ellipse((s(x), s(y), s(x + 40) - 1, s(y + 40) - 1), fill=BLURPLE)
    trend = [(9, 27), (15, 21), (20, 24), (26, 15), (31, 18)]
    page.draw.line([(s(x + a), s(y + b)) for a, b in trend], fill="white", width=s(3), joint="curve")


def _embed(page: Page, x: float, top: float, embed: dict, chart: bytes) -> float:
    """Discord's rich embed: a 4 px colour bar, padding 8/16/16/12, each part 8 px below the last."""
    card = Page(EMBED_WIDTH, EMBED)  # drawn apart, then pasted with rounded corners
    left, width = 4 + 12, EMBED_WIDTH - 4 - 12 - 16
    y = card.lines(left, 8, embed.get("title", ""), font(16, bold=True), WHITE, width)
    if embed.get("description"):
        y = card.lines(left, y + 8, embed["description"], font(14), TEXT, width)
    for field in embed.get("fields", []):  # inline=False: one per row, the name above the value
        y = card.lines(left, y + 8, field["name"], font(14, bold=True), WHITE, width)
        y = card.lines(left, y + 2, field["value"], font(14), TEXT, width)
    if "image" in embed:  # the attachment, scaled to the embed's width
        picture = Image.open(io.BytesIO(chart)).convert("RGB")
        size = (s(width), round(s(width) * picture.height / picture.width))
        card.image.paste(picture.resize(size, Image.Resampling.LANCZOS), (s(left), s(y + 16)), _rounded(size, 4))
        y += 16 + size[1] / SCALE
    if "footer" in embed:
        y = card.lines(left, y + 8, embed["footer"]["text"], font(12), FOOTER, width)
    height = y + 16
    card.draw.rectangle((0, 0, s(4) - 1, s(height) - 1), fill=f"#{embed.get('color', 0x1E1F22):06X}")
    body = card.image.crop((0, 0, s(EMBED_WIDTH), s(height)))
    page.image.paste(body, (s(x), s(top)), _rounded(body.size, 4))
    return top + height


def _rounded(size: tuple[int, int], radius: float) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=s(radius), fill=255)
    return mask


def _components(page: Page, x: float, y: float, components: list[dict]) -> float:
    """One action row: buttons (32 px high, 16 px padding, 8 px apart) or a select menu (40 px high, 400 px wide)."""
    label = font(14)
    for item in components:
        if item["type"] == 3:  # a select menu shows its default option, else its placeholder
            chosen = [o["label"] for o in item["options"] if o.get("default")]
            shown, colour = (chosen[0], TEXT) if chosen else (item.get("placeholder", ""), MUTED)
            page.box(x, y, 400, 40, MENU, 8)
            page.text(x + 12, y, shown, label, colour, 40)
            cx, cy = x + 400 - 20, y + 20  # the chevron
            page.draw.line([(s(cx - 5), s(cy - 2.5)), (s(cx), s(cy + 2.5)), (s(cx + 5), s(cy - 2.5))], TEXT, s(2))
            return y + 40
        emoji = (item.get("emoji") or {}).get("name", "")
        pad = 16 + (20 if emoji else 0)
        width = pad + label.getlength(item.get("label", "")) / SCALE + 16
        fill, ink = BLURPLE if item["style"] == 1 else GREY_BUTTON, "#FFFFFF"
        if item.get("disabled"):
            fill, ink = _faded(fill), _faded(ink)
        page.box(x, y, width, 32, fill, 8)
        if emoji:
            _emoji(page, x + 16, y + 8, emoji, item.get("disabled", False))
        page.text(x + pad, y, item.get("label", ""), label, ink, 32)
        x += width + 8
    return y + 32


def _faded(colour: str) -> str:
    """Discord draws a disabled button at half opacity over the background."""
    a, b = bytes.fromhex(colour[1:]), bytes.fromhex(BACKGROUND[1:])
    return "#" + "".join(f"{(p + q) // 2:02X}" for p, q in zip(a, b, strict=True))


def _emoji(page: Page, x: float, y: float, emoji: str, disabled: bool) -> None:
    """DejaVu has no colour emoji: the bell (the only one on these buttons) is drawn, others as text."""
    if emoji != "🔔":
        page.text(x, y - 1, emoji, font(14), "white", 18)
        return
    gold, dark = ("#FFCC4D", "#FFAC33") if not disabled else (_faded("#FFCC4D"), _faded("#FFAC33"))
    d = page.draw
    d.ellipse((s(x + 6.5), s(y), s(x + 9.5), s(y + 3)), fill=dark)
    skirt = [(-4.5, 4), (4.5, 4), (6, 11), (7.5, 13), (-7.5, 13), (-6, 11)]
    d.polygon([(s(x + 8 + dx), s(y + dy)) for dx, dy in skirt], fill=gold)
    d.ellipse((s(x + 3.5), s(y + 1.5), s(x + 12.5), s(y + 8.5)), fill=gold)
    d.ellipse((s(x + 6), s(y + 12), s(x + 10), s(y + 16)), fill=dark)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    for path in write_pictures(out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
