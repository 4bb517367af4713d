"""RELIABILITY.md holds exactly the table the adversarial tests declare (tests/reliability.py)."""

from __future__ import annotations

import importlib
import os

from tests.conftest import REPO
from tests.reliability import CASES, LOST_NOTHING, table

REPORT = REPO / "RELIABILITY.md"
BEGIN, END = "<!-- cases:begin -->\n", "<!-- cases:end -->"


def _all_cases():
    tests = REPO / "tests"
    for path in sorted(tests.rglob("test_*.py")):  # every subfolder: tests/core, tests/tui...
        module = ".".join(path.relative_to(tests).with_suffix("").parts)
        importlib.import_module(f"tests.{module}")  # registers its @tried rows
    return list({(c.test, c.what): c for c in CASES}.values())


def test_every_case_lost_nothing():
    cases = _all_cases()
    assert cases, "no test declares what it tried"
    assert [c for c in cases if c.lost != LOST_NOTHING] == []


def test_report_matches_the_tests():
    expected = table(_all_cases())
    text = REPORT.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    current, _, tail = rest.partition(END)
    assert rest, f"{REPORT.name} lacks the {BEGIN.strip()} marker"
    if os.environ.get("SPEEDTIMER_UPDATE_RELIABILITY") == "1" and current != expected:
        REPORT.write_text(head + BEGIN + expected + END + tail, encoding="utf-8")
        current = expected
    assert current == expected, (
        "RELIABILITY.md is out of date: run "
        "SPEEDTIMER_UPDATE_RELIABILITY=1 pytest tests/faults/test_reliability_report.py"
    )
