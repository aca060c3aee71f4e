"""Names → entities: one resolver for the CLI, batches, the API and the app.

A typed name is tried in tiers; the first that answers wins:

1. **exact**: a label, synonym, id or IRI local name, casefolded (as the knowledge base has
   always answered);
2. **abbreviation**: curated abbreviations (``skos:altLabel`` "FCU", "LABC") pooled with the
   initialisms generated from the labels and synonyms of nerves and muscles ("LACN"); a curated
   one wins over a generated one, and one that means different things on different limbs (MPN:
   pectoral or plantar) is resolved by the case's limb, or answered as ambiguous without one;
3. **normalised**: case, hyphens and punctuation, articles and "of/to/the", "nerve(s)",
   "branch(es)", "n.", "nervus", "ramus/rami", "neuroma" and the side optional, singular/plural,
   peroneal↔fibular, British/American spellings, volar↔palmar, and word order (a bag of words);
   where names of several entities have the same words, the one whose own "nerve"/"branch"
   words differ least from those typed wins ("upper subscapular" is the upper subscapular
   nerve, not its "upper subscapular nerve branch");
4. the abbreviation again with its trailing N added or dropped ("LABCN", "LAC");
5. **partial**: a name whose words are part of several entities' names ("digital nerve")
   answers :class:`~tmrplan.errors.AmbiguousNameError` listing them; part of one entity's names
   only, it resolves and says which name matched.

A case narrows and orders the candidates of every tier (:meth:`NameIndex.order`): its limb,
its site (the regions a neuroma can lie in, and what the amputation removed) and its named
digits or toes.

A weak fuzzy match never resolves: fuzzy matching (rapidfuzz) only suggests and searches.
Only this module imports rapidfuzz.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rdflib import URIRef

from tmrplan.errors import AmbiguousNameError
from tmrplan.knowledge.name_words import (
    abbreviation_shaped,
    initialism,
    is_abbreviation,
    neural_words,
    normalise,
    to_bag,
)

How = Literal["label", "synonym", "abbreviation", "normalised", "partial"]

__all__ = [
    "Entry",
    "How",
    "Match",
    "NameIndex",
    "is_abbreviation",
    "neural_words",
    "normalise",
    "to_bag",
]


@dataclass(frozen=True)
class Match:
    """What a typed name resolved to.

    Attributes:
        entity: the entity.
        matched: the entity's own name that matched (a label, synonym or abbreviation).
        how: ``label``, ``synonym``, ``abbreviation``, ``normalised`` or ``partial``.
    """

    entity: URIRef
    matched: str
    how: How


@dataclass(frozen=True)
class Entry:
    """One name of one entity, as the index is built from.

    Attributes:
        entity: the entity named.
        name: the name as written in the data.
        how: ``label`` (preferred label, id or local name) or ``synonym`` (an altLabel).
        neural: the entity is a nerve (a typed "nerve"/"branch" may only match nerves).
        generate: initialisms are generated from this name (nerves' and muscles' names).
        generic: the entity takes part in partial matches (sources and cases' parts do not).
    """

    entity: URIRef
    name: str
    how: How
    neural: bool = False
    generate: bool = False
    generic: bool = True


# ------------------------------------------------------------------------------ the index
@dataclass(frozen=True)
class _Named:
    entity: URIRef
    name: str
    how: How
    curated: bool = True


class NameIndex:
    """Every name of every entity, indexed for the tiers above; built once per knowledge base.

    Args:
        entries: the names (see :class:`Entry`).
        label: an entity's label, for messages.
        limbs: the limbs an entity lies on (empty when it has no place).
        is_kind: whether an entity is of a class (``kind`` filters with it).
        ancestors: what an entity is a branch or part of (candidates are listed parents first).
        places: the regions an entity lies in or runs through (a case's site narrows with it).
        digits: the digits or toes an entity lies on, itself or through its branches (a case's
            named digits order with it).
    """

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        label: Callable[[URIRef], str],
        limbs: Callable[[URIRef], frozenset[URIRef]],
        is_kind: Callable[[URIRef, URIRef], bool],
        ancestors: Callable[[URIRef], Iterable[URIRef]] = lambda _: (),
        places: Callable[[URIRef], frozenset[URIRef]] = lambda _: frozenset(),
        digits: Callable[[URIRef], frozenset[URIRef]] = lambda _: frozenset(),
    ) -> None:
        self._label = label
        self._ancestors = ancestors
        self._limbs = limbs
        self._is_kind = is_kind
        self._places = places
        self._digits = digits
        self._exact: dict[str, list[_Named]] = defaultdict(list)
        self._abbreviations: dict[str, list[_Named]] = defaultdict(list)
        self._bags: dict[tuple[str, ...], list[_Named]] = defaultdict(list)
        self._neural: set[URIRef] = set()
        self._generic: set[URIRef] = set()
        # word → ids of the bags holding it, for the partial tier (bags as a list to index)
        self._bag_list: list[tuple[str, ...]] = []
        self._by_word: dict[str, set[int]] = defaultdict(set)
        # Fuzzy matching compares a name's words (in order, optional words left out); substring
        # search runs over every casefolded name as written. Each keeps what it names.
        self._worded: dict[str, set[URIRef]] = defaultdict(set)
        self._shown: dict[str, str] = {}  # a name's words → the first name (a label) with them
        self._written: dict[str, set[URIRef]] = defaultdict(set)
        self._above: dict[URIRef, frozenset[URIRef]] = {}
        generated: list[tuple[str, _Named]] = []
        for entry in entries:
            name = entry.name.strip()
            if not name:
                continue
            key = name.casefold()
            if entry.neural:
                self._neural.add(entry.entity)
            if entry.generic:
                self._generic.add(entry.entity)
            self._written[key].add(entry.entity)
            words, _ = normalise(name)
            worded = " ".join(words) or key
            self._worded[worded].add(entry.entity)
            self._shown.setdefault(worded, key)
            if entry.how == "synonym" and is_abbreviation(name):
                self._add(self._abbreviations[key], _Named(entry.entity, name, "abbreviation"))
                continue
            self._add(self._exact[key], _Named(entry.entity, name, entry.how))
            if words:
                # Every name of an entity with these words: the normalised tier picks the one
                # whose "nerve"/"branch" words come closest to those typed.
                bagged = self._bags[tuple(sorted(words))]
                if all((n.entity, n.name) != (entry.entity, name) for n in bagged):
                    bagged.append(_Named(entry.entity, name, entry.how))
            if entry.generate:
                short = initialism(name)
                if short:
                    generated.append((short, _Named(entry.entity, name, "abbreviation", False)))
        for short, named in generated:
            self._add(self._abbreviations[short], named)
        for i, bag in enumerate(self._bags):
            self._bag_list.append(bag)
            for word in bag:
                self._by_word[word].add(i)
        self._choices = list(self._worded)
        # One text to search for substrings at C speed; a name's start offset finds the name.
        self._names_text = "\n".join(self._written) + "\n"
        self._words_text = "\n".join(self._choices) + "\n"

    @staticmethod
    def _add(found: list[_Named], named: _Named) -> None:
        # One entity once per key: the first (curated, preferred) name that gave it wins.
        if all(n.entity != named.entity for n in found):
            found.append(named)

    # -------------------------------------------------------------------------- resolving
    def resolve(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> Match | None:
        """The entity a typed name denotes, with the name that matched and how; None if none.

        Args:
            name: as typed.
            kind: only entities of this class (see the knowledge base's ``is_a``).
            limb: the case's limb: narrows and orders candidates found on several limbs.
            regions: the case's site: the regions its neuroma can lie in (the stump's or the
                intact limb's region with its parts and the regions containing it); narrows
                candidates to those that run there.
            removed: the regions the case's amputation removed (in every reading): a candidate
                that lies only in them is not at the site.
            digits: the case's named digits or toes: their own nerves are listed first.

        Raises:
            AmbiguousNameError: when the name fits several entities (candidates in its
                ``matches``, ordered as :meth:`order`).
        """
        found = self.candidates(
            name, kind=kind, limb=limb, regions=regions, removed=removed, digits=digits
        )
        if len(found) > 1:
            raise AmbiguousNameError(name.strip(), [self._label(m.entity) for m in found])
        return found[0] if found else None

    def candidates(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> list[Match]:
        """What :meth:`resolve` chooses from: one match, the candidates of an ambiguous name
        (the case's limb's only, if any are on it; those at the case's site only, if any are
        there; ordered as :meth:`order`), or none. The context is as :meth:`resolve` takes it."""
        text = name.strip()
        key = text.casefold()
        if not key:
            return []
        words, neural = normalise(text)
        bag = tuple(sorted(words))
        tiers: list[Callable[[], list[_Named]]] = [
            lambda: self._exact.get(key, []),
            lambda: self._abbreviations.get(key, []),
            lambda: self._normalised(bag, text),
            lambda: self._trailing_n(key),
            lambda: self._partial(bag),
        ]
        for i, tier in enumerate(tiers):
            # An exact name is exact: "Orthobullets: Sural nerve" is the source of that title.
            found = self._keep(tier(), kind, neural and i > 0)
            if found:
                return self._narrow(found, limb, regions, removed, digits)
        return []

    def _normalised(self, bag: tuple[str, ...], typed: str) -> list[_Named]:
        """The entities with a name of these words, each by its name whose "nerve"/"branch"
        words differ least from those typed; of the nerves, only those closest in that.

        Without the second step "upper subscapular" would be ambiguous between the upper
        subscapular nerve and its branch, whose synonym "upper subscapular nerve branch" has
        the same words once "nerve" and "branch" are set aside; "branch" says it is the other.
        """
        named = self._bags.get(bag, [])
        if not named:
            return []
        wanted = neural_words(typed)
        best: dict[URIRef, tuple[int, _Named]] = {}
        for n in named:
            have = neural_words(n.name)
            apart = sum(((have - wanted) + (wanted - have)).values())
            if n.entity not in best or apart < best[n.entity][0]:
                best[n.entity] = (apart, n)
        # Among nerves only: a muscle's name has no "nerve" words, so "volar interosseous" (the
        # palmar interossei, or the volar interosseous nerve) stays a choice between the two.
        nerves = [a for a, n in best.values() if n.entity in self._neural]
        closest = min(nerves, default=0)
        return [
            _Named(n.entity, n.name, "normalised")
            for a, n in best.values()
            if a == closest or n.entity not in self._neural
        ]

    def _trailing_n(self, key: str) -> list[_Named]:
        if not abbreviation_shaped(key) or len(key) < 2:
            return []
        other = key[:-1] if key.endswith("n") and len(key) > 2 else key + "n"
        return [n for n in self._abbreviations.get(other, []) if n.entity in self._neural]

    def _keep(self, found: list[_Named], kind: URIRef | None, neural: bool) -> list[_Named]:
        if kind is not None:
            found = [n for n in found if self._is_kind(n.entity, kind)]
        if neural:  # "subclavius nerve" is not the muscle subclavius
            found = [n for n in found if n.entity in self._neural]
        return found

    def _partial(self, bag: tuple[str, ...]) -> list[_Named]:
        if not bag:
            return []
        ids: set[int] | None = None
        for word in set(bag):
            with_word = self._by_word.get(word, set())
            ids = with_word if ids is None else ids & with_word
            if not ids:
                return []
        wanted = Counter(bag)
        found: dict[URIRef, _Named] = {}
        for i in sorted(ids or (), key=lambda i: (len(self._bag_list[i]), self._bag_list[i])):
            have = Counter(self._bag_list[i])
            if any(have[w] < n for w, n in wanted.items()):
                continue
            for named in self._bags[self._bag_list[i]]:
                if named.entity in self._generic and named.entity not in found:
                    found[named.entity] = _Named(named.entity, named.name, "partial")
        return list(found.values())

    def _narrow(
        self,
        found: list[_Named],
        limb: URIRef | None,
        regions: frozenset[URIRef] | None,
        removed: frozenset[URIRef],
        digits: frozenset[URIRef],
    ) -> list[Match]:
        ordered = self.order(
            [n.entity for n in found], limb, regions=regions, removed=removed, digits=digits
        )
        if limb is not None:
            inside = [e for e in ordered if limb in self._limbs(e)]
            if inside:
                ordered = inside
        if regions is not None:
            # Out, not last: a candidate that cannot be at the site (its course wholly outside
            # it, or wholly removed by the amputation) is one the planner refuses ("does not
            # reach"), so offering it only offers a refusal, and a long choice hides the real
            # ones. All stay when none is there: the choice, then the refusal, say where they run.
            there = [e for e in ordered if self._at_site(e, regions, removed)]
            if there:
                ordered = there
        by_entity: dict[URIRef, _Named] = {}
        for n in found:
            by_entity.setdefault(n.entity, n)
        kept = [by_entity[e] for e in ordered]
        # A curated abbreviation wins over an initialism the index made up (on the limb kept).
        if any(n.curated for n in kept) and any(not n.curated for n in kept):
            kept = [n for n in kept if n.curated]
        return [Match(n.entity, n.name, n.how) for n in kept]

    def order(
        self,
        entities: Sequence[URIRef],
        limb: URIRef | None = None,
        *,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> list[URIRef]:
        """Candidates in the order a chooser shows them: on the case's limb first, then those
        at the case's site (``regions``, less what was ``removed``), then with ``digits``
        named those on the named digits only, then those on them and others (a group of
        digital nerves), then the rest; then a nerve before its branches (the common peroneal
        before the deep peroneal nerve), then the shortest (most general) label, then by label.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base
            >>> from tmrplan.knowledge.vocab import TMR
            >>> index = load_knowledge_base().resolver
            >>> ulnar, index_finger = (
            ...     TMR.UlnarProperPalmarDigitalNerveOfLittleFinger,
            ...     TMR.RadialProperPalmarDigitalNerveOfIndexFinger,
            ... )
            >>> index.order([ulnar, index_finger], digits=frozenset({TMR.IndexFinger}))[0] == index_finger
            True
        """
        among = set(entities)

        def key(entity: URIRef) -> tuple[bool, bool, int, int, int, str]:
            label = self._label(entity)
            above = len(self._ancestors_of(entity) & among)
            away = limb is not None and limb not in self._limbs(entity)
            elsewhere = regions is not None and not self._at_site(entity, regions, removed)
            return (away, elsewhere, self._on_digits(entity, digits), above, len(label), label)

        return sorted(entities, key=key)

    def _at_site(
        self, entity: URIRef, regions: frozenset[URIRef], removed: frozenset[URIRef]
    ) -> bool:
        """Whether an entity runs through the site (as the planner's ``reaches`` asks) and not
        only through what the amputation removed."""
        places = self._places(entity)
        return bool(places & regions) and not places <= removed

    def _on_digits(self, entity: URIRef, digits: frozenset[URIRef]) -> int:
        """0: on the named digits only (or none named); 1: on them and others; 2: not on them."""
        if not digits:
            return 0
        own = self._digits(entity)
        if own and own <= digits:
            return 0
        return 1 if own & digits else 2

    def _ancestors_of(self, entity: URIRef) -> frozenset[URIRef]:
        found = self._above.get(entity)
        if found is None:
            found = self._above[entity] = frozenset(self._ancestors(entity))
        return found

    # -------------------------------------------------------------------------- fuzzy
    def close(self, name: str, limit: int = 10, cutoff: float = 60) -> list[tuple[str, float]]:
        """Names close to ``name`` (fuzzy; for suggestions and search, never to resolve), each
        as its words (see :meth:`entities_named` and :meth:`shown`) with a score from 0 to
        100, best first.

        Names are compared by their words, optional words left out, so "saphenus nrve" comes
        close to "saphenous nerve" and "ulnr" to "ulnar nerve".
        """
        from rapidfuzz import fuzz, process  # 35 ms to import: only when a name is not known

        query = name.strip().casefold()
        words = " ".join(normalise(query)[0]) or query
        if not words:
            return []
        found = process.extract(
            words, self._choices, scorer=fuzz.QRatio, limit=limit, score_cutoff=cutoff
        )
        ranked = sorted(((c, s) for c, s, _ in found), key=lambda cs: (-cs[1], len(cs[0]), cs[0]))
        return ranked[:limit]

    def entities_named(self, words: str) -> set[URIRef]:
        """The entities whose names have these words (a choice :meth:`close` returned)."""
        return self._worded.get(words, set())

    def shown(self, words: str) -> str:
        """A name (casefolded, as written) with these words, to show what matched."""
        return self._shown.get(words, words)

    def containing(self, text: str) -> list[tuple[str, set[URIRef]]]:
        """Every name (casefolded, as written) containing ``text``, with the entities it names."""
        return self._find_in(self._names_text, text.casefold(), self._written)

    def words_containing(self, words: str) -> list[tuple[str, set[URIRef]]]:
        """Every name's words containing ``words`` (normalised), with the entities named."""
        return self._find_in(self._words_text, words, self._worded)

    @staticmethod
    def _find_in(
        text: str, part: str, named: dict[str, set[URIRef]]
    ) -> list[tuple[str, set[URIRef]]]:
        if not part or "\n" in part:
            return []
        found: dict[str, set[URIRef]] = {}
        at = text.find(part)
        while at != -1:
            start = text.rfind("\n", 0, at) + 1
            end = text.index("\n", at)
            name = text[start:end]
            found[name] = named[name]
            at = text.find(part, end)
        return list(found.items())
