"""The patches of Textual's internals: pinned, fenced, watched for upstream drift, and each
stepping aside (Textual's own behaviour, one log line) when the private thing it needs is gone."""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import logging
import re
import sys
import tomllib
from pathlib import Path

import pytest
import textual
from textual.drivers.linux_driver import LinuxDriver

from speedtimer.tui import textual_patches
from speedtimer.tui.textual_patches import (
    degrade,
    key_order,
    partial_update,
    quiet_driver,
    sigcont,
    styles_cache,
    watchers,
)
from tests.conftest import REPO

PATCH_MODULES = (key_order, partial_update, quiet_driver, sigcont, styles_cache, watchers)
PATCHES_DIR = REPO / "speedtimer" / "tui" / "textual_patches"


@pytest.fixture(autouse=True)
def _fresh_log_state():
    degrade._said.clear()
    yield
    degrade._said.clear()


def fingerprint(key: str) -> str:
    """sha256 of the upstream definition's source, read from Textual's file (not from the live
    object, which a patch may have replaced), decorators included."""
    module, qualname = key.split(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    source = Path(spec.origin).read_text(encoding="utf-8")
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.AST | None = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.name == part
            ),
            None,
        )
        assert node is not None, f"{key}: {part} is gone upstream"
        body = node.body  # type: ignore[attr-defined]
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])  # type: ignore[union-attr]
    lines = source.splitlines(keepends=True)[first - 1 : node.end_lineno]  # type: ignore[union-attr]
    return hashlib.sha256("".join(lines).encode()).hexdigest()[:16]


def test_textual_is_pinned_to_the_version_the_patches_were_written_against():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if re.match(r"textual\s*[=<>~!]", d)]
    assert pins == [f"textual=={textual_patches.PINNED_TEXTUAL}"]
    assert any(d.startswith("textual-serve==") for d in project["dependencies"])
    from importlib.metadata import version

    assert version("textual") == textual_patches.PINNED_TEXTUAL


@pytest.mark.parametrize(
    "key,module",
    [(key, module) for module in PATCH_MODULES for key in module.UPSTREAM],
    ids=lambda v: v if isinstance(v, str) else v.__name__.rsplit(".", 1)[-1],
)
def test_upstream_code_each_patch_copies_or_relies_on_is_unchanged(key, module):
    """A failure here is an upgrade of Textual to read, not a flaky test: open the patch named,
    compare it with the new upstream code, adapt it (or drop it if upstream fixed the problem),
    then update its UPSTREAM hash and PINNED_TEXTUAL."""
    assert fingerprint(key) == module.UPSTREAM[key], (
        f"Textual's {key} changed since {module.__name__} was written against "
        f"Textual {textual_patches.PINNED_TEXTUAL}"
    )


def test_every_patch_lists_what_it_relies_on():
    for module in PATCH_MODULES:
        assert module.UPSTREAM, module.__name__
    on_disk = {p.stem for p in PATCHES_DIR.glob("*.py")} - {"__init__", "degrade"}
    assert on_disk == {m.__name__.rsplit(".", 1)[-1] for m in PATCH_MODULES}


# --- fenced: nothing else touches Textual's private code ------------------------------------


def _textual_private_names() -> set[str]:
    names: set[str] = set()
    for f in Path(textual.__file__).parent.rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        names |= set(re.findall(r"self\.(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=", text))
        names |= set(re.findall(r"^\s+def (_[a-z]\w*)\(", text, re.M))
    return names


def _our_names(files: list[Path]) -> set[str]:
    names: set[str] = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        names |= set(re.findall(r"self\.(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=", text))
        names |= set(re.findall(r"^\s*def (_[a-z]\w*)\(", text, re.M))
        names |= set(re.findall(r"^\s+(_[a-z]\w*)\s*(?::[^=\n]*)?=", text, re.M))
    return names


def test_no_module_outside_the_patches_reaches_into_textual_privates():
    files = sorted((REPO / "speedtimer").rglob("*.py"))
    private = _textual_private_names() - _our_names(files)
    found = []
    for f in files:
        if PATCHES_DIR in f.parents:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for mod in mods:
                    if mod.startswith("textual.") and any(
                        p.startswith("_") for p in mod.split(".")
                    ):
                        found.append(f"{f.relative_to(REPO)}:{node.lineno} imports {mod}")
            elif isinstance(node, ast.Attribute) and node.attr in private:
                found.append(f"{f.relative_to(REPO)}:{node.lineno} uses .{node.attr}")
    assert found == []


def test_the_check_above_sees_a_private_use(tmp_path):
    """The scan is not blind: the patches themselves do reach in."""
    private = _textual_private_names()
    assert {"_closing", "_must_signal_resume", "_timeout_time", "_handle_exception"} <= private


# --- each patch steps aside, with one log line, when what it touches is gone ---------------


def _patch_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "speedtimer.textual_patches"]


def test_styles_cache_fix_steps_aside_when_the_private_module_is_gone(monkeypatch, caplog):
    caplog.set_level(logging.WARNING)
    assert styles_cache.install() is True  # in place on the pinned Textual
    monkeypatch.setitem(sys.modules, "textual._styles_cache", None)
    assert styles_cache.install() is False
    assert styles_cache.install() is False
    (line,) = _patch_log(caplog)
    assert "'styles_cache' is off" in line and "textual._styles_cache" in line


def test_styles_cache_fix_is_in_place_and_gives_textuals_styles():
    from textual._styles_cache import StylesCache
    from textual.color import Color
    from textual.style import Style

    styles_cache.install()
    method = StylesCache.__dict__["get_inner_outer"]
    assert getattr(method, "__speedtimer_patch__", False)
    base, over = Color(10, 20, 30), Color(0, 0, 0, 0.5)
    inner, outer = StylesCache().get_inner_outer(base, over)
    assert (inner, outer) == (Style(background=base + over), Style(background=base))


def test_quiet_driver_steps_aside_when_a_private_module_is_gone(monkeypatch, caplog):
    caplog.set_level(logging.WARNING)
    assert textual_patches.quiet_driver_for(LinuxDriver) is quiet_driver.QuietLinuxDriver
    monkeypatch.delitem(sys.modules, "speedtimer.tui.textual_patches.quiet_driver")
    monkeypatch.delattr(textual_patches, "quiet_driver")
    monkeypatch.setitem(sys.modules, "textual._xterm_parser", None)
    assert textual_patches.quiet_driver_for(LinuxDriver) is LinuxDriver
    (line,) = _patch_log(caplog)
    assert "'quiet_driver' is off" in line and "textual._xterm_parser" in line


def test_quiet_driver_steps_aside_when_the_parser_timeout_is_gone(monkeypatch, caplog):
    caplog.set_level(logging.WARNING)

    class ParserWithoutTimeout:
        def __init__(self, debug: bool) -> None:
            pass

        def feed(self, data: str):
            return iter(())

        def tick(self):
            return iter(())

    monkeypatch.setattr(quiet_driver, "XTermParser", ParserWithoutTimeout)
    assert textual_patches.quiet_driver_for(LinuxDriver) is LinuxDriver
    assert textual_patches.quiet_driver_for(LinuxDriver) is LinuxDriver
    (line,) = _patch_log(caplog)
    assert "XTermParser._timeout_time is gone" in line


def test_watchers_patch_drops_closed_nodes_and_steps_aside_on_another_store(caplog):
    caplog.set_level(logging.WARNING)

    class Node:
        def __init__(self, closing: bool) -> None:
            self._closing = closing

    class Watched:
        pass

    live, closed = Node(False), Node(True)
    watched = Watched()
    setattr(watched, "__watchers", {"title": [(live, print), (closed, print)]})
    watchers.forget_closed_watchers(watched)
    assert getattr(watched, "__watchers") == {"title": [(live, print)]}
    assert _patch_log(caplog) == []

    other = Watched()
    setattr(other, "__watchers", [("not", "a dict")])
    watchers.forget_closed_watchers(other)
    watchers.forget_closed_watchers(other)
    (line,) = _patch_log(caplog)
    assert "'watchers' is off" in line
    watchers.forget_closed_watchers(Watched())  # nothing watched yet: nothing to do


def test_sigcont_resumes_only_after_the_apps_own_suspend(caplog):
    caplog.set_level(logging.WARNING)
    resumed = []

    class Driver:
        def __init__(self, suspended: bool) -> None:
            self._must_signal_resume = suspended

        def _sigcont_application(self) -> None:
            resumed.append(True)

    class App:
        def __init__(self, driver) -> None:
            self._driver = driver

    assert sigcont.resume_if_suspended(App(Driver(False))) is False
    assert sigcont.resume_if_suspended(App(Driver(True))) is True
    assert resumed == [True]
    assert sigcont.resume_if_suspended(App(None)) is False

    class OtherDriver:
        def _sigcont_application(self) -> None:
            resumed.append(True)

    assert sigcont.resume_if_suspended(App(OtherDriver())) is False
    assert resumed == [True]
    (line,) = _patch_log(caplog)
    assert "'sigcont' is off" in line


def test_binding_lookup_follows_the_keymap_and_falls_back_to_class_defaults(caplog):
    from textual.binding import Binding

    caplog.set_level(logging.WARNING)

    class Bindings:
        key_to_bindings = {"f9": [Binding("f9", "go", "Go")]}

    class Node:
        BINDINGS = [Binding("g", "go", "Go")]
        _bindings = Bindings()

    assert textual_patches.binding_for(Node(), "go").key == "f9"
    assert textual_patches.binding_for(Node(), "other") is None

    class Elsewhere:
        BINDINGS = [Binding("g", "go", "Go")]

    assert textual_patches.binding_for(Elsewhere(), "go").key == "g"
    (line,) = _patch_log(caplog)
    assert "'bindings' is off" in line
