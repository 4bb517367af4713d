"""Names and text from files never reach the terminal raw from the command line: a
right-to-left override (U+202E) or an ESC in a preset's file name, name, description or label,
a history session's preset name or note, or a settings value is spelled out (\\u202e, \\x1b) by
every command that prints it, while an export piped to a file keeps its data unchanged."""

from __future__ import annotations

import json

from speedtimer.history.store import HistoryStore
from tests.cli.test_cli import run
from tests.helpers_history import add_session
from tests.reliability import tried

RLO, LRI, PDI, ESC = "\u202e", "\u2066", "\u2069", "\x1b"
RAW = (RLO, LRI, PDI, "\u200f", "\u061c", ESC, "\x07", "\x9b")
PRESET = f"""
name = "Evil {RLO}4pm.exe{LRI} trial"
category = "strides"
description = "Warm {RLO}up first"
[[steps]]
kind = "work"
duration = 20
label = "Sprint {RLO}fast{PDI}"
"""


def never_raw(text: str, where: str) -> None:
    for c in RAW:
        assert c not in text, f"{where}: U+{ord(c):04X} printed raw in {text!r}"


@tried(
    "cli",
    "bidi controls (U+202E, U+2066, U+2069) and ESC in a preset's file name, name, category, "
    "description and label, a history session's preset name and a settings value; through "
    "presets list, presets show, presets check, presets import, history list, history "
    "summary and config show",
    "each spelled out (\\u202e, \\x1b) in what the commands print, to stdout and stderr; "
    "history export piped to a file kept the name exactly",
    cases=9,
)
def test_no_command_prints_bidi_or_control_characters_raw(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / f"evil{RLO}lmth.toml").write_text(PRESET, encoding="utf-8")
    (presets / f"broken{ESC}[2J{RLO}.toml").write_text(
        f'name = "x"\ncategory = "strides {RLO}x"\n', encoding="utf-8"
    )
    cfg, data = tmp_path / "cfg", tmp_path / "data"
    cfg.mkdir()
    (cfg / "settings.toml").write_text(f'theme = "dark{RLO}x"\n', encoding="utf-8")
    data.mkdir()
    store = HistoryStore.open(data / "history.sqlite3")
    add_session(store, preset=f"Evil {RLO}4pm.exe{LRI}")
    store.close()
    dirs = ["--config-dir", str(cfg), "--data-dir", str(data), "--presets-dir", str(presets)]
    printed = {}
    for command in (
        ["presets", "list"],
        ["presets", "show", f"Evil {RLO}4pm.exe{LRI} trial"],
        ["presets", "check", str(presets / f"evil{RLO}lmth.toml")],
        ["presets", "import", str(presets / f"evil{RLO}lmth.toml")],
        ["history", "list"],
        ["history", "summary"],
        ["config", "show"],
    ):
        out = run(*dirs, *command)
        name = " ".join(command)
        never_raw(out.stdout, f"{name} stdout")
        never_raw(out.stderr, f"{name} stderr")
        printed[name] = out.stdout + out.stderr
    assert "evil\\u202elmth.toml" in printed["presets list"]
    assert "broken\\x1b[2J\\u202e.toml" in printed["presets list"]
    assert (
        "Evil \\u202e4pm.exe\\u2066 trial" in printed[f"presets show Evil {RLO}4pm.exe{LRI} trial"]
    )
    assert "Sprint \\u202efast\\u2069" in printed[f"presets show Evil {RLO}4pm.exe{LRI} trial"]
    assert "Evil \\u202e4pm.exe" in printed["history list"]
    assert "\\u202e" in printed["config show"]
    # Data asked for, piped: unchanged.
    exported = run(*dirs, "history", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert f"Evil {RLO}4pm.exe{LRI}" in json.dumps(json.loads(exported.stdout), ensure_ascii=False)
