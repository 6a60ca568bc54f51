"""What every file download shares: the xlsx media type, the width of a CJK text in a spreadsheet
column, and the Content-Disposition header (core.exports_safety keeps the files themselves inert)."""

from unicodedata import east_asian_width
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"
PDF_FONT = "WenQuanYiMicroHei"


def pdf_font() -> str:
    """The one font every PDF draws Chinese with: WenQuanYi Micro Hei (Debian fonts-wqy-microhei, the
    file settings.CARDS_PDF_FONT; subfont 0 of the collection is the proportional face), embedded in the
    file so that a printer without it shows no boxes (STACK-NOTES). Registered once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PDF_FONT, settings.CARDS_PDF_FONT, subfontIndex=0))
    return PDF_FONT


def display_width(value) -> int:
    """Character cells the widest line of `value` takes in a spreadsheet column (or a terminal): an
    East-Asian wide or full-width character takes two (xlsxwriter and openpyxl count one, and their
    autofit under-sizes Chinese columns)."""
    lines = str(value).splitlines() or [""]
    return max(sum(2 if east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header that names a download. An ASCII name goes as `filename="..."`; any other (a Chinese
    enterprise's name) as RFC 5987 `filename*=UTF-8''...`, after an ASCII `filename` for clients that
    read only that one (RFC 6266, section 4.3)."""
    kind = "inline" if inline else "attachment"
    if filename.isascii():
        return '{}; filename="{}"'.format(kind, filename.replace("\\", "\\\\").replace('"', '\\"'))
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_response(content: bytes, media_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    """A file as the whole answer (a page's download link, a workbook endpoint), named for the browser."""
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response
