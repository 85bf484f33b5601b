"""requirements.lock, pyproject.toml and environment.yml agree."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import environment  # noqa: E402  (tools/environment.py)


def test_every_lock_line_is_an_exact_pin():
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.lstrip().startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-]+==[^\s]+$", line), line


def test_environment_yml_lists_exactly_the_locked_direct_dependencies():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {canonicalize_name(s.split("==")[0]): s.split("==")[1] for s in pip_section if "==" in s}
    pins = environment.locked_versions()
    direct = {canonicalize_name(n) for n in environment.direct_dependencies()}
    assert set(listed) == direct  # no dependency missing, none extra
    assert all(listed[name] == pins[name] for name in listed)
    assert "python=3.11" in env["dependencies"]


def test_environment_yml_is_what_the_generator_writes():
    assert (ROOT / "environment.yml").read_text() == environment.render()


def test_installed_versions_match_the_lock():
    from importlib.metadata import version
    pins = environment.locked_versions()
    for name in environment.direct_dependencies():
        assert version(name) == pins[canonicalize_name(name)], name
