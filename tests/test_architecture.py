"""The structure the README's Design section draws, checked: no import cycle anywhere, function-
level and type-checking imports included (import-linter's contracts in pyproject.toml check the
layers; a cycle inside one layer would pass them)."""

from __future__ import annotations

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle or several."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def imports(module: str):
        return iter(sorted(graph.find_modules_directly_imported_by(module)))

    def visit(start: str) -> None:
        # iterative, so a long chain of imports cannot hit the recursion limit
        work = [(start, imports(start))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if not child.startswith("speedtimer"):
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for module in sorted(graph.modules):
        if module.startswith("speedtimer") and module not in index:
            visit(module)
    return found


def test_no_import_cycles_anywhere_in_speedtimer():
    graph = grimp.build_graph("speedtimer", exclude_type_checking_imports=False)
    assert len([m for m in graph.modules if m.startswith("speedtimer.")]) > 50
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("speedtimer.a", "speedtimer.b", "speedtimer.c", "speedtimer.d"):
        graph.add_module(name)
    graph.add_import(importer="speedtimer.a", imported="speedtimer.b")
    graph.add_import(importer="speedtimer.b", imported="speedtimer.c")
    graph.add_import(importer="speedtimer.c", imported="speedtimer.a")  # inside a function, say
    graph.add_import(importer="speedtimer.c", imported="speedtimer.d")
    assert _cycles(graph) == [["speedtimer.a", "speedtimer.b", "speedtimer.c"]]


def test_every_table_by_step_kind_covers_exactly_the_one_list_of_kinds():
    """The step kinds live in one place (core/preset.py KINDS); every table keyed by kind is
    checked against it, so a new kind cannot be half added."""
    from speedtimer.core import cues, phrases, schedule
    from speedtimer.core.preset import KINDS
    from speedtimer.formats import fit_workout, intervals_icu, quick
    from speedtimer.history import import_format  # noqa: F401 - validates kinds with KINDS
    from speedtimer.tui.screens import run
    from speedtimer.tui.widgets import step_tree

    exact = {
        "schedule.KIND_NAMES": schedule.KIND_NAMES,
        "tui.widgets.step_tree.KIND_STYLES": step_tree.KIND_STYLES,
        "formats.fit_workout.INTENSITY": fit_workout.INTENSITY,
        "formats.intervals_icu.KIND_TO_INTENSITY": intervals_icu.KIND_TO_INTENSITY,
    }
    for name, table in exact.items():
        assert set(table) == set(KINDS), name
    assert set(KINDS) <= set(run.PHASE_WORDS) and set(KINDS) <= set(run.PHASES)
    assert set(KINDS) <= set(phrases.DEFAULT_PHRASES)
    assert set(quick.KIND_SHORT) | {"work"} == set(KINDS)
    assert cues.STEP_CUES == KINDS
