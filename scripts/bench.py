"""Benchmark: cold start, warm per-plan latency over the reference cases, batch throughput.

Run with ``make bench``. Cold start is measured in a fresh interpreter so that imports count.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

COLD = """
import time
t0 = time.perf_counter()
from tmrplan.kg import load_knowledge_base
from tmrplan.rulebook import load_rulebook
from tmrplan.planner import Planner
t1 = time.perf_counter()
kb = load_knowledge_base()
t2 = time.perf_counter()
planner = Planner(kb, load_rulebook())
t3 = time.perf_counter()
from tmrplan.validation import validate_knowledge_base
violations = validate_knowledge_base(kb)
t4 = time.perf_counter()
print(f"{t1-t0:.3f} {t2-t1:.3f} {t3-t2:.3f} {t4-t3:.3f} {len(kb.graph)} {len(violations)}")
"""


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", COLD], capture_output=True, text=True, check=True
    ).stdout.split()
    imports, load, compile_, validate = (float(x) for x in out[:4])
    print(
        f"cold start: import {imports:.2f} s + load/index {load:.2f} s + rules/compile/index {compile_:.2f} s"
        f" = {imports + load + compile_:.2f} s to first plan; validation (SHACL + queries) {validate:.2f} s"
        f" [{out[4]} triples, {out[5]} violations]"
    )

    from tmrplan.cli import parse_case_line
    from tmrplan.kg import load_knowledge_base
    from tmrplan.planner import Planner
    from tmrplan.rulebook import load_rulebook

    planner = Planner(load_knowledge_base(), load_rulebook())
    cases = [
        parse_case_line(json.loads(p.read_text())["case"])
        for p in sorted((root / "rules" / "reference_cases").glob("*.json"))
    ]
    for case in cases:  # warm up
        planner.plan(case)
    single, multi = [], []
    for _ in range(20):
        for case in cases:
            start = time.perf_counter()
            planner.plan(case)
            (single if len(case.nerves) == 1 else multi).append(
                (time.perf_counter() - start) * 1000
            )
    for name, samples in (("single-nerve", single), ("multi-nerve", multi)):
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(
            f"warm {name} plan: median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms"
            f" over {len(samples)} plans"
        )
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < 3:
        for case in cases:
            planner.plan(case)
            count += 1
    elapsed = time.perf_counter() - start
    print(
        f"batch throughput: {count / elapsed:.0f} plans/s ({count} reference plans in {elapsed:.1f} s, one process)"
    )


if __name__ == "__main__":
    main()
