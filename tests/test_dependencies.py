"""requirements.lock pins every dependency within pyproject's ranges, and is what got
installed (the README, .ci/run and the Dockerfile install with it as constraints)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line)
        if match:
            pins[canonicalize_name(match.group(1).split("[")[0])] = match.group(2)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        names += extra
    # An extra naming the project's own extras ("gateway[tracing]") adds no package of its
    # own: those extras' packages are checked where they are declared.
    return [r for r in map(Requirement, names) if r.name != project["name"]]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: regenerate it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}"
        )


def test_the_libraries_the_gateway_leans_on_are_installed_at_the_locked_version() -> None:
    pins = locked()
    for name in ("strawberry-graphql", "graphql-core", "sqlalchemy", "starlette", "pyjwt"):
        assert metadata.version(name) == pins[name], f"{name} was not installed from the lock"
