"""A real browser for the page's end-to-end tests: Debian's chromium driven by Playwright for Python.

Nothing here downloads a browser build: without /usr/bin/chromium (or without playwright) the
browser tests skip with one line saying how to enable them.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # playwright is optional at run time: without it the browser tests skip
    from playwright.async_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("SIGNOFF_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ENABLE = (
    "browser tests need Debian's chromium at /usr/bin/chromium: run `apt-get install -y chromium` "
    "(scripts/test does it when run as root), and the [test] extra for playwright"
)


def why_no_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        return ENABLE
    return None


needs_browser = pytest.mark.skipif(why_no_browser() is not None, reason=ENABLE)


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
