"""Load test: concurrent clients plan different cases on a running tmrplan server.

Each client speaks Streamlit's own WebSocket protocol, the protobuf messages a browser sends
(``BackMsg``: rerun with these widget values) and receives (``ForwardMsg``: the elements drawn).
The server therefore does all it does for a browser (sessions, script runs, widget state, the audit
log) without twenty Chromium processes competing with it for this machine's two cores.

A client loops until the time is up: open a session, choose the case's level and region, type
each of its nerves into the nerve picker and press Enter (clicking the nerve where the picker
lists candidates), submit the rest of the case through the form, close and reopen the first option's basis,
rerun, close. Every page it gets back is checked:
  * no exception and no error box other than the PREVIEW notice;
  * each typed nerve, and only those, in the picker's list of chosen nerves;
  * exactly its own case's nerves as plan headings, and no plan or chosen nerve before it has
    chosen one (a plan leaking between sessions shows up as another case's nerves, or as a plan
    unasked for);
  * the opened basis shows its ranking keys.
The server's resident memory is sampled throughout. Run with ``make load`` (the figures of a real
run are in docs/performance.md); ``tests/system/test_load.py`` runs a short one inside ``make test``.

Options::

    --clients 24      concurrent clients (sessions)
    --seconds 180     how long they keep planning
    --think 1.0       mean pause between a client's actions, in seconds (a person reading)
    --url URL         a server already running; default: start one with ``tmrplan app``
    --json FILE       also write the report as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tmrplan.model import Case
from tmrplan.text import escape_markdown

T = TypeVar("T")
PREVIEW_PREFIX = "PREVIEW: "  # tmrplan.notice.preview_notice: the one error box a plan may show
# tmrplan.ui.nerve_picker: the text box's label.
NERVE_PICKER = "Neuroma nerve (type a name, synonym or abbreviation, then Enter)"
RANKING_KEYS = "**Ranking keys**"  # how tmrplan.ui.plan_page.show_basis starts a basis
_ESCAPED = re.compile(r"\\(.)")  # tmrplan.text.escape_markdown puts a backslash before specials
_CHOSEN_LINE = re.compile(r"^\d+\. \*\*(.*?)\*\*(?: — |$)", re.DOTALL)


# --------------------------------------------------------------------------------------------
# one session, spoken in protobuf


@dataclass
class Page:
    """What one script run drew: elements and blocks by delta path (a later delta replaces)."""

    elements: dict[tuple[int, ...], tuple[str, Any]] = field(default_factory=dict)
    blocks: dict[tuple[int, ...], Any] = field(default_factory=dict)
    status: str = ""

    def of_kind(self, kind: str) -> list[Any]:
        return [proto for path, (k, proto) in sorted(self.elements.items()) if k == kind]

    def widget(self, kind: str, label: str) -> Any:
        for proto in self.of_kind(kind):
            if proto.label == label:
                return proto
        raise LookupError(f"no {kind} labelled {label!r} on the page")

    def headings(self, tag: str) -> list[str]:
        return [_ESCAPED.sub(r"\1", h.body) for h in self.of_kind("heading") if h.tag == tag]

    def texts(self) -> list[str]:
        return [m.body for m in self.of_kind("markdown")]

    def chosen_nerves(self) -> list[str]:
        """The nerve picker's chosen nerves, as its list shows them ("1. **label** — typed…")."""
        found = (_CHOSEN_LINE.match(t) for t in self.texts())
        return [_ESCAPED.sub(r"\1", m.group(1)) for m in found if m]

    def problems(self) -> list[str]:
        """Exceptions and error boxes, except the PREVIEW notice every plan carries."""
        found = [f"exception: {e.type}: {e.message}" for e in self.of_kind("exception")]
        found += [
            f"error box: {a.body[:200]}"
            for a in self.of_kind("alert")
            if a.format == a.ERROR and not _ESCAPED.sub(r"\1", a.body).startswith(PREVIEW_PREFIX)
        ]
        return found

    def expanders(self) -> list[Any]:
        kept = (b.expandable for _, b in sorted(self.blocks.items()) if b.HasField("expandable"))
        return [e for e in kept if e.id]


class Session:
    """One browser tab's worth of conversation with the server."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.states: dict[str, WidgetState] = {}

    @classmethod
    async def open(cls, url: str) -> Session:
        host = url.split("//", 1)[1].rstrip("/")
        connection = await websockets.connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=f"http://{host}",  # type: ignore[arg-type]
            max_size=None,
            open_timeout=30,
        )
        return cls(connection)

    async def close(self) -> None:
        await self._connection.close()

    async def run(self, *, trigger: str | None = None) -> tuple[Page, float]:
        """Rerun the script with the widget values set so far (and ``trigger`` pressed, if given);
        the page drawn and the seconds from request to the script's end."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        message.rerun_script.widget_states.widgets.extend(self.states.values())
        if trigger is not None:
            pressed = message.rerun_script.widget_states.widgets.add()
            pressed.id = trigger
            pressed.trigger_value = True
        started = time.perf_counter()
        await self._connection.send(message.SerializeToString())
        page = Page()
        while not page.status:
            forward = ForwardMsg()
            forward.ParseFromString(await self._connection.recv())
            kind = forward.WhichOneof("type")
            if kind == "delta":
                path = tuple(forward.metadata.delta_path)
                delta = forward.delta
                if delta.WhichOneof("type") == "new_element":
                    element = delta.new_element
                    element_kind = element.WhichOneof("type")
                    page.elements[path] = (element_kind, getattr(element, element_kind))
                elif delta.WhichOneof("type") == "add_block":
                    page.blocks[path] = delta.add_block
            elif kind == "script_finished":
                page.status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
        return page, time.perf_counter() - started

    def set(self, widget_id: str, **value: Any) -> None:
        state = WidgetState(id=widget_id)
        for name, given in value.items():
            if isinstance(given, list):
                getattr(state, name).data.extend(given)
            else:
                setattr(state, name, given)
        self.states[widget_id] = state


# --------------------------------------------------------------------------------------------
# what the clients plan


def case_pool(seed: int = 20261124) -> list[Case]:
    """Different valid cases: one to three nerves planned at the same level (or intact region),
    each with some context stated and the rest left unknown."""
    from tmrplan.model import CONTEXT_FIELDS
    from tmrplan.planning.planner import load_planner
    from tmrplan.planning.sweep import sweep_cases

    planner = load_planner()
    by_place: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for case in sweep_cases(planner.kb, planner.index):
        if case.digits or case.toes or case.through:
            continue  # the clients fill the level, region and nerves only, not the ray pickers
        by_place[(case.level, case.region)].extend(case.nerves)
    rng = random.Random(seed)
    pool = []
    for (level, region), nerves in sorted(by_place.items(), key=lambda item: str(item[0])):
        nerves = sorted(set(nerves))
        rng.shuffle(nerves)
        for start in range(0, len(nerves), 3):
            chosen = tuple(nerves[start : start + rng.randint(1, 3)])
            context = {k: rng.random() < 0.5 for k in CONTEXT_FIELDS if rng.random() < 0.4}
            pool.append(Case(nerves=chosen, level=level, region=region, context=context))
    rng.shuffle(pool)
    return pool


def place_case(session: Session, page: Page, case: Case) -> None:
    """Set the level and region, which the nerve picker resolves typed names in."""
    session.set(page.widget("selectbox", "Amputation level").id, string_value=case.level)
    region = page.widget("selectbox", "Region (intact limb only)")
    session.set(region.id, string_value=case.region or "")


async def pick_nerve(session: Session, page: Page, label: str, tally: Tally) -> Page:
    """Type a nerve into the picker and press Enter; if the picker lists candidates instead
    (a label that fits several nerves here), click the one with that label. The page after."""
    box = page.widget("text_input", NERVE_PICKER).id
    session.set(box, string_value=label)
    page, seconds = await asyncio.wait_for(session.run(), 120)
    tally.took("pick", seconds)
    if label not in page.chosen_nerves():
        shown = escape_markdown(label)  # a button's label is Markdown: the picker escapes it
        button = next((b for b in page.of_kind("button") if b.label == shown), None)
        if button is not None:
            page, seconds = await asyncio.wait_for(session.run(trigger=button.id), 120)
            tally.took("pick", seconds)
    # The picker empties its box once a nerve is added; a browser then holds "" as its value.
    session.set(box, string_value="")
    return page


def fill_form(session: Session, page: Page, case: Case) -> str:
    """Set the case form's widgets to ``case``; the submit button's id."""
    for radio in page.of_kind("radio"):
        stated = case.context.get(radio.id.rsplit("-ctx_", 1)[-1])
        answer = "not stated" if stated is None else "yes" if stated else "no"
        session.set(radio.id, string_value=answer)
    return str(page.widget("button", "Show options").id)


@dataclass
class Tally:
    """What every client saw, shared (one event loop: no locks needed)."""

    problems: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    timeline: list[tuple[float, str, float]] = field(default_factory=list)
    sessions: int = 0
    plans: int = 0
    started: float = field(default_factory=time.monotonic)

    def took(self, kind: str, seconds: float) -> None:
        self.timeline.append((round(time.monotonic() - self.started, 2), kind, round(seconds, 3)))

    def latencies(self) -> dict[str, list[float]]:
        """Seconds per request, by kind of request."""
        by_kind: dict[str, list[float]] = defaultdict(list)
        for _, kind, seconds in self.timeline:
            by_kind[kind].append(seconds)
        return by_kind

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")


def check_plan(page: Page, case: Case, all_nerves: set[str], where: str, tally: Tally) -> None:
    shown = {h for h in page.headings("h3") if h in all_nerves}
    if shown != set(case.nerves):
        tally.leaks.append(f"{where}: showed {sorted(shown)}, case was {sorted(case.nerves)}")


async def client(
    number: int, url: str, cases: Sequence[Case], deadline: float, think: float, tally: Tally
) -> None:
    rng = random.Random(number)
    all_nerves = {n for c in cases for n in c.nerves}  # what any session may plan
    for turn in itertools.count():
        if time.monotonic() >= deadline:
            return
        case = cases[(number * 7919 + turn * 31) % len(cases)]
        where = f"client {number} turn {turn} ({case.level}: {', '.join(case.nerves)})"
        try:
            await one_visit(url, case, all_nerves, where, rng, think, tally)
        except Exception as error:  # a dropped connection or a timeout is a finding, not a crash
            tally.problem(where, f"{type(error).__name__}: {error}")
            await asyncio.sleep(1)


async def one_visit(
    url: str,
    case: Case,
    all_nerves: set[str],
    where: str,
    rng: random.Random,
    think: float,
    tally: Tally,
) -> None:
    session = await Session.open(url)
    tally.sessions += 1
    try:
        page, seconds = await asyncio.wait_for(session.run(), 120)
        tally.took("open", seconds)
        for found in page.problems():
            tally.problem(where, found)
        if any(h in all_nerves for h in page.headings("h3")):
            tally.leaks.append(f"{where}: a new session showed a plan before submitting one")
        if page.chosen_nerves():
            tally.leaks.append(f"{where}: a new session showed chosen nerves before choosing one")
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)

        place_case(session, page, case)
        for nerve in case.nerves:
            page = await pick_nerve(session, page, nerve, tally)
            for found in page.problems():
                tally.problem(where + f" picking {nerve!r}", found)
        if page.chosen_nerves() != list(case.nerves):
            tally.problem(where, f"the picker chose {page.chosen_nerves()}, typed {case.nerves}")
        submit = fill_form(session, page, case)
        page, seconds = await asyncio.wait_for(session.run(trigger=submit), 120)
        tally.took("plan", seconds)
        tally.plans += 1
        for found in page.problems():
            tally.problem(where, found)
        check_plan(page, case, all_nerves, where + " after submitting", tally)
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)

        # The top options open with the plan; the client closes the first and opens it again,
        # as a surgeon re-reading it would (an opened basis is an audit event).
        bases = [e for e in page.expanders() if e.label.startswith("Basis of option")]
        if not bases:
            tally.problem(where, "no option to open")
            return
        session.set(bases[0].id, bool_value=False)
        page, seconds = await asyncio.wait_for(session.run(), 120)
        tally.took("close", seconds)
        session.set(bases[0].id, bool_value=True)
        page, seconds = await asyncio.wait_for(session.run(), 120)
        tally.took("basis", seconds)
        for found in page.problems():
            tally.problem(where, found)
        if not any(t.startswith(RANKING_KEYS) for t in page.texts()):
            tally.problem(where, "the opened basis shows no ranking keys")
        check_plan(page, case, all_nerves, where + " after opening a basis", tally)
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)

        page, seconds = await asyncio.wait_for(session.run(), 120)
        tally.took("rerun", seconds)
        for found in page.problems():
            tally.problem(where, found)
        check_plan(page, case, all_nerves, where + " on a rerun", tally)
    finally:
        await session.close()


# --------------------------------------------------------------------------------------------
# the server and its memory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    log: Path, env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """``tmrplan app`` on a free loopback port, as ``make run`` starts it; its URL once healthy."""
    port = free_port()
    tmrplan = Path(sys.executable).with_name("tmrplan")
    with log.open("wb") as out:  # the server writes to its own copy; ours closes here
        process = subprocess.Popen(
            [str(tmrplan), "app", "--port", str(port)],
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}"
    wait_until_healthy(url, process, log)
    return url, process


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 90 s; see {log}")


def resident_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes (the diagram workers)."""
    return sum(_own_resident_mb(p) for p in [pid, *descendants(pid)])


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _own_resident_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_memory(pid: int, deadline: float, samples: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((round(time.monotonic() - started, 1), round(resident_mb(pid), 1)))
        await asyncio.sleep(2)
    samples.append((round(time.monotonic() - started, 1), round(resident_mb(pid), 1)))


# --------------------------------------------------------------------------------------------
# the run and its report


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def memory_summary(samples: Sequence[tuple[float, float]]) -> dict[str, float]:
    """Resident memory after the first quarter (warm: every kind of page drawn) against the end."""
    quarter = max(1, len(samples) // 4)
    warm = statistics.mean(mb for _, mb in samples[quarter : 2 * quarter] or samples)
    end = statistics.mean(mb for _, mb in samples[-quarter:])
    return {
        "start_mb": samples[0][1],
        "warm_mb": round(warm, 1),
        "end_mb": round(end, 1),
        "peak_mb": max(mb for _, mb in samples),
        "growth_after_warm_up_pct": round(100 * (end - warm) / warm, 1),
    }


async def drive(
    url: str, pid: int | None, clients: int, seconds: float, think: float, cases: Sequence[Case]
) -> dict[str, Any]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    memory: list[tuple[float, float]] = []
    started = time.perf_counter()
    tasks = [client(n, url, cases, deadline, think, tally) for n in range(clients)]
    if pid is not None:
        tasks.append(sample_memory(pid, deadline, memory))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies = tally.latencies()
    every = [seconds for _, _, seconds in tally.timeline]
    report: dict[str, Any] = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "think_s": think,
        "distinct_cases": len({(c.level, c.region, c.nerves) for c in cases}),
        "sessions": tally.sessions,
        "plans": tally.plans,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 2),
        "latency_s": {
            kind: {
                "n": len(values),
                "p50": round(percentile(values, 0.5), 3),
                "p95": round(percentile(values, 0.95), 3),
                "max": round(max(values), 3),
            }
            for kind, values in [("all", every), *sorted(latencies.items())]
            if values
        },
        "problems": tally.problems,
        "leaks": tally.leaks,
        "timeline": tally.timeline,
    }
    if memory:
        report["memory"] = memory_summary(memory)
        report["memory_samples"] = memory
    return report


def summary(report: dict[str, Any]) -> str:
    lines = [
        f"{report['clients']} clients for {report['seconds']} s (mean think {report['think_s']} s): "
        f"{report['sessions']} sessions, {report['plans']} plans, {report['requests']} requests "
        f"({report['requests_per_s']}/s) over {report['distinct_cases']} distinct cases",
    ]
    for kind, figures in report["latency_s"].items():
        lines.append(
            f"  {kind:6} n={figures['n']:5}  p50 {figures['p50']:.3f} s  p95 {figures['p95']:.3f} s"
            f"  max {figures['max']:.3f} s"
        )
    if "memory" in report:
        m = report["memory"]
        lines.append(
            f"  server memory: {m['start_mb']} MB at start, {m['warm_mb']} MB warm, "
            f"{m['end_mb']} MB at the end, peak {m['peak_mb']} MB "
            f"({m['growth_after_warm_up_pct']:+.1f}% after warm-up)"
        )
    lines.append(f"  problems: {len(report['problems'])}, leaks: {len(report['leaks'])}")
    lines += [f"    {p}" for p in [*report["problems"], *report["leaks"]][:20]]
    return "\n".join(lines)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end on an event loop of its own thread: callers may have a loop of their
    own running (pytest with Playwright's sync API does), where ``asyncio.run`` refuses."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(work))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target, name="tmrplan-load")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def run_against_new_server(
    clients: int, seconds: float, think: float, workdir: Path
) -> dict[str, Any]:
    """Start ``tmrplan app`` (its audit log in ``workdir``), drive it, stop it; the report, with
    the server's exit code and the audit events it wrote."""
    log = workdir / "server.log"
    audit_db = workdir / "audit.sqlite3"
    env = {"TMRPLAN_AUDIT_DB": str(audit_db)}
    cases = case_pool()
    url, process = start_server(log, env)
    try:
        report = run_async(drive(url, process.pid, clients, seconds, think, cases))
    finally:
        process.terminate()
        process.wait(timeout=20)
    report["server_log_errors"] = [
        line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line
    ]
    report["audit_db"] = str(audit_db)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--url", default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.url:
        report = run_async(
            drive(args.url, None, args.clients, args.seconds, args.think, case_pool())
        )
    else:
        report = run_against_new_server(
            args.clients, args.seconds, args.think, Path(tempfile.mkdtemp(prefix="tmrplan-load-"))
        )
    print(summary(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["problems"] or report["leaks"] or report.get("server_log_errors") else 0


if __name__ == "__main__":
    sys.exit(main())
