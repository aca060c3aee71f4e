"""The library's public names: importable from ``tmrplan``, each the object its module defines,
and loaded only when first used (``import tmrplan`` must not pull in the planner)."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import tmrplan


def test_every_public_name_is_the_object_its_module_defines() -> None:
    assert set(tmrplan.__all__) == {"__version__", *tmrplan._PUBLIC}
    for name, module in tmrplan._PUBLIC.items():
        assert getattr(tmrplan, name) is getattr(import_module(module), name), name


def test_importing_the_package_loads_no_heavy_module() -> None:
    code = (
        "import sys, tmrplan; "
        "print(sorted(m for m in ('rdflib', 'networkx', 'durable', 'pyshacl', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_command_imports_only_its_own_module() -> None:
    # `plan` must not pay for the audit log, the governance commands or the app launcher: the
    # CLI imports a command's module when the command is named (tmrplan.cli.COMMANDS).
    code = (
        "import sys\n"
        "from tmrplan.cli import main\n"
        "try:\n"
        "    main(['plan', '--nerve', 'sural nerve', '--level', 'transtibial', '--format', 'json'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('tmrplan.cli.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['tmrplan.cli.context', 'tmrplan.cli.plan']"


def test_every_command_is_listed_and_loads() -> None:
    from tmrplan.cli import COMMANDS, main

    ctx = main.make_context("tmrplan", ["--help"], resilient_parsing=True)
    assert main.list_commands(ctx) == list(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name, name
    assert main.get_command(ctx, "plna") is None


def test_an_unknown_command_names_the_value_and_suggests() -> None:
    from click.testing import CliRunner

    from tmrplan.cli import main

    result = CliRunner().invoke(main, ["plna", "--nerve", "x"])
    assert result.exit_code == 2
    assert "no such command 'plna'; did you mean 'plan'?" in result.output
    assert "Traceback" not in result.output
