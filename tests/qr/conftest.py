import re
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image, ImageDraw

TYPICAL_BASE_URL = "http://192.168.100.200:8000"  # a LAN address, as on a factory's own server


@pytest.fixture(autouse=True)
def _typical_base_url(settings):
    settings.PUBLIC_BASE_URL = TYPICAL_BASE_URL


def decode(image: Image.Image) -> zxingcpp.Barcode:
    """Decode exactly one QR code with a real decoder (zxing-cpp)."""
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0]


def decode_png(data: bytes) -> zxingcpp.Barcode:
    image = Image.open(BytesIO(data))
    assert image.format == "PNG"
    return decode(image)


def svg_root(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def rasterize_svg(svg: str, *, px_per_unit: int = 8) -> Image.Image:
    """Draw the SVG's module squares (qrcode's path image: one `M x,y H x2 V y2 H x z` per module)."""
    root = svg_root(svg)
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    image = Image.new("L", (round(width * px_per_unit), round(height * px_per_unit)), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path)
    assert squares
    for x1, y1, x2, y2 in squares:
        box = [round(float(v) * px_per_unit) for v in (x1, y1, x2, y2)]
        draw.rectangle([box[0], box[1], box[2] - 1, box[3] - 1], fill=0)
    return image


def rasterize_terminal(text: str, *, px: int = 8) -> Image.Image:
    """Render the terminal drawing as a dark terminal would: characters light on a dark background."""
    lit = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0), "\xa0": (0, 0)}
    lines = text.rstrip("\n").split("\n")
    image = Image.new("L", (len(lines[0]) * px, len(lines) * 2 * px), 0)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            for half, on in enumerate(lit[char]):
                if on:
                    top = (2 * row + half) * px
                    draw.rectangle([col * px, top, col * px + px - 1, top + px - 1], fill=255)
    return image
