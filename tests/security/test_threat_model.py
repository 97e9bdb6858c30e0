"""docs/threat-model.md names, for every threat, its control and the tests that would fail without
it: every threat must name both, and every test and control it names must exist."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = (ROOT / "docs" / "threat-model.md").read_text(encoding="utf-8")
THREATS_HEADING = "## Threats, controls and the tests that prove them"
# `tests/x/test_y.py`, `tests/x/test_y.py::test_name`, or `::test_name` continuing the file before it.
TEST_CITATION = re.compile(r"`(tests/[\w/.-]+\.py)?(?:::(\w+)(?:\[[^\]`]*\])?)?`")
CODE_CITATION = re.compile(r"`((?:literacy|api)/[\w/.-]+\.py)(?:::(\w+))?`")


def threats() -> dict[str, str]:
    """Each threat's heading and its text, from the threats section of the model."""
    section = MODEL.split(THREATS_HEADING, 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (.+)$", section, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def cited_tests(text: str) -> list[tuple[str, str | None]]:
    found, current = [], None
    for match in TEST_CITATION.finditer(text):
        path, name = match[1], match[2]
        if path is None and name is None:
            continue
        current = path or current
        assert current is not None, f"`::{name}` has no test file before it"
        found.append((current, name))
    return found


def defined_names(path: Path) -> set[str]:
    """Functions and classes defined in a module, at its top level or in its classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


ALL_TESTS = sorted(set(cited_tests(MODEL)), key=lambda citation: (citation[0], citation[1] or ""))
ALL_CODE = sorted({(m[1], m[2]) for m in CODE_CITATION.finditer(MODEL)}, key=lambda c: (c[0], c[1] or ""))


def test_the_model_is_read_whole():
    # If this fails the parsing is broken, not the model.
    assert len(threats()) >= 10 and "Guessing booking codes" in threats()
    assert ("tests/kiosk/test_limits.py", "test_the_alert_cannot_be_flooded") in ALL_TESTS
    assert len(ALL_TESTS) >= 50


@pytest.mark.parametrize("title", sorted(threats()))
def test_every_threat_names_its_control_and_a_test(title):
    body = threats()[title]
    assert re.search(r"\bControl\b", body), f"'{title}' names no control"
    assert cited_tests(body), f"'{title}' names no test that proves its control"


@pytest.mark.parametrize(("path", "name"), ALL_TESTS, ids=[f"{p}::{n or ''}" for p, n in ALL_TESTS])
def test_every_cited_test_exists(path, name):
    file = ROOT / path
    assert file.is_file(), f"{path} is cited in docs/threat-model.md but does not exist"
    if name is not None:
        assert name.startswith("test_"), f"{path}::{name} is not a test"
        assert name in defined_names(file), f"{path}::{name} is cited in docs/threat-model.md but not defined"


@pytest.mark.parametrize(("path", "name"), ALL_CODE, ids=[f"{p}::{n or ''}" for p, n in ALL_CODE])
def test_every_cited_control_exists(path, name):
    file = ROOT / path
    assert file.is_file(), f"{path} is cited in docs/threat-model.md but does not exist"
    if name is not None:
        assert name in defined_names(file), f"{path}::{name} is cited in docs/threat-model.md but not defined"
