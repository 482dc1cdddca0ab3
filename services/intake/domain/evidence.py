"""Which evidence files intake accepts, judged by their content, never by their name.

Allowed: PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG. Office formats are ZIP packages and are
told apart by what the package holds. A name that claims one of these types must match
the content (a text file renamed to report.pdf is refused); a name that claims nothing
is judged on content alone.
"""
import io
import zipfile

PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG = (
    "application/pdf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "image/png",
    "image/jpeg",
)
ALLOWED = (PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG)
BY_EXTENSION = {".pdf": PDF, ".odt": ODT, ".docx": DOCX, ".xlsx": XLSX, ".csv": CSV, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG}


class Refused(ValueError):
    """The file is not one intake accepts; the message says why."""


def sniff(data: bytes) -> str | None:
    """The media type the content really is, or None if it is none of the allowed ones."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_package(data)
    if _is_csv(data):
        return CSV
    return None


def _office_package(data: bytes) -> str | None:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = set(package.namelist())
        if "mimetype" in names and package.read("mimetype").strip() == ODT.encode():
            return ODT
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    if "[Content_Types].xml" in names:
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
    return None


def _is_csv(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    first_line = text.splitlines()[0] if text.strip() else ""
    printable = all(ch.isprintable() or ch in "\r\n\t" for ch in text[:65536])
    return printable and any(sep in first_line for sep in (",", ";", "\t"))


def media_type(data: bytes, filename: str, max_bytes: int) -> str:
    """The accepted media type of an upload, or Refused with a reason a person can act on."""
    if not data:
        raise Refused("The file is empty.")
    if len(data) > max_bytes:
        raise Refused(f"The file is larger than {max_bytes} bytes.")
    actual = sniff(data)
    if actual is None:
        raise Refused("The file is not one of the accepted types: PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG (judged by content).")
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in (filename or "") else ""
    claimed = BY_EXTENSION.get(extension)
    if claimed and claimed != actual:
        raise Refused(f"The file is named {extension} but its content is {actual}, not {claimed}.")
    return actual
