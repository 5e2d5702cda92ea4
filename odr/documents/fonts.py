"""Start-up check: can Chinese papers be rendered here? Warn loudly if not; never fail.

Cheap on purpose: one `fc-list` call (a few milliseconds, fontconfig's cache) and one dlopen,
no WeasyPrint import. Without a CJK font Chinese text prints as empty boxes; without
HarfBuzz's subsetting library WeasyPrint falls back to fontTools and CJK renders take seconds.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess

log = logging.getLogger(__name__)

# The names WeasyPrint itself tries (weasyprint/text/ffi.py), per platform.
HARFBUZZ_SUBSET = ("libharfbuzz-subset.so.0", "libharfbuzz-subset-0.dll", "libharfbuzz-subset.0.dylib")
FIX = "Install fonts-noto-cjk and libharfbuzz-subset0 (scripts/setup.sh does)."


def cjk_fonts(timeout: float = 5.0) -> list[str] | None:
    """Families fontconfig offers for Chinese, or None if that cannot be asked."""
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sorted({line.split(",")[0].strip() for line in result.stdout.splitlines() if line.strip()})


def has_harfbuzz_subset() -> bool:
    for name in HARFBUZZ_SUBSET:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def check_rendering_support(logger: logging.Logger = log) -> bool:
    """Log a WARNING for each missing piece; True if everything is there."""
    ok = True
    fonts = cjk_fonts()
    if fonts is None:
        logger.warning("Could not run fc-list to look for a CJK font: Chinese text in PDF documents "
                       "may render as empty boxes. %s", FIX)
        ok = False
    elif not fonts:
        logger.warning("No CJK font is installed: Chinese text in PDF documents will render as empty "
                       "boxes. %s", FIX)
        ok = False
    if not has_harfbuzz_subset():
        logger.warning("libharfbuzz-subset is missing: PDF rendering of Chinese documents will be "
                       "several times slower. %s", FIX)
        ok = False
    return ok
