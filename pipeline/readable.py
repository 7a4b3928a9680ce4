"""Reduce an HTML page to its title and readable paragraphs with the standard library only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = {
    "script",
    "style",
    "noscript",
    "svg",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "template",
    "iframe",
    "button",
    "select",
}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "dd",
    "dt",
    "figcaption",
}
_VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "area", "base", "col"}


class _Readable(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.in_title = False
        self.title = ""
        self.description = ""
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            if (values.get("name") or values.get("property") or "").lower() in ("description", "og:description"):
                self.description = self.description or (values.get("content") or "")
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag == "title":
            self.in_title = False
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skip_depth:
            self.current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def readable_text(html: str) -> tuple[str, str]:
    """(title, text): paragraphs of at least a few words, one per line; navigation crumbs dropped."""
    parser = _Readable()
    parser.feed(html)
    parser.close()
    parser._flush()
    paragraphs = [b for b in parser.blocks if len(b.split()) >= 6]
    if not paragraphs and parser.description:
        paragraphs = [parser.description.strip()]
    title = " ".join(parser.title.split())
    return title, "\n".join(paragraphs)


def strip_tags(html: str) -> str:
    """Plain text from a feed summary, which is usually a small HTML fragment."""
    parser = _Readable()
    parser.feed(html)
    parser.close()
    parser._flush()
    return re.sub(r"\s+", " ", " ".join(parser.blocks)).strip()
