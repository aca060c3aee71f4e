"""The built wheel, installed into a fresh virtual environment and run from another directory, can
check the knowledge base, plan a case and serve the app: the ontology, the rules and the server
script ship inside the package, and nothing reaches back into this source tree."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.scripts_import import load_script
from tmrplan.model import Case

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


@pytest.fixture(scope="module")
def wheel_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """(the fresh environment's bin folder, an empty working folder, the environment variables)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "dist", ROOT],
        check=True,
    )
    (wheel,) = (work / "dist").glob("tmrplan-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    # The pins of requirements.lock, so the environment is the one the tests ran against; no
    # bytecode compiling, which is most of an install's time and not what is being tested.
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", "-c", LOCK, wheel],
        check=True,
    )
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TMRPLAN_ONTOLOGY", "TMRPLAN_RULES", "PYTHONPATH", "VIRTUAL_ENV"}
    }
    env |= {"TMRPLAN_CACHE": str(work / "cache"), "TMRPLAN_AUDIT_DB": str(work / "audit.sqlite3")}
    yield venv / "bin", elsewhere, env


def run(
    wheel_env: tuple[Path, Path, dict[str, str]], *args: str
) -> subprocess.CompletedProcess[str]:
    bin_dir, elsewhere, env = wheel_env
    return subprocess.run(
        [str(bin_dir / "tmrplan"), *args],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_installed_package_reads_its_own_data(
    wheel_env: tuple[Path, Path, dict[str, str]],
) -> None:
    bin_dir, elsewhere, env = wheel_env
    found = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "from tmrplan import paths; "
            "print(paths.ontology_dir()); print(paths.rules_dir()); print(paths.server_script())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    site_packages = str(bin_dir.parent / "lib")
    assert len(found) == 3 and all(p.startswith(site_packages) for p in found), found
    assert not any(p.startswith(str(ROOT)) for p in found)


def test_check_passes(wheel_env: tuple[Path, Path, dict[str, str]]) -> None:
    checked = run(wheel_env, "check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok"), checked.stdout


def test_plan_prints_options_with_the_preview_notice(
    wheel_env: tuple[Path, Path, dict[str, str]],
) -> None:
    planned = run(wheel_env, "plan", "--level", "transhumeral", "--nerve", "median nerve")
    assert planned.returncode == 0, planned.stderr
    assert "median nerve" in planned.stdout and "PREVIEW" in planned.stdout


def test_a_bad_nerve_is_refused_with_suggestions(
    wheel_env: tuple[Path, Path, dict[str, str]],
) -> None:
    refused = run(wheel_env, "plan", "--level", "transhumeral", "--nerve", "medain nerve")
    assert refused.returncode == 2
    assert "median nerve" in refused.stderr and "Traceback" not in refused.stderr


def test_the_app_serves_a_plan_on_loopback_only(
    wheel_env: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    load: ModuleType = load_script("load")
    bin_dir, elsewhere, env = wheel_env
    port = load.free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:  # the server writes to its own copy; ours closes here
        server = subprocess.Popen(
            [str(bin_dir / "tmrplan"), "app", "--port", str(port)],
            cwd=elsewhere,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://localhost:{port}"
        load.wait_until_healthy(url, server, log)
        # The packaged .streamlit/config.toml applies from any directory: loopback only.
        assert listening_addresses(port) and listening_addresses(port) <= {"127.0.0.1", "::1"}
        case = Case(("median nerve", "ulnar nerve"), "transhumeral")
        tally = load.Tally()
        visit = load.one_visit(url, case, set(case.nerves), "wheel", random.Random(1), 0, tally)
        load.run_async(visit)
        assert tally.problems == [] and tally.leaks == [] and tally.plans == 1
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert "Traceback" not in log.read_text(errors="replace")


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    import ipaddress

    raw = bytes.fromhex(hex_address)
    # /proc prints each 32-bit word in host (little-endian) order.
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(swapped))
