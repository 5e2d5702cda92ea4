"""What may be uploaded as evidence: the type is sniffed from the bytes, never taken on trust."""

from __future__ import annotations

import codecs

import filetype

# Sniffed MIME type -> the extension we store it under.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/plain": "txt",
}
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The MIME type the content really has, or None if it is nothing we recognise."""
    kind = filetype.guess(data)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip":
            return None
        return mime
    # filetype knows binary formats only: plain text is UTF-8 without control characters.
    sample = data[:65536]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: the sample may end inside a multi-byte character.
        text = decoder.decode(sample, final=len(data) <= len(sample))
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return "text/plain"
