"""Phrases and feedback directives for the offline writer, kept apart from its assembly logic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.framing import Frame, capitalised, ends_sentence, inline

# Openings for a topic that is a noun phrase: {Topic} at the start, {topic} mid-sentence.
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
# Openings for every other shape of topic: {Text} is the topic's own sentence, capitalised, with
# its end punctuation.
HOOKS_FRAMED = {
    "question": {
        "friendly": ["{Text}", "{Text} Here's our take.", "{Text} Here's what we think."],
        "professional": ["{Text}", "{Text} A short answer.", "{Text} Our view."],
        "playful": ["{Text}", "{Text} Let's dig in!", "{Text} Glad you asked!"],
    },
    "clause": {
        "friendly": ["{Text}", "{Text} Here's the short version.", "{Text} Here's the story."],
        "professional": ["{Text}", "{Text} The short version.", "{Text} The key points."],
        "playful": ["{Text} Story time!", "{Text} Buckle up!", "{Text} Here goes!"],
    },
    "sentence": {
        "friendly": ["{Text}", "{Text} Here's the story.", "{Text} Here's what happened."],
        "professional": ["{Text}", "{Text} The details follow.", "{Text} The short version."],
        "playful": ["{Text} Yes, really!", "{Text} Here's the scoop!", "{Text} Big news!"],
    },
    "gerund": {
        "friendly": ["{Text}.", "{Text}!", "{Text}, in short."],
        "professional": ["{Text}.", "{Text}: the details.", "{Text}: an overview."],
        "playful": ["{Text}!", "{Text}, woohoo!", "{Text}, finally!"],
    },
    "advice": {
        "friendly": ["{Text}. Here's why.", "{Text}: here's why.", "{Text}. Here's how we see it."],
        "professional": ["{Text}. The reasons follow.", "{Text}: the rationale.", "{Text}. Here's why."],
        "playful": ["{Text}. Trust us!", "{Text}, seriously!", "{Text}. Here's why!"],
    },
    "empty": {
        "friendly": ["A quick update from the team."],
        "professional": ["An update from the team."],
        "playful": ["Quick update time!"],
    },
}
BODIES_BARE = {
    "friendly": [
        "The short version: it pays off when you start small, measure what changes and share what you learn.",
        "What we keep coming back to: clear goals, small steps, and honest notes on what worked and what didn't.",
        "Every small improvement compounds once the whole team can see it, and this is no exception.",
    ],
    "professional": [
        "The practical approach: define the goal, measure the change, and document the results.",
        "What matters most: clear ownership, small iterations, and visible outcomes.",
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
EMOJI = [
    ("releas", "🚀"),
    ("launch", "🚀"),
    ("ship", "🚢"),
    ("secur", "🔒"),
    ("perform", "⚡"),
    ("grow", "📈"),
    ("data", "📊"),
    ("bug", "🐛"),
    ("test", "🧪"),
    ("learn", "📚"),
    ("team", "🤝"),
]


@dataclass
class Directives:
    """What the writer should do differently, read from the style and the regenerate feedback."""

    tone: str = "friendly"
    hashtags: bool = True
    emoji: bool = False
    link: bool = True
    closer: bool = True
    max_sentences: int = 3


_RULES: list[tuple[str, dict[str, Any]]] = [
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


def opening(topic: Frame, tone: str, variant: int, with_material: bool) -> str:
    """The first line: a noun phrase goes into a template; any other shape is its own sentence."""
    if topic.kind == "noun":
        hooks = (HOOKS_WITH_MATERIAL if with_material else HOOKS_BARE)[tone]
        phrase = topic.text
        return hooks[variant % len(hooks)].format(Topic=capitalised(phrase), topic=inline(phrase))
    hooks = HOOKS_FRAMED[topic.kind][tone]
    text = capitalised(topic.text)
    if topic.kind in ("question", "clause", "sentence"):
        text = ends_sentence(text)
    return hooks[variant % len(hooks)].format(Text=text)
