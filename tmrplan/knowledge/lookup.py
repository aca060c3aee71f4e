"""Name lookups of the knowledge base: a typed name to the entity it denotes, suggestions and
search, with where an entity lies (its places, limbs, digits) for narrowing by the case's site.

:class:`NameLookup` is a mixin of :class:`~tmrplan.knowledge.kb.KnowledgeBase`: the tiers of
matching live in ``names`` (:class:`NameIndex`); this module feeds it the knowledge base's names
and answers with labels, suggestions and search hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import URIRef

from tmrplan.errors import UnknownEntityError
from tmrplan.knowledge.names import Entry, How, Match, NameIndex, normalise
from tmrplan.knowledge.vocab import NERVE_KINDS, TMR

# Kinds whose names take part in partial matches ("digital nerve" lists the digital nerves, not
# the sources whose titles say "digital nerve").
_GENERIC_KINDS = frozenset(
    (
        *NERVE_KINDS,
        TMR.Muscle,
        TMR.Region,
        TMR.Compartment,
        TMR.Joint,
        TMR.Limb,
        TMR.Digit,
    )
)
# Where an entity lies: a nerve's course, a muscle's or branch's region.
_PLACES = (TMR.coursesThrough, TMR.locatedIn)
# The longest text search reads: longer than any name (the longest, a transfer pattern's label,
# is 165 characters), so a longer one can match nothing and is not searched (issue 17, item 14).
MAX_QUERY = 200


@dataclass(frozen=True)
class SearchHit:
    """One search result: the entity, its label, the name that matched, and a relative score."""

    entity: URIRef
    label: str
    matched: str
    score: float


class NameLookup:
    """Lookups by name, mixed into the knowledge base (whose indexes they read)."""

    if TYPE_CHECKING:  # provided by KnowledgeBase
        types: dict[URIRef, URIRef]
        labels: dict[URIRef, str]
        alt_labels: dict[URIRef, list[str]]
        _names: dict[str, set[URIRef]]
        _resolver: NameIndex | None
        _limbs: dict[URIRef, frozenset[URIRef]]
        _digits: dict[URIRef, frozenset[URIRef]]

        def names_of(self, entity: URIRef) -> list[str]: ...
        def objects(self, subject: URIRef, predicate: URIRef) -> list[URIRef]: ...
        def label(self, entity: URIRef) -> str: ...
        def is_a(self, entity: URIRef, cls: URIRef) -> bool: ...
        def limb_of(self, region: URIRef) -> URIRef | None: ...
        def closure(
            self,
            entity: URIRef,
            relation: URIRef,
            *,
            down: bool = False,
            kind: URIRef | None = None,
            pick: Callable[[list[URIRef]], URIRef] | None = None,
        ) -> dict[URIRef, int]: ...

    @property
    def resolver(self) -> NameIndex:
        """The name index behind :meth:`resolve`, :meth:`suggest` and :meth:`search` (built at
        first use: a command that plans by ids needs none)."""
        if self._resolver is None:
            self._resolver = NameIndex(
                self._name_entries(),
                label=self.label,
                limbs=self.limbs_of,
                is_kind=self.is_a,
                ancestors=lambda e: [*self.closure(e, TMR.branchOf), *self.closure(e, TMR.partOf)],
                places=self.places_of,
                digits=self.digits_of,
            )
        return self._resolver

    def places_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The regions an entity runs through or lies in (``tmr:coursesThrough``,
        ``tmr:locatedIn``): where the planner looks for a neuroma of a nerve."""
        return frozenset(r for p in _PLACES for r in self.objects(entity, p))

    def digits_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The digits or toes (``tmr:Digit``) an entity lies on: the ray segments
        (``tmr:ofDigit``) it or any of its branches runs through or lies in.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base, local_name
            >>> kb = load_knowledge_base()
            >>> [local_name(d) for d in kb.digits_of(TMR.RadialProperPalmarDigitalNerveOfIndexFinger)]
            ['IndexFinger']
        """
        found = self._digits.get(entity)
        if found is None:
            below = [entity, *self.closure(entity, TMR.branchOf, down=True)]
            found = frozenset(
                d for e in below for r in self.places_of(e) for d in self.objects(r, TMR.ofDigit)
            )
            self._digits[entity] = found
        return found

    def _name_entries(self) -> list[Entry]:
        entries = []
        for entity, kind in self.types.items():
            neural = kind in NERVE_KINDS
            generate = (neural and kind != TMR.MotorBranch) or kind == TMR.Muscle
            generic = kind in _GENERIC_KINDS
            label = self.labels.get(entity, "")
            for name in self.names_of(entity):
                synonym = name != label and name in self.alt_labels.get(entity, ())
                how: How = "synonym" if synonym else "label"
                entries.append(Entry(entity, name, how, neural, generate, generic))
        return entries

    def limbs_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The limbs (or the trunk) an entity lies on: a region's limb, the limbs of the regions a
        nerve courses through or a muscle or branch lies in, else those of a branch's muscles
        and parent nerve; empty when it has no place.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base, local_name
            >>> kb = load_knowledge_base()
            >>> [local_name(limb) for limb in kb.limbs_of(TMR.MedialPlantarNerve)]
            ['LowerLimb']
        """
        found = self._limbs.get(entity)
        if found is None:
            self._limbs[entity] = frozenset()  # a cycle in the data ends here
            found = frozenset(self._limbs_from(entity))
            self._limbs[entity] = found
        return found

    def _limbs_from(self, entity: URIRef) -> set[URIRef]:
        if self.is_a(entity, TMR.Limb):
            return {entity}
        if self.is_a(entity, TMR.Region):
            limb = self.limb_of(entity)
            return {limb} if limb is not None else set()
        regions = [r for p in _PLACES for r in self.objects(entity, p)]
        limbs = {limb for r in regions if (limb := self.limb_of(r)) is not None}
        if not limbs:
            for p in (TMR.innervates, TMR.branchOf, TMR.partOf):
                for other in self.objects(entity, p):
                    limbs |= self.limbs_of(other)
        return limbs

    def resolve(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        what: str = "name",
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> Match:
        """The entity a typed name denotes, with the name that matched and how (see ``names``).

        Args:
            name: as typed: a label, synonym, abbreviation, or the words of one in any order.
            kind: only entities of this class.
            limb: the case's limb (``limb_of`` its level's or region's region): an abbreviation
                or generic name is narrowed to the entities on it.
            what: what the name is of, for the message ("nerve").
            regions: the case's site (the regions its neuroma can lie in): a generic name is
                narrowed to the entities that run there (:meth:`NameIndex.order`).
            removed: the regions the case's amputation removed: an entity lying only in them
                is not at the site.
            digits: the case's named digits or toes (``tmr:Digit``): their nerves first.

        Raises:
            UnknownEntityError: with the closest known names as suggestions.
            AmbiguousNameError: if the name fits several entities (the case's limb's first).

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base, local_name
            >>> kb = load_knowledge_base()
            >>> kb.resolve("LACN")
            Match(entity=rdflib.term.URIRef('https://w3id.org/tmrplan#LateralAntebrachialCutaneousNerve'), matched='lateral antebrachial cutaneous nerve', how='abbreviation')
            >>> kb.label(kb.resolve("MPN", limb=TMR.LowerLimb).entity)
            'medial plantar nerve'
        """
        found = self._by_label(name, kind) or self.resolver.resolve(
            name, kind=kind, limb=limb, regions=regions, removed=removed, digits=digits
        )
        if found is None:
            raise UnknownEntityError(what, name, self.suggest(name, cls=kind, limb=limb))
        return found

    def _by_label(self, name: str, kind: URIRef | None) -> Match | None:
        """The resolver's first tier when the name is one entity's label, id or local name and
        no other's synonym: no index to build for a plan that names its nerves by label."""
        key = name.strip().casefold()
        found = self._names.get(key, ())
        if len(found) != 1:
            return None
        (entity,) = found
        if any(a.casefold() == key for a in self.alt_labels.get(entity, ())):
            return None
        if kind is not None and not self.is_a(entity, kind):
            return None
        matched = next(n for n in self.names_of(entity) if n.casefold() == key)
        return Match(entity, matched, "label")

    def find(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> URIRef | None:
        """The entity a name denotes, or None (resolved like :meth:`resolve`, with its context).

        Raises:
            AmbiguousNameError: if the name denotes more than one entity.
        """
        found = self._by_label(name, kind) or self.resolver.resolve(
            name, kind=kind, limb=limb, regions=regions, removed=removed, digits=digits
        )
        return found.entity if found is not None else None

    def get(
        self,
        name: str,
        what: str = "name",
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> URIRef:
        """The entity a name denotes: :meth:`resolve`'s entity (with its context).

        Raises:
            UnknownEntityError: with the closest known names as suggestions.
            AmbiguousNameError: if the name denotes more than one entity.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base, local_name
            >>> kb = load_knowledge_base()
            >>> kb.label(kb.get("tibial nerve"))
            'tibial nerve'
        """
        return self.resolve(
            name, kind=kind, limb=limb, what=what, regions=regions, removed=removed, digits=digits
        ).entity

    def suggest(
        self,
        name: str,
        limit: int = 3,
        cls: URIRef | None = None,
        *,
        limb: URIRef | None = None,
    ) -> list[str]:
        """The closest known names to ``name`` (fuzzy), optionally only of one class, as the
        labels of what they name; anatomy before sources and the like, and the case's limb's
        entities before others.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base
            >>> load_knowledge_base().suggest("ulnr nerve", limit=1)
            ['ulnar nerve']
        """
        index = self.resolver
        found: list[tuple[bool, bool, str]] = []
        for choice, _ in index.close(name, limit=limit * 4, cutoff=65):
            entities = [e for e in index.entities_named(choice) if cls is None or self.is_a(e, cls)]
            if not entities:
                continue
            # Names with the same words ("deltoid", "nerve to deltoid"): each entity's label.
            for entity in sorted(entities, key=lambda e: (len(self.label(e)), self.label(e))):
                other = self.types.get(entity) not in _GENERIC_KINDS
                away = limb is not None and limb not in self.limbs_of(entity)
                found.append((other, away, self.label(entity)))
        names = [n for *_, n in sorted(found, key=lambda f: f[:2])]  # stable: best first within
        return list(dict.fromkeys(names))[:limit]  # a label and its synonym can name one entity

    def search(
        self,
        text: str,
        limit: int = 20,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
    ) -> list[SearchHit]:
        """Fuzzy, synonym-aware search over every name: structures before sources, grouped by
        kind (the kind with the best hit first), best matches first within a kind.

        A name that contains the query scores above a merely similar one; ties go to the
        shorter name, so "peroneal" finds the peroneal nerves before longer descriptions. What
        the resolver answers (an abbreviation, the words in another order, every candidate of
        a generic name) is found too.

        At most ``limit`` hits (none for a ``limit`` below 1); a text of more than
        :data:`MAX_QUERY` characters is longer than any name and finds nothing.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base
            >>> kb = load_knowledge_base()
            >>> len(kb.search("nerve", limit=3)), kb.search("nerve", limit=-5)
            (3, [])
            >>> kb.search("a" * 100_000), len(kb.search("nerve", limit=10**30)) > 100
            ([], True)
        """
        query = text.strip().casefold()
        if not query or limit < 1 or len(query) > MAX_QUERY:
            return []
        index = self.resolver
        best: dict[URIRef, SearchHit] = {}

        def hit(entity: URIRef, name: str, score: float) -> None:
            if kind is not None and not self.is_a(entity, kind):
                return
            old = best.get(entity)
            if old is None or (score, -len(name)) > (old.score, -len(old.matched)):
                best[entity] = SearchHit(entity, self.label(entity), name, score)

        for name, entities in index.containing(query):
            score = 1.0 + (1.0 if name == query else 0.5 if name.startswith(query) else 0.0)
            for entity in entities:
                hit(entity, name, score)
        words = " ".join(normalise(query)[0])
        if words and words != query:
            for worded, entities in index.words_containing(words):
                for entity in entities:
                    hit(entity, index.shown(worded), 0.95)
        # rapidfuzz takes a C long: more close names than there are names is every one.
        close = min(max(limit, 10), len(self.types) + 10)
        for worded, score in index.close(query, limit=close, cutoff=70):
            for entity in index.entities_named(worded):
                hit(entity, index.shown(worded), score / 100)
        resolved = index.candidates(text, kind=kind, limb=limb)
        for match in resolved:
            # One answer is the best hit; a generic name's candidates rank with the names that
            # contain the query's words (below those that contain it as typed).
            hit(match.entity, match.matched.casefold(), 2.0 if len(resolved) == 1 else 0.95)
        ranked = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        groups: dict[URIRef | None, list[SearchHit]] = defaultdict(list)
        for h in ranked:
            groups[self.types.get(h.entity)].append(h)
        order = sorted(groups, key=lambda k: (k == TMR.Source, ranked.index(groups[k][0])))
        return [h for k in order for h in groups[k]][:limit]
