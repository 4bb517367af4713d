"""`speedtimer config ...` and the settings file's effect on other commands, in real processes
with every folder in tmp_path."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import run

TINY = """
name = "Tiny settings probe"
[[steps]]
kind = "work"
duration = 1
"""

NO_COUNTDOWN = """
name = "Probe without countdown"
[[steps]]
kind = "work"
duration = 30
"""


@pytest.fixture
def cfg(tmp_path) -> Path:
    return tmp_path / "cfg"


def settings(cfg: Path, text: str) -> Path:
    cfg.mkdir(parents=True, exist_ok=True)
    path = cfg / "settings.toml"
    path.write_text(text)
    return path


def show(*args: str, env: dict | None = None) -> dict:
    out = run(*args, "config", "show", "--json", env=env)
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


def editor_script(tmp_path: Path, name: str, body: str) -> Path:
    """A stand-in for the user's editor: a real program that edits the file it is given."""
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport sys\npath = sys.argv[-1]\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_config_path_prints_the_file_and_creates_nothing(cfg):
    out = run("--config-dir", str(cfg), "config", "path")
    assert out.returncode == 0
    assert out.stdout.strip() == str(cfg / "settings.toml")
    assert "does not exist yet" in out.stderr
    assert not cfg.exists()


def test_config_path_follows_the_environment(cfg):
    out = run("config", "path", env={"SPEEDTIMER_CONFIG_DIR": str(cfg)})
    assert out.stdout.strip() == str(cfg / "settings.toml")


def test_show_gives_each_setting_with_its_source(cfg, tmp_path):
    settings(cfg, f'get_ready = 8\nmute = true\ntheme = "nord"\ndata_dir = "{tmp_path / "fd"}"\n')
    data = show("--config-dir", str(cfg), "--no-mute")
    s = data["settings"]
    assert data["file"] == str(cfg / "settings.toml") and data["problems"] == []
    assert s["config_dir"] == {"value": str(cfg), "from": "flag"}
    assert s["get_ready"] == {"value": 8, "from": "file"}
    assert s["mute"] == {"value": False, "from": "flag"}
    assert s["theme"] == {"value": "nord", "from": "file"}
    assert s["countdown"] == {"value": 3, "from": "default"}
    assert s["data_dir"] == {"value": str(tmp_path / "fd"), "from": "file"}
    env = {"SPEEDTIMER_DATA_DIR": str(tmp_path / "ed")}
    s = show("--config-dir", str(cfg), "--get-ready", "2", env=env)["settings"]
    assert s["data_dir"] == {"value": str(tmp_path / "ed"), "from": "env"}
    assert s["get_ready"] == {"value": 2, "from": "flag"}
    assert s["mute"] == {"value": True, "from": "file"}
    s = show("--config-dir", str(cfg), "--data-dir", str(tmp_path / "xd"), env=env)["settings"]
    assert s["data_dir"] == {"value": str(tmp_path / "xd"), "from": "flag"}


def test_show_as_text_and_problems_on_stderr(cfg):
    path = settings(cfg, 'countdown = 12\ntheme = "nord"\n')
    out = run("--config-dir", str(cfg), "config", "show")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == f"# {path}"
    assert any(line.split() == ["countdown", "=", "3", "#", "default"] for line in lines)
    assert any(line.split() == ["theme", "=", '"nord"', "#", "file"] for line in lines)
    assert (
        f"warning: {path}: countdown: expected an integer 0-10, got an integer (12); "
        "using the default 3" in out.stderr
    )
    assert "Traceback" not in out.stderr


def test_invalid_toml_is_one_message_with_line_and_column(cfg):
    path = settings(cfg, "mute = true\ntheme = nord\n")
    out = run("--config-dir", str(cfg), "config", "show")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"speedtimer: warning: {path}:2:9: TOML syntax error: Invalid value; "
        "every setting uses its default"
    ]
    assert path.read_text() == "mute = true\ntheme = nord\n"


def test_data_dir_from_the_file_is_where_the_history_goes(cfg, tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "tiny.toml").write_text(TINY)
    from_file = tmp_path / "history-from-file"
    settings(cfg, f'data_dir = "{from_file}"\npresets_dirs = ["{presets}"]\nget_ready = 0\n')
    out = run("--config-dir", str(cfg), "--mute", "run", "Tiny settings probe", "--plain")
    assert out.returncode == 0, out.stderr
    assert "Finished" in out.stdout
    assert (from_file / "history.sqlite3").is_file()
    listed = run("--config-dir", str(cfg), "history", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Tiny settings probe" in listed.stdout
    # an environment variable wins over the file
    env_dir = tmp_path / "history-from-env"
    out = run(
        "--config-dir", str(cfg), "--mute", "run", "Tiny settings probe", "--plain",
        env={"SPEEDTIMER_DATA_DIR": str(env_dir)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (env_dir / "history.sqlite3").is_file()


def test_preset_folders_from_the_file_and_env_replacing_them(cfg, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, name in ((a, "From file folder"), (b, "From env folder")):
        folder.mkdir()
        (folder / "p.toml").write_text(TINY.replace("Tiny settings probe", name))
    settings(cfg, f'presets_dirs = ["{a}"]\n')
    out = run("--config-dir", str(cfg), "presets", "list")
    assert "From file folder" in out.stdout and "From env folder" not in out.stdout
    out = run("--config-dir", str(cfg), "presets", "list", env={"SPEEDTIMER_PRESETS_DIR": str(b)})
    assert "From env folder" in out.stdout and "From file folder" not in out.stdout


def test_presets_show_uses_the_default_countdown_only_where_a_preset_has_none(cfg, tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "none.toml").write_text(NO_COUNTDOWN)
    settings(cfg, "countdown = 6\nhalfway = true\n")
    base = ["--config-dir", str(cfg), "--presets-dir", str(presets), "presets", "show"]
    mine = json.loads(run(*base, "Probe without countdown", "--json").stdout)
    assert (mine["countdown"], mine["halfway"]) == (6, True)
    bundled = json.loads(run(*base, "8 x 400 m track repeats", "--json").stdout)
    assert bundled["countdown"] == 3  # the bundled file sets countdown = 3 itself
    assert (presets / "none.toml").read_text() == NO_COUNTDOWN


# --- config edit -----------------------------------------------------------------------------


def test_edit_creates_the_file_opens_the_editor_and_checks_the_result(cfg, tmp_path):
    editor = editor_script(
        tmp_path,
        "ed.py",
        "text = open(path).read()\n"
        "assert text.startswith('# speedtimer settings.'), text[:80]\n"
        "open(path, 'a').write('theme = \"gruvbox\"\\nget_ready = 99\\n')",
    )
    out = run("--config-dir", str(cfg), "config", "edit", env={"VISUAL": "", "EDITOR": str(editor)})
    path = cfg / "settings.toml"
    assert f"created {path}" in out.stderr
    assert out.returncode == 1
    assert f"{path}: get_ready: expected whole seconds 0-60, got an integer (99)" in out.stderr
    assert "1 problem(s)" in out.stderr
    assert "Traceback" not in out.stderr
    s = show("--config-dir", str(cfg))["settings"]
    assert s["theme"] == {"value": "gruvbox", "from": "file"}
    assert s["get_ready"] == {"value": 5, "from": "default"}


def test_edit_prefers_visual_keeps_the_file_and_says_when_all_is_well(cfg, tmp_path):
    path = settings(cfg, "get_ready = 99\n")
    fixer = editor_script(tmp_path, "fix.py", "open(path, 'w').write('get_ready = 4\\n')")
    out = run(
        "--config-dir", str(cfg), "config", "edit",
        env={"VISUAL": f"{fixer} --wait", "EDITOR": "/bin/false"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{path}: no problems"
    assert "created" not in out.stderr
    assert path.read_text() == "get_ready = 4\n"


def test_edit_falls_back_to_an_editor_on_the_path(cfg, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    editor_script(bin_dir, "nano", "open(path, 'a').write('countdown = 5\\n')")
    env = {"VISUAL": "", "EDITOR": "", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    out = run("--config-dir", str(cfg), "config", "edit", env=env)
    assert out.returncode == 0, out.stderr
    assert show("--config-dir", str(cfg))["settings"]["countdown"] == {
        "value": 5,
        "from": "file",
    }


def test_edit_reports_an_editor_that_cannot_start(cfg, tmp_path):
    out = run(
        "--config-dir", str(cfg), "config", "edit",
        env={"VISUAL": str(tmp_path / "no-such-editor")},
    )  # fmt: skip
    assert out.returncode == 1
    assert "cannot start the editor" in out.stderr and "no-such-editor" in out.stderr
    assert "Traceback" not in out.stderr


def test_version_does_not_load_settings_or_textual():
    code = (
        "import sys; from speedtimer.cli.main import main; main(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith(('textual', 'tomllib', "
        "'speedtimer.config.settings', 'platformdirs'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines()[-1] == "[]"


def test_show_gives_the_voice_settings_and_a_missing_speech_command(cfg, tmp_path):
    settings(cfg, 'voice_speed = 200\n[phrases]\nrest = "Easy. {duration}."\n')
    data = show("--config-dir", str(cfg), "--cache-dir", str(tmp_path / "c"))
    s = data["settings"]
    assert data["problems"] == []
    assert s["voice"] == {"value": False, "from": "default"}
    assert s["voice_speed"] == {"value": 200, "from": "file"}
    assert s["voice_name"] == {"value": "en", "from": "default"}
    assert s["voice_command"]["value"][0] == "espeak-ng"
    assert s["phrases.rest"] == {"value": "Easy. {duration}.", "from": "file"}
    assert "phrases.work" not in s  # only what the file changed
    assert s["cache_dir"] == {"value": str(tmp_path / "c"), "from": "flag"}
    env = {"SPEEDTIMER_CACHE_DIR": str(tmp_path / "e")}
    s = show("--config-dir", str(cfg), env=env)["settings"]
    assert s["cache_dir"] == {"value": str(tmp_path / "e"), "from": "env"}
    # --voice with no espeak-ng on the PATH: said, and `config show` exits 1
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    out = run("--config-dir", str(cfg), "--voice", "config", "show", env={"PATH": str(empty)})
    assert out.returncode == 1
    assert "voice_command: the speech command 'espeak-ng' was not found" in out.stderr
    assert "sudo apt-get install espeak-ng" in out.stderr
