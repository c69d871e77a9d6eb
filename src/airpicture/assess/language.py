"""ICD 203 estimative language (spec assessment.md §1): the band of a probability and its words.

Row 1 terms are the default vocabulary; row 2 synonyms may be chosen instead, never mixed in one product.
"""

from __future__ import annotations

from dataclasses import dataclass

BANDS: tuple[tuple[str, str, str], ...] = (
    # (row 1 term, row 2 synonym, range)
    ("almost no chance", "remote", "01-05 %"),
    ("very unlikely", "highly improbable", "05-20 %"),
    ("unlikely", "improbable", "20-45 %"),
    ("roughly even chance", "roughly even odds", "45-55 %"),
    ("likely", "probable", "55-80 %"),
    ("very likely", "highly probable", "80-95 %"),
    ("almost certain", "nearly certain", "95-99 %"),
)
ROW1 = tuple(b[0] for b in BANDS)
ROW2 = tuple(b[1] for b in BANDS)
ADVERBS = {"likely": "likely", "very likely": "very likely", "almost certain": "almost certainly"}
"""The adverb of 'Taken together, these data points <adverb> indicate …' for the bands that allow it."""


@dataclass(frozen=True, slots=True)
class Band:
    """The band of one probability: its index (0 almost no chance … 6 almost certain) and the flag."""

    index: int
    beyond_scale: bool

    def term(self, row: int = 1) -> str:
        return BANDS[self.index][0 if row == 1 else 1]


def band(p: float) -> Band:
    """ICD 203 band of ``p`` (0..1). Shared endpoints resolve symmetrically so band(p) mirrors band(1−p):
    ``p ≤ .05`` · ``≤ .20`` · ``< .45`` · ``≤ .55`` · ``< .80`` · ``< .95`` · else. ``p < .01`` or ``> .99``
    is ``beyond_scale``. Raises ``ValueError`` outside 0..1 or for NaN."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability out of range: {p}")
    if p <= 0.05:
        index = 0
    elif p <= 0.20:
        index = 1
    elif p < 0.45:
        index = 2
    elif p <= 0.55:
        index = 3
    elif p < 0.80:
        index = 4
    elif p < 0.95:
        index = 5
    else:
        index = 6
    return Band(index, p < 0.01 or p > 0.99)


def band_term(p: float, row: int = 1) -> str:
    return band(p).term(row)


def band_index(term: str) -> int:
    """Position of a row-1 or row-2 term on the scale; ``ValueError`` when it is not a term."""
    for i, (one, two, _) in enumerate(BANDS):
        if term in (one, two):
            return i
    raise ValueError(f"not an ICD 203 term: {term!r}")
