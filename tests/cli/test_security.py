"""Files from elsewhere are data, never instructions: names cannot steer where speedtimer
writes, imports never run or evaluate anything, and cue sounds are only ever read as WAVs.

The confinement tests walk the whole temp root (home, config, data and everything else)
before and after, so a file written anywhere unexpected is seen on the real filesystem.
"""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import struct
import wave
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.cli.main import main
from speedtimer.config.paths import sounds_dir
from speedtimer.formats.preset_toml import load_preset
from speedtimer.history.store import HistoryStore
from speedtimer.sound.audio import check_wav, resolve_cue_files
from tests.conftest import REPO
from tests.reliability import tried

PWNED = "speedtimer-pwned"


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file and link under root, with its bytes (links: their target)."""
    out: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            out[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return out


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A whole little world: a home folder, the working directory, config and data folders."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.chdir(work)
    return tmp_path


def cli(root: Path, *args: str) -> int:
    return main(["--config-dir", str(root / "cfg"), "--data-dir", str(root / "data"), *args])


def new_files_outside(root: Path, before: dict, allowed: tuple[str, ...]) -> list[str]:
    after = tree(root)
    changed = [k for k, v in after.items() if before.get(k) != v]
    return [k for k in changed if not k.startswith(allowed)]


HOSTILE_NAMES = [
    "../../x",
    "../../../../../../tmp/escaped",
    "/abs/path/evil",
    "..",
    ".",
    "..\\..\\windows\\evil",
    "C:\\Windows\\System32\\evil",
    "~/escape",
    "$HOME/escape",
    "a/../../b",
    "CON",
    "nul",
    "LPT1",
    ".hidden",
    "-rf",
    "x" * 1990,
    "走" * 300,
    "\u202e\u200b",
]


@tried(
    "Security",
    "preset names that try to leave the presets folder or break file systems: ../../x, deep "
    "../, absolute paths, '..', '.', Windows paths, ~ and $HOME, CON / nul / LPT1, a leading "
    "dot or dash, 1,990 characters, 300 CJK characters, bidi only; through presets new, "
    "presets import of TOML and of intervals.icu text",
    "every file landed inside the user presets folder under a safe name (reserved names get "
    "-preset); the whole temp root, home and working folder included, has no other new file",
    cases=len(HOSTILE_NAMES) * 3,
)
def test_preset_names_never_write_outside_the_presets_folder(root, capsys):
    before = tree(root)
    sources = root / "sources"
    sources.mkdir()
    folder = root / "cfg" / "presets"
    reported = []
    for i, name in enumerate(HOSTILE_NAMES):
        toml = sources / f"t{i}.toml"
        toml.write_text(
            f'name = {json.dumps(name + " toml")}\n[[steps]]\nkind = "work"\nduration = 5\n'
        )
        icu = sources / f"i{i}.txt"
        icu.write_text(f"Workout {name}\n\n- {i + 1}m intensity=active\n")
        for args in (
            ["new", "--quick", f"{i + 1}:00", f"--name={name}"],
            ["import", str(toml)],
            ["import", str(icu)],
        ):
            # --force: names that come out alike ("..", ".") replace each other's file
            assert cli(root, "presets", *args, "--force") == 0, (name, args)
            out = capsys.readouterr().out
            reported.append(Path(out.rsplit(" to ", 1)[1].strip()))
    assert {p.parent for p in reported} == {folder}
    files = sorted(p.name for p in folder.iterdir())
    assert sorted({p.name for p in reported}) == files
    assert all(f.endswith(".toml") and not f.startswith((".", "-")) for f in files)
    assert not any(f.split(".")[0] in ("con", "nul", "lpt1") for f in files)
    outside = new_files_outside(root, before, ("cfg/", "data/", "sources/"))
    assert outside == []


@tried(
    "Security",
    "a preset file in the user folder that is a symlink to a file outside it, replaced with "
    "presets new --force and by the editor's in-place save path check",
    "the link itself is replaced by a real file in the folder; the file it pointed at keeps "
    "every byte; a save path outside the folder is refused",
    cases=2,
)
def test_a_symlink_in_the_presets_folder_never_writes_through(root, capsys):
    from speedtimer.formats.preset_save import SaveError, save_preset

    outside = root / "outside.txt"
    outside.write_text("precious")
    folder = root / "cfg" / "presets"
    folder.mkdir(parents=True)
    (folder / "evil.toml").symlink_to(outside)
    assert cli(root, "presets", "new", "--quick", "1:00", "--name", "Evil", "--force") == 0
    capsys.readouterr()
    assert outside.read_text() == "precious"
    assert not (folder / "evil.toml").is_symlink()
    assert load_preset(folder / "evil.toml").name == "Evil"
    (folder / "link.toml").symlink_to(outside)
    with pytest.raises(SaveError, match="not in the presets folder"):
        save_preset(load_preset(folder / "evil.toml"), folder, path=folder / "link.toml")
    assert outside.read_text() == "precious"


@tried(
    "Security",
    "exports: presets export (toml, icu) and history export with and without --output, "
    "--output pointing at another folder",
    "without --output nothing is written anywhere (text on stdout); with it exactly that "
    "file is written, and nothing else outside the config and data folders",
    cases=5,
)
def test_output_is_the_only_way_to_write_elsewhere(root, capsys):
    assert cli(root, "presets", "new", "--quick", "1:00", "--name", "Mine") == 0
    before = tree(root)
    assert cli(root, "presets", "export", "Mine", "--format", "toml") == 0
    assert cli(root, "presets", "export", "Mine", "--format", "icu") == 0
    assert cli(root, "history", "export") == 0
    assert new_files_outside(root, before, ("cfg/", "data/")) == []
    out = root / "elsewhere"
    out.mkdir()
    assert (
        cli(root, "presets", "export", "Mine", "--format", "toml", "--output", str(out / "m.toml"))
        == 0
    )
    assert cli(root, "history", "export", "--output", str(out / "h.json")) == 0
    capsys.readouterr()
    assert sorted(new_files_outside(root, before, ("cfg/", "data/"))) == [
        "elsewhere/h.json",
        "elsewhere/m.toml",
    ]


CODE = [
    "__import__('os').system('touch /tmp/speedtimer-pwned')",
    "{{ 7 * 7 }} ${HOME} $(touch /tmp/speedtimer-pwned) `touch /tmp/speedtimer-pwned`",
    "'; DROP TABLE sessions; --",
    "!!python/object/apply:os.system ['touch /tmp/speedtimer-pwned']",
    "cos\nsystem\n(S'touch /tmp/speedtimer-pwned'\ntR.",
]


@tried(
    "Security",
    "code in imported files: Python (__import__(...)), shell $(...) and backticks, template "
    "{{ }}, SQL injection, YAML and pickle payloads, as preset names, labels and "
    "descriptions (TOML and intervals.icu) and as history names, labels and notes",
    "stored and shown as the very text; nothing ran (no marker file), the history tables "
    "are intact, nothing outside the config and data folders changed",
    cases=len(CODE) * 3,
)
def test_imported_code_is_only_ever_text(root, capsys):
    marker = Path("/tmp") / PWNED
    marker.unlink(missing_ok=True)
    before = tree(root)
    src = root / "src"
    src.mkdir()
    sessions = []
    for i, code in enumerate(CODE):
        label = code.replace("\n", " ")
        toml = src / f"c{i}.toml"
        toml.write_text(
            f"name = {json.dumps(f'Code {i} {label}')}\n"
            f"description = {json.dumps(code)}\n"
            f'[[steps]]\nkind = "work"\nduration = 5\nlabel = {json.dumps(label)}\n'
        )
        assert cli(root, "presets", "import", str(toml)) == 0
        icu = src / f"c{i}.txt"
        icu.write_text(f"Icu {i} {label}\n\n- {label} 2m intensity=active\n")
        assert cli(root, "presets", "import", str(icu)) == 0
        sessions.append(
            {
                "uuid": f"code-{i}",
                "preset_name": label,
                "note": code,
                "started_at": "2025-03-01T07:30:00Z",
                "status": "completed",
                "preset_toml": code,
                "steps": [
                    {"idx": 0, "step_index": 0, "kind": "work", "label": label, "actual_s": 5,
                     "ended_how": "time", "started_at": "2025-03-01T07:30:00Z",
                     "ended_at": "2025-03-01T07:30:05Z"}
                ],
            }
        )  # fmt: skip
    export = src / "history.json"
    export.write_text(json.dumps({"sessions": sessions}))
    assert cli(root, "history", "import", str(export)) == 0
    capsys.readouterr()
    assert not marker.exists()
    assert new_files_outside(root, before, ("cfg/", "data/", "src/")) == []
    labels = {load_preset(p).steps[0].label for p in (root / "cfg" / "presets").glob("*.toml")}
    for code in CODE:
        assert code.replace("\n", " ") in labels
    with HistoryStore.open(root / "data" / "history.sqlite3") as store:
        notes = {store.get_session(s.id).note for s in store.list_sessions(limit=50)}
    assert notes == set(CODE)
    with sqlite3.connect(root / "data" / "history.sqlite3") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert {"sessions", "steps"} <= tables


# --- nothing in the code can evaluate a file ------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input", "breakpoint"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "yaml", "jsonpickle"}
# the only dynamic imports and child processes, each with fixed code and arguments
ALLOWED_IMPORT_MODULE = {"keymap.py"}  # imports speedtimer.components.<own module names>
# the sound helper; the user's $EDITOR; the speech command (espeak-ng), phrase text as one
# argument; serve's app for each browser tab (this install, an argument list, never a shell);
# systemd-inhibit (a fixed argument list that keeps the laptop awake mid-session)
# the squads' `edit` opens the user's $EDITOR as `config edit` does
ALLOWED_SUBPROCESS = {
    "audio.py", "config.py", "squads.py", "voice.py", "serve.py", "machine_sleep.py"
}  # fmt: skip


def _python_files() -> list[Path]:
    return sorted((REPO / "speedtimer").rglob("*.py"))


@tried(
    "Security",
    "every module of speedtimer/ read as a syntax tree: calls of eval, exec, compile, "
    "__import__, input; pickle, marshal, shelve, yaml imports; os.system, shell=True, "
    "dynamic imports",
    "none anywhere; the only child processes are the sound helper, the user's editor, "
    "the speech command, serve's app per browser tab and systemd-inhibit, started with "
    "argument lists, never a shell, and the only dynamic import loads speedtimer's own "
    "screen modules",
    cases="every module",
)
def test_no_code_path_can_evaluate_or_unpickle_anything():
    problems = []
    for path in _python_files():
        tree_ = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree_):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
                owner = (
                    fn.value.id
                    if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name)
                    else ""
                )  # noqa: E501
                if isinstance(fn, ast.Name) and name in FORBIDDEN_CALLS:
                    problems.append(f"{where}: {name}()")
                if owner == "os" and name in ("system", "popen", "execv", "execvp", "spawnl"):
                    problems.append(f"{where}: os.{name}()")
                if name == "import_module" and path.name not in ALLOWED_IMPORT_MODULE:
                    problems.append(f"{where}: import_module()")
                if owner == "asyncio" and name == "create_subprocess_shell":
                    problems.append(f"{where}: asyncio.create_subprocess_shell()")
                spawns = owner == "asyncio" and name.startswith("create_subprocess")
                if spawns and path.name not in ALLOWED_SUBPROCESS:
                    problems.append(f"{where}: asyncio.{name}()")
                if owner == "subprocess" and path.name not in ALLOWED_SUBPROCESS:
                    problems.append(f"{where}: subprocess.{name}()")
                for kw in node.keywords:
                    if kw.arg == "shell" and not (
                        isinstance(kw.value, ast.Constant) and kw.value.value is False
                    ):
                        problems.append(f"{where}: shell=")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for n in names:
                    if n.split(".")[0] in FORBIDDEN_MODULES:
                        problems.append(f"{where}: import {n}")
    assert problems == []


# --- cue sounds are read as WAV files and nothing else ----------------------------------------


def _wav(path: Path, *, seconds: float = 0.1, width: int = 2, rate: int = 44100) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x00" * int(seconds * rate) * width)
    return path


def _lying_header(path: Path) -> Path:
    """A valid 44-byte header whose data chunk claims 4 GB, on a file of 100 bytes."""
    _wav(path, seconds=0.0005)
    raw = bytearray(path.read_bytes())
    raw[40:44] = struct.pack("<I", 0xFFFFFFF0)
    path.write_bytes(bytes(raw))
    return path


def _sparse(path: Path) -> Path:
    _wav(path)
    os.truncate(path, 1 << 30)
    return path


def _loop(path: Path) -> Path:
    other = path.with_name("other.wav")
    path.symlink_to(other)
    other.symlink_to(path)
    return path


SOUNDS = {
    "a text file": (lambda p: _text(p, "not a wav"), "not a 16-bit PCM WAV"),
    "a FIFO": (lambda p: os.mkfifo(p) or p, "not a regular file"),
    "/dev/zero": (lambda p: Path("/dev/zero"), "not a regular file"),
    "/dev/urandom": (lambda p: Path("/dev/urandom"), "not a regular file"),
    "a symlink to /dev/zero": (lambda p: p.symlink_to("/dev/zero") or p, "not a regular file"),
    "a symlink to /etc/shadow": (lambda p: p.symlink_to("/etc/shadow") or p, "not a 16-bit"),
    "a symlink loop": (_loop, "file not found"),
    "a folder": (lambda p: p.mkdir() or p, "not a regular file"),
    "a sparse 1 GB file": (_sparse, "too large"),
    "a header claiming 4 GB of audio": (_lying_header, "too long"),
    "8-bit samples": (lambda p: _wav(p, width=1), "8-bit samples"),
    "an hour of audio": (lambda p: _wav(p, seconds=0.01, rate=8000) and _hour(p), "too long"),
    "a missing file": (lambda p: p, "file not found"),
    "a NUL in the path": (lambda p: Path(str(p) + "\x00x"), "file not found"),
}


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _hour(path: Path) -> Path:
    raw = bytearray(path.read_bytes())
    raw[40:44] = struct.pack("<I", 8000 * 2 * 3600)
    path.write_bytes(bytes(raw))
    return path


@tried(
    "Security",
    "cue sound paths in settings that are not sound: a text file, a FIFO, /dev/zero, "
    "/dev/urandom, symlinks to /dev/zero and /etc/shadow, a symlink loop, a folder, a sparse "
    "1 GB file, a header claiming 4 GB or an hour of audio, 8-bit samples, missing, NUL",
    "each rejected with the cue, the file and why, at once: devices and FIFOs are never "
    "opened, at most the WAV header of other files is read, the bundled sound stays",
)
@pytest.mark.parametrize("case", sorted(SOUNDS))
def test_cue_sounds_are_only_read_as_wav_files(tmp_path, case):
    make, words = SOUNDS[case]
    path = make(tmp_path / "cue.wav")
    problem = check_wav(path)
    assert problem is not None and words in problem, problem
    files, messages = resolve_cue_files(sounds_dir(), {"work": str(path)})
    assert files["work"] == (sounds_dir() / "work.wav").resolve()
    (message,) = messages
    assert "'work' cue ignored" in message and "keeping the bundled sound" in message


def test_a_good_wav_is_taken():
    path = sounds_dir() / "pip.wav"
    assert check_wav(path) is None
    files, messages = resolve_cue_files(sounds_dir(), {"work": str(path)})
    assert files["work"] == path.resolve() and messages == []


@tried(
    "Security",
    "the bundled cue WAVs damaged: up to 6 bytes of the first 80 (the header) changed, and "
    "truncated anywhere",
    "a usable 16-bit PCM WAV or a plain reason; never an exception (the stdlib chunk reader's "
    "RuntimeError on a bad chunk size is caught)",
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_wavs_give_a_reason_never_an_exception(tmp_path, data):
    raw = bytearray(data.draw(st.sampled_from(sorted(sounds_dir().glob("*.wav")))).read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, min(len(raw), 80) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del raw[data.draw(st.integers(0, len(raw) - 1)) :]
    path = tmp_path / "damaged.wav"
    path.write_bytes(bytes(raw))
    problem = check_wav(path)
    assert problem is None or isinstance(problem, str)


@tried(
    "Security",
    "NUL and other control characters in a preset's name: presets new --name 'a\\x00b', TOML "
    "and intervals.icu imports with a NUL or ESC in the name",
    "refused with the key and the character; no file written anywhere",
    cases=3,
)
def test_names_with_nul_or_escapes_are_refused_and_write_nothing(root, capsys):
    before = tree(root)
    src = root / "src"
    src.mkdir()
    toml = src / "nul.toml"
    toml.write_text('name = "a\\u0000b"\n[[steps]]\nkind = "work"\nduration = 5\n')
    icu = src / "esc.txt"
    icu.write_text("Evil \x1b[2J name\n\n- 2m intensity=active\n")
    assert cli(root, "presets", "new", "--quick", "1:00", "--name", "a\x00b") == 1
    assert cli(root, "presets", "import", str(toml)) == 1
    assert cli(root, "presets", "import", str(icu)) == 1
    err = capsys.readouterr().err
    assert err.count("U+0000 (NUL)") == 2 and "U+001B (ESC)" in err
    assert "\x00" not in err and "\x1b" not in err
    assert new_files_outside(root, before, ("src/",)) == []
