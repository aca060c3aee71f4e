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
