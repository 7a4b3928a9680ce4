"""Which links and @mentions a draft may contain: only those its sources (or the topic) support."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.base import Source

LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
# An @ not preceded by a word character, so e-mail addresses are not mentions.
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
_BROADCAST = {"channel", "here", "everyone"}
_TRAILING = ".,;:!?)]»”’'\""


# Query parameters that only say where a click came from: the same page with or without them.
TRACKING_PARAMS = frozenset(
    """
fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid mc_cid mc_eid
_hsenc _hsmi mkt_tok vero_id vero_conv oly_anon_id oly_enc_id rb_clickid s_cid wickedid ref_src ref_url
spm scm si share_source_id cmpid ncid sr_share fb_action_ids fb_action_types fb_source fb_ref
action_object_map action_type_map action_ref_map gs_l hmb_campaign hmb_source hmb_medium
""".split()
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "itm_", "ga_")


def normalize_link(url: str) -> str:
    """The form two links are compared in: no scheme, no www., lowercase host, no fragment, no
    trailing slash, tracking parameters dropped and the rest sorted."""
    url = url.strip().rstrip(_TRAILING)
    url = re.sub(r"^(?:https?:)?//", "", url, flags=re.IGNORECASE)
    url = url.split("#", 1)[0]
    rest, _, query = url.partition("?")
    host, slash, path = rest.partition("/")
    host = re.sub(r"^www\.", "", host.lower()).removesuffix(":443").removesuffix(":80")
    kept = sorted(pair for pair in query.split("&") if pair and not _tracking(pair.split("=", 1)[0]))
    path = path.rstrip("/")
    return (host + (slash + path if path else "") + ("?" + "&".join(kept) if kept else "")).lower()


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def links_in(text: str) -> list[str]:
    return [m.group(0).rstrip(_TRAILING) for m in LINK.finditer(text)]


def mentions_in(text: str) -> list[str]:
    return [m.group(1).rstrip(".-") for m in MENTION.finditer(text)]


@dataclass(frozen=True)
class Support:
    links: frozenset[str]
    mentions: frozenset[str]

    @classmethod
    def of(cls, sources: list[Source], topic: str = "") -> Support:
        texts = [topic] + [f"{s.title} {s.url or ''} {s.excerpt}" for s in sources]
        links = {normalize_link(link) for text in texts for link in links_in(text)}
        mentions = {m.lower() for text in texts for m in mentions_in(text)} - _BROADCAST
        return cls(frozenset(links), frozenset(mentions))

    def unsupported_links(self, text: str) -> list[str]:
        return list(dict.fromkeys(link for link in links_in(text) if normalize_link(link) not in self.links))

    def unsupported_mentions(self, text: str) -> list[str]:
        return list(dict.fromkeys(m for m in mentions_in(text) if m.lower() not in self.mentions))


def strip_unsupported(text: str, support: Support) -> tuple[str, list[str]]:
    """Remove links the sources don't contain and defuse unsupported @mentions; say what changed."""
    notes: list[str] = []
    for link in support.unsupported_links(text):
        text = text.replace(link, "")
        notes.append(f"removed a link the sources do not contain: {link}")
    for mention in support.unsupported_mentions(text):
        text = re.sub(rf"(?<![\w@/])@{re.escape(mention)}\b", mention, text)
        notes.append(f"removed an @mention the sources do not contain: @{mention}")
    if notes:
        text = re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", text)).strip()
        text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    return text, notes
