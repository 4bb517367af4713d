"""The register behind RELIABILITY.md: every adversarial test says what it tried.

A test that tries to break speedtimer is decorated with `@tried(...)`: the area, the input or
fault, how many cases, what happened and what was lost. `test_reliability_report.py` builds the
table from these declarations and checks that RELIABILITY.md holds exactly that table, so the
report can only list what the suite really runs, and a row stays true for as long as its test
passes. `SPEEDTIMER_UPDATE_RELIABILITY=1 pytest tests/faults/test_reliability_report.py`
rewrites it.

Case counts are read off the test where they can be: a hypothesis test's `max_examples`
(stateful tests: runs x steps), a parametrized test's number of parameter sets; otherwise the
author says how many (`cases=`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

LOST_NOTHING = "nothing"


@dataclass(frozen=True)
class Case:
    area: str
    what: str  # the input or fault tried
    cases: str  # how many cases, in words a reader understands
    happened: str  # what speedtimer did
    lost: str  # must be "nothing": the report is a promise
    test: str  # module::function that proves the row


CASES: list[Case] = []


def _param_sets(fn: Callable) -> int | None:
    total = None
    for mark in getattr(fn, "pytestmark", []):
        if mark.name == "parametrize":
            values = mark.args[1] if len(mark.args) > 1 else mark.kwargs.get("argvalues", [])
            total = (total or 1) * len(list(values))
    return total


def _counted(fn: Callable, cases: int | str | None) -> str:
    params = _param_sets(fn)
    hyp = getattr(fn, "_hypothesis_internal_use_settings", None)
    if cases is None and hyp is not None and getattr(fn, "is_hypothesis_test", False):
        n = hyp.max_examples * (params or 1)
        return f"{n:,} generated"
    if cases is None and params is not None:
        return f"{params:,}"
    if cases is None:
        return "1"
    if isinstance(cases, int):
        return f"{cases * (params or 1):,}"
    return cases


def tried(
    area: str,
    what: str,
    happened: str,
    *,
    cases: int | str | None = None,
    lost: str = LOST_NOTHING,
) -> Callable:
    """Register a test as a row of RELIABILITY.md; put it above @given/@parametrize."""

    def register(fn: Callable) -> Callable:
        test = f"{fn.__module__.removeprefix('tests.')}::{fn.__name__}"
        CASES.append(Case(area, what, _counted(fn, cases), happened, lost, test))
        return pytest.mark.reliability(fn)

    return register


def stateful_cases(test: str, machine_test: type, area: str, what: str, happened: str) -> None:
    """Register a hypothesis RuleBasedStateMachine's TestCase (runs x steps per run).

    `test` is "module::name" as the test module binds it: the TestCase class itself only knows
    hypothesis' module.
    """
    s = machine_test.settings
    cases = f"{s.max_examples:,} runs of up to {s.stateful_step_count} operations"
    CASES.append(Case(area, what, cases, happened, LOST_NOTHING, test))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(cases: list[Case]) -> str:
    rows = sorted(cases, key=lambda c: (c.area, c.test, c.what))
    lines = [
        "| area | tried | cases | what happened | lost | test |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    lines += [
        f"| {_cell(c.area)} | {_cell(c.what)} | {_cell(c.cases)} | {_cell(c.happened)} "
        f"| {_cell(c.lost)} | `{c.test}` |"
        for c in rows
    ]
    return "\n".join(lines) + "\n"
