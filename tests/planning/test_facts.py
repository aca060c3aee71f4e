"""The facts the planner computes keep the registry's promises: declared names, declared types,
and the joint invariants lint reasons with (so lint's witnesses are facts a candidate can have)."""

from __future__ import annotations

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.planning.anatomy_index import AnatomyIndex
from tmrplan.planning.sweep import candidate_facts, sweep_cases
from tmrplan.rules.facts import FACT_INVARIANTS, FACTS, LOWEST


def test_every_swept_fact_set_is_declared_typed_and_keeps_the_invariants(kb: KnowledgeBase) -> None:
    index = AnatomyIndex(kb)
    fact_sets = candidate_facts(index, sweep_cases(kb, index))
    assert len(fact_sets) > 100
    for fact_set in fact_sets:
        values = dict(fact_set.facts)
        for name, value in values.items():
            assert name in FACTS, name
            expected = FACTS[name].type
            assert isinstance(value, expected) or (expected is float and isinstance(value, int))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert value >= LOWEST.get(name, 0), (name, value, fact_set.example)
        for words, names, holds in FACT_INVARIANTS:
            if all(n in values for n in names):
                assert holds(*(values[n] for n in names)), (words, fact_set.example)
