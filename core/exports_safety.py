"""Exports are inert, uploaded workbooks are bounded (DESIGN.md, "Trust rules").

Workbooks we write: every text goes in as a string, never a formula (xlsxwriter's write_string with
strings_to_formulas/strings_to_urls off, openpyxl cells typed "s"), and a text that a spreadsheet would
take for a formula once the cell is edited, copied or saved as CSV (one starting with = + - @, a tab
or a carriage return) gets a leading quote, as OWASP's CSV injection guidance recommends.
`sheet_text_read` takes exactly that quote off again, so an exported onboarding workbook imports back
unchanged; a text already starting with quotes before a trigger gets one more, so the pair is exact.

PDFs we write: the text of a reportlab Paragraph is markup (<b>, <img src=...>, entities); `pdf_text`
escapes what a user typed.

Workbooks we read: `workbook_archive_check` looks at the upload as a zip before any XML parser sees it:
the number of members, each member's and the total uncompressed size and each large member's
compression ratio are bounded (from the central directory: zipfile never inflates more than a member
declares), and every XML part is run through defusedxml, streaming, refusing any DTD. Every problem is
a 400 `invalid_workbook` naming it.
"""

import logging
import zipfile
import zlib
from contextlib import contextmanager
from io import BytesIO
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.errors import ApplicationError

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Writing: workbooks and PDFs

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# xlsxwriter.Workbook options: write() never turns a string into a formula, a link or a number.
XLSXWRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def sheet_text(text: str) -> str:
    """The text as a cell shows it safely: a quote before a leading formula trigger."""
    return QUOTE + text if text.lstrip(QUOTE).startswith(FORMULA_TRIGGERS) else text


def sheet_text_read(text: str) -> str:
    """The inverse of sheet_text, for a cell read back from a workbook we exported."""
    return text[1:] if text.startswith(QUOTE) and text.lstrip(QUOTE).startswith(FORMULA_TRIGGERS) else text


def sheet_append(ws, values) -> None:
    """openpyxl's ws.append, with every text neutralised and typed a string (append types a text
    starting with "=" a formula)."""
    # Control characters cannot be stored in an .xlsx (openpyxl raises): they are dropped, not a 500.
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", sheet_text(v)) if isinstance(v, str) else v for v in values])
    if values:
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def pdf_text(value) -> str:
    """A user's text for a reportlab Paragraph: shown as typed, never read as markup."""
    return escape(str(value))


# ---------------------------------------------------------------------------------------------
# Reading: an uploaded .xlsx, before openpyxl parses it

MAX_MEMBERS = 1000  # a workbook has a few dozen parts
RATIO_GRACE_BYTES = 1024 * 1024  # below this, a member's compression ratio says nothing
MAX_CELL_CHARS = 32767  # Excel's own limit for one cell
XML_SUFFIXES = (".xml", ".rels", ".vml")
CHUNK = 64 * 1024

# What openpyxl raises on a workbook it cannot make sense of (defusedxml's refusals are ValueErrors,
# expat's ParseError a SyntaxError).
WORKBOOK_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
    RuntimeError,
)


def invalid_workbook(problem: str, *, member: str | None = None) -> ApplicationError:
    item = {"field": "file", "code": "invalid_workbook", "message": problem}
    if member:
        item["member"] = member
    return ApplicationError(
        _("文件不是有效的 Excel 工作簿(.xlsx):%(problem)s") % {"problem": problem},
        field="file",
        code="invalid_workbook",
        errors=[item],
    )


class _NoTree:
    """A parser target that builds nothing: only the DTD handlers of defusedxml matter."""

    def close(self):
        return None


def _looks_like_xml(name: str, head: bytes) -> bool:
    if name.lower().endswith(XML_SUFFIXES):
        return True
    head = head.lstrip(b" \t\r\n")
    return head.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


def _xml_check(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse one member with defusedxml, streaming, refusing any DTD (and so any entity)."""
    with archive.open(info) as stream:
        head = stream.read(CHUNK)
        if not _looks_like_xml(info.filename, head):
            return
        parser = DefusedXMLParser(target=_NoTree(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
        chunk = head
        while chunk:
            parser.feed(chunk)
            chunk = stream.read(CHUNK)
        parser.close()


def workbook_archive_check(data: bytes, *, max_bytes: int, max_ratio: int) -> None:
    """Refuse (400 invalid_workbook) what is not a zip, a zip bomb, or a zip with a DTD in its XML."""
    if not data.startswith(b"PK\x03\x04"):
        raise invalid_workbook(_("文件不是 zip 压缩包(.xlsx 工作簿是一个 zip 压缩包)。"))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise invalid_workbook(_("压缩包已损坏或不完整。")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise invalid_workbook(
                _("压缩包内有 %(n)d 个文件,超过上限 %(max)d 个。") % {"n": len(members), "max": MAX_MEMBERS}
            )
        total = 0
        for info in members:
            name = info.filename
            if info.file_size > max_bytes:
                raise invalid_workbook(
                    _("「%(member)s」解压后有 %(size)d 字节,超过上限 %(max)d 字节。")
                    % {"member": name, "size": info.file_size, "max": max_bytes},
                    member=name,
                )
            if info.file_size > RATIO_GRACE_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                raise invalid_workbook(
                    _("「%(member)s」的压缩比为 %(ratio)d:1,超过上限 %(max)d:1。")
                    % {"member": name, "ratio": info.file_size // max(info.compress_size, 1), "max": max_ratio},
                    member=name,
                )
            total += info.file_size
        if total > max_bytes:
            raise invalid_workbook(
                _("解压后共有 %(size)d 字节,超过上限 %(max)d 字节。") % {"size": total, "max": max_bytes}
            )
        for info in members:
            if info.is_dir():
                continue
            try:
                _xml_check(archive, info)
            except DefusedXmlException:
                raise invalid_workbook(
                    _("「%(member)s」含有 DTD(<!DOCTYPE>),出于安全原因不予解析。") % {"member": info.filename},
                    member=info.filename,
                ) from None
            except (ParseError, ValueError):
                raise invalid_workbook(
                    _("「%(member)s」不是有效的 XML。") % {"member": info.filename}, member=info.filename
                ) from None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError):
                # Encrypted, an unsupported compression, a bad CRC, a member longer than declared.
                raise invalid_workbook(
                    _("「%(member)s」无法解压(已加密、压缩方式不支持或数据损坏)。") % {"member": info.filename},
                    member=info.filename,
                ) from None


@contextmanager
def workbook_errors():
    """openpyxl's failures on a malformed workbook (while loading or reading rows) as a 400."""
    try:
        yield
    except WORKBOOK_ERRORS as error:
        logger.info("unreadable workbook: %s: %s", type(error).__name__, error)
        raise invalid_workbook(_("无法读取工作簿的内容。")) from None
