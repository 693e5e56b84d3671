# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the deployment tests (tests/deploy). The end-to-end fixtures
(the built binary, cgroups, banned strings, the daemon, the private
containerd) come from tests/e2e/conftest.py, loaded here under its own name
so that both directories' tests can `from conftest import ...`."""
import importlib.util
import sys
from pathlib import Path

_E2E = Path(__file__).resolve().parent.parent / "e2e"
sys.path.insert(1, str(_E2E))           # its helper modules, after this directory
_spec = importlib.util.spec_from_file_location("nomine_e2e_conftest", _E2E / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
sys.modules["nomine_e2e_conftest"] = _e2e
_spec.loader.exec_module(_e2e)
globals().update({k: v for k, v in vars(_e2e).items() if not k.startswith("__")})
