"""SMSC.ru `push=1`: a WAP-push message as the handset receives it. Pure.

SMSC takes the link and its title on two lines of `mes` and sends a WAP Service Indication
(WAP-167) over WSP (WAP-230) to the push port 2948: a user data header with the 16-bit port
numbers, the WSP push PDU, then the SI document in WBXML (WAP-192), UTF-8 strings inline. This
is also the exact layout of the binary (`bin=2`) WAP-push example public SMSC clients send:
`0605040B8423F0 DC0601AE 02056A00 45 C6 0C 03 "wap.ru/" 00 01 03 "wap.ru" 00 01 01`.
"""

from __future__ import annotations

__all__ = ["wap_push_si"]

# UDH: length 6, IE 0x05 (16-bit application ports), length 4, destination 2948, source 9200.
_PORTS_UDH = bytes.fromhex("0605040B8423F0")
# WSP: transaction id, PDU type "push", headers length 1, content type application/vnd.wap.sic.
_WSP_PUSH = bytes.fromhex("DC0601AE")
# WBXML 1.2, public id "-//WAPFORUM//DTD SI 1.0//EN", charset UTF-8, empty string table.
_WBXML_HEAD = bytes.fromhex("02056A00")
_SI = 0x45  # <si> with content
_INDICATION = 0xC6  # <indication> with attributes and content
_STR_I = 0x03  # inline string, NUL-terminated
_END = 0x01
# href attribute start tokens, the longest matching prefix first.
_HREF_PREFIXES = (
    ("https://www.", 0x0F),
    ("http://www.", 0x0D),
    ("https://", 0x0E),
    ("http://", 0x0C),
    ("", 0x0B),
)


def _inline(text: str) -> bytes:
    return bytes([_STR_I]) + text.replace("\x00", "").encode("utf-8") + b"\x00"


def wap_push_si(url: str, title: str) -> bytes:
    """The octets of a WAP-push SMS carrying `url` with the text `title`."""
    prefix, token = next((p, t) for p, t in _HREF_PREFIXES if url.lower().startswith(p))
    body = bytes([_SI, _INDICATION, token]) + _inline(url[len(prefix) :]) + bytes([_END])
    if title:
        body += _inline(title)
    body += bytes([_END, _END])
    return _PORTS_UDH + _WSP_PUSH + _WBXML_HEAD + body
