"""How a typed name is read: its words with spelling, plurals and optional words set aside, its
"nerve" and "branch" words, and abbreviations and initialisms (the tiers in ``names`` compare
names in these terms).
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = [
    "abbreviation_shaped",
    "initialism",
    "is_abbreviation",
    "neural_words",
    "normalise",
    "to_bag",
]

# Words a surgeon may leave out or add without changing which nerve is meant.
_NEURAL_WORDS = frozenset(("nerve", "nerves", "n", "nervus", "nervi", "branch", "branches"))
_NEURAL_WORDS |= {"ramus", "rami"}
# What the neural words say once their spelling is set aside: a nerve, or a branch of one.
_NEURAL_SENSE = {w: "branch" if w.startswith(("branch", "ram")) else "nerve" for w in _NEURAL_WORDS}
# A clinic letter's side ("right sural neuroma") is the case's side, not part of the name.
_OPTIONAL = _NEURAL_WORDS | {"the", "of", "to", "a", "an", "and", "neuroma", "neuromas"}
_OPTIONAL |= {"left", "right", "bilateral"}
# One spelling for words written two ways (old/new terminology, British/American, synonyms
# that are true everywhere they occur in a nerve's name).
_SAME_WORD = {
    "peroneal": "fibular",
    "peroneus": "fibularis",
    "peronei": "fibulares",
    "volar": "palmar",
    "paraesthetica": "paresthetica",
    "oesophageal": "esophageal",
    "haemorrhoidal": "hemorrhoidal",
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "4th": "fourth",
    "5th": "fifth",
    "interossei": "interosseous",
    "lumbricales": "lumbrical",
    "small": "little",  # "small finger" is the little finger; "small sciatic" stays consistent
    # Morton's neuroma is a neuroma of a plantar interdigital (common plantar digital) nerve.
    "morton": "interdigital",
    "mortons": "interdigital",
}
# Phrases first: "great toe" is the hallux (the data names it both ways).
_SAME_PHRASE = ((re.compile(r"\b(?:big toe|hallux|first toe)\b"), "great toe"),)
_SPLIT = re.compile(r"[^\w]+")
_POSSESSIVE = re.compile(r"['\u2019]s\b")  # Morton's, Baxter\u2019s
# Latin plurals and English ones that do not end in a plain "s".
_KEEP_S = ("ss", "us", "is", "ous", "ys")


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def normalise(text: str) -> tuple[list[str], bool]:
    """The words of a name that tell nerves apart, in order, and whether it said "nerve/branch".

    Example:
        >>> normalise("Superficial branch of the peroneal nerve")
        (['superficial', 'fibular'], True)
        >>> normalise("digital nerves of the big toe")
        (['digital', 'great', 'toe'], True)
    """
    text = _POSSESSIVE.sub("", text.casefold())
    for pattern, replacement in _SAME_PHRASE:
        text = pattern.sub(replacement, text)
    words = [w for w in _SPLIT.split(text.replace("_", " ")) if w]
    neural = any(w in _NEURAL_WORDS for w in words)
    kept = [_SAME_WORD.get(w, w) for w in words if w not in _OPTIONAL]
    return [_SAME_WORD.get(s, s) for s in map(_singular, kept)], neural


def neural_words(text: str) -> Counter[str]:
    """The "nerve" and "branch" words of a name, whatever their spelling, counted.

    They are optional for matching ("superficial fibular" is the superficial fibular nerve) but
    not meaningless: "X nerve branch" is a branch of the X nerve. Where the other words of
    several entities' names agree, these tell them apart (:meth:`NameIndex.candidates`).

    Example:
        >>> sorted(neural_words("upper subscapular nerve branch").items())
        [('branch', 1), ('nerve', 1)]
        >>> neural_words("Rami musculares n. ulnaris")
        Counter({'branch': 1, 'nerve': 1})
    """
    words = _SPLIT.split(_POSSESSIVE.sub("", text.casefold()).replace("_", " "))
    return Counter(_NEURAL_SENSE[w] for w in words if w in _NEURAL_SENSE)


def to_bag(text: str) -> tuple[str, ...]:
    """A name as a bag of words (sorted), so that word order does not matter.

    Example:
        >>> to_bag("ulnar digital nerve of the little finger") == to_bag("little finger ulnar digital")
        True
    """
    return tuple(sorted(normalise(text)[0]))


_ABBREVIATION = re.compile(r"[A-Z][A-Za-z0-9]*")
_LATIN_START = ("nervus ", "nervi ", "ramus ", "rami ", "musculus ", "musculi ", "plexus ")
_INITIALISM_SKIP = frozenset(("the", "of", "to", "and", "from", "for", "in", "a", "an", "with"))
# "abductor digiti minimi of the foot" is ADM in a foot case: the limb tells them apart.
_WHERE = re.compile(r"\s+of the (hand|foot)$")


def abbreviation_shaped(text: str) -> bool:
    """Whether text, capitalised, has the shape of an abbreviation (one word, letters first)."""
    return bool(_ABBREVIATION.fullmatch(text.upper()))


def is_abbreviation(name: str) -> bool:
    """Whether a name is written as an abbreviation: one word, at least two capitals.

    Example:
        >>> [is_abbreviation(n) for n in ("LABC", "AdP", "Baxter", "MC nerve")]
        [True, True, False, False]
    """
    return bool(_ABBREVIATION.fullmatch(name)) and sum(c.isupper() for c in name) >= 2


def initialism(name: str) -> str | None:
    """The initialism of a name ("lateral antebrachial cutaneous nerve" → "lacn"), or None.

    Latin names, names with digits or parentheses and one-word names give none; a closing
    "of the hand/foot" is left out (the case's limb tells the two apart).

    Example:
        >>> initialism("lateral plantar nerve"), initialism("nervus medianus")
        ('lpn', None)
        >>> initialism("abductor digiti minimi of the foot")
        'adm'
    """
    text = _WHERE.sub("", name.casefold())
    if text.startswith(_LATIN_START) or any(c.isdigit() or c in "()," for c in text):
        return None
    words = [w for w in _SPLIT.split(text) if w and w not in _INITIALISM_SKIP]
    if not 2 <= len(words) <= 6:
        return None
    return "".join(w[0] for w in words)
