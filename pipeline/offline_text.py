"""Phrases and feedback directives for the offline writer, kept apart from its assembly logic."""
from __future__ import annotations

import re
from dataclasses import dataclass

HOOKS_WITH_MATERIAL = {
    "friendly": ["{Topic}: here's what stood out.", "A quick look at {topic}.", "What's new with {topic}?"],
    "professional": ["{Topic}: the key points.", "A short briefing on {topic}.", "{Topic}: what changed."],
    "playful": ["{Topic}, the highlights!", "Okay, {topic} time!", "Fresh from the desk: {topic}!"],
}
HOOKS_BARE = {
    "friendly": ["Let's talk about {topic}.", "{Topic} has been on our minds this week.", "A few thoughts on {topic}."],
    "professional": ["A note on {topic}.", "{Topic}: what matters.", "On {topic}."],
    "playful": ["Okay, let's talk {topic}!", "{Topic}, anyone?", "Time for some {topic} talk!"],
}
BODIES_BARE = {
    "friendly": [
        "The short version: it pays off when you start small, measure what changes and share what you learn.",
        "What we keep coming back to: clear goals, small steps, and honest notes on what worked and what didn't.",
        "Every small improvement compounds once the whole team can see it, and this is no exception.",
    ],
    "professional": [
        "The practical approach: define the goal, measure the change, and document the results.",
        "Three principles apply: clear ownership, small iterations, and visible outcomes.",
        "Teams that succeed here set clear goals, iterate in small steps and share results openly.",
    ],
    "playful": [
        "Small steps beat big plans, every single time.",
        "The secret sauce? Start tiny, measure everything, brag about the wins.",
        "Spoiler: the boring basics done well win again.",
    ],
}
CLOSERS = {
    "friendly": ["What has worked for you?", "How are you approaching it?", "Curious to hear your take."],
    "professional": ["Feedback welcome.", "More to follow.", "Questions welcome."],
    "playful": ["Who's in?", "Tell us your best trick!", "Your move!"],
}
LINK_LEADS = {"friendly": "More: ", "professional": "Source: ", "playful": "Dig in: "}
EMOJI = [("releas", "🚀"), ("launch", "🚀"), ("ship", "🚢"), ("secur", "🔒"), ("perform", "⚡"),
         ("grow", "📈"), ("data", "📊"), ("bug", "🐛"), ("test", "🧪"), ("learn", "📚"), ("team", "🤝")]


@dataclass
class Directives:
    """What the writer should do differently, read from the style and the regenerate feedback."""

    tone: str = "friendly"
    hashtags: bool = True
    emoji: bool = False
    link: bool = True
    closer: bool = True
    max_sentences: int = 3


_RULES: list[tuple[str, dict]] = [
    (r"\b(shorter|too long|concise|brief|tighter|trim)\b", {"max_sentences": 1, "closer": False}),
    (r"\b(longer|more detail|expand|elaborate)\b", {"max_sentences": 5}),
    (r"\b(no|without|drop|remove|fewer|less) hashtags?\b", {"hashtags": False}),
    (r"\b(add|more|with|use) hashtags?\b", {"hashtags": True}),
    (r"\b(no|without|drop|remove|fewer|less) emojis?\b", {"emoji": False}),
    (r"\b(add|more|with|use) (an |some )?emojis?\b", {"emoji": True}),
    (r"\b(formal|professional|serious)\b", {"tone": "professional"}),
    (r"\b(casual|friendly|warm)\b", {"tone": "friendly"}),
    (r"\b(fun|playful|punchy|funny)\b", {"tone": "playful"}),
    (r"\b(no|without|drop|remove) (the )?(link|url)s?\b", {"link": False}),
    (r"\b(no|without|drop) (the )?(question|call to action|cta)\b", {"closer": False}),
]


def directives_for(tone: str, hashtags: bool, emoji: bool, feedback: str | None) -> Directives:
    found = Directives(tone=tone if tone in HOOKS_BARE else "friendly", hashtags=hashtags, emoji=emoji)
    for pattern, changes in _RULES:
        if feedback and re.search(pattern, feedback.lower()):
            for key, value in changes.items():
                setattr(found, key, value)
    return found


def emoji_for(text: str) -> str:
    lowered = text.lower()
    return next((icon for stem, icon in EMOJI if stem in lowered), "💡")
