"""A QR code as inline SVG, rendered on the server (segno: pure Python, BSD), for the page that
enrols a second factor: the authenticator app scans the otpauth:// URI, with no script and no
image fetched from anywhere.

The SVG holds presentation attributes only (fill, stroke), never a `style` attribute or element,
which the pages' Content-Security-Policy (style-src 'self') would block. It is named for
assistive technology by `label` (role="img"); the secret is also on the page as text.
"""
import io

import segno
from markupsafe import Markup, escape


def svg(data: str, label: str, scale: int = 4) -> Markup:
    """`data` as a QR code (error correction M, quiet zone of 4 modules), an inline <svg> element."""
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, nl=False, svgclass="qr-code",
        lineclass=None, dark="#000", light="#fff", omitsize=False)
    text = out.getvalue().decode("utf-8")
    if "style" in text:  # a segno that wrote a style would be blocked by the CSP: fail here, not in the page
        raise ValueError("the QR code's SVG holds a style")
    return Markup(text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
