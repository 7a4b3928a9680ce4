"""Okapi BM25: rank documents against a query by term frequency, rarity and length."""

from __future__ import annotations

import math
from collections import Counter

from pipeline.textutil import tokens


def bm25_scores(query: str, documents: list[str], *, k1: float = 1.5, b: float = 0.75) -> list[float]:
    docs = [tokens(d) for d in documents]
    terms = set(tokens(query))
    if not docs or not terms:
        return [0.0] * len(docs)
    average_length = sum(len(d) for d in docs) / len(docs) or 1.0
    document_frequency = Counter(term for d in docs for term in set(d) if term in terms)
    scores: list[float] = []
    for doc in docs:
        frequency = Counter(doc)
        score = 0.0
        for term in terms:
            tf = frequency.get(term, 0)
            if not tf:
                continue
            df = document_frequency[term]
            # The +1 inside the log keeps idf positive for terms found in most documents.
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average_length))
        scores.append(score)
    return scores
