"""`speedtimer squads list|show|new|edit` as a coach uses them: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def run(config, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"SPEEDTIMER_CONFIG_DIR": str(config)} | (env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", "squads", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_new_show_edit_list(tmp_path):
    config = tmp_path / "config"
    out = run(config, "list")
    assert out.returncode == 0 and "no squads" in out.stdout
    out = run(config, "new", "Tuesday group", "--athletes", "Ana, Ben,Cy")
    assert out.returncode == 0, out.stderr
    file = config / "squads" / "tuesday-group.toml"
    assert file.is_file()
    out = run(config, "new", "Tuesday group")
    assert out.returncode == 1 and "--force" in out.stderr
    out = run(
        config, "edit", "tuesday", "--race", "Ana=5k 19:57", "--key", "Ben=z", "--add", "Dee",
        "--rename", "Cy=Cyrus", "--group", "Dee=B",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(run(config, "show", "Tuesday group", "--json").stdout)
    assert [(a["name"], a["key"]) for a in data["athletes"]] == [
        ("Ana", "1"), ("Ben", "z"), ("Cyrus", "2"), ("Dee", "3"),
    ]  # fmt: skip
    assert data["athletes"][0]["vdot"] == 50.0 and data["athletes"][3]["group"] == "B"
    table = run(config, "show", "tuesday").stdout
    assert "Cyrus" in table and "50.0" in table
    out = run(config, "edit", "tuesday", "--remove", "Ben")
    assert out.returncode == 0
    assert "Ben" not in file.read_text()
    listing = run(config, "list")
    assert "Tuesday group" in listing.stdout and "3 athletes" in listing.stdout


def test_a_bad_edit_is_refused_and_the_file_kept(tmp_path):
    config = tmp_path / "config"
    run(config, "new", "S", "--athletes", "Ana,Ben")
    file = config / "squads" / "s.toml"
    before = file.read_text()
    out = run(config, "edit", "S", "--key", "Ben=q")
    assert out.returncode == 1
    assert "athletes[1].key" in out.stderr and "reserved" in out.stderr
    out = run(config, "edit", "S", "--race", "Ana=5k in a while")
    assert out.returncode == 1 and "athletes[0].race" in out.stderr
    out = run(config, "edit", "S", "--rename", "Zed=Z")
    assert out.returncode == 1 and "no athlete 'Zed'" in out.stderr
    assert file.read_text() == before


def test_edit_in_the_editor_checks_the_result(tmp_path):
    config = tmp_path / "config"
    run(config, "new", "S", "--athletes", "Ana")
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf \'[[athletes]]\\nname = "X"\\nkey = "n"\\n\' >> "$1"\n')
    script.chmod(0o755)
    out = run(config, "edit", "S", env_extra={"VISUAL": str(script)})
    assert out.returncode == 1 and "athletes[1].key" in out.stderr
    assert "kept as you left it" in out.stderr


def test_list_reports_a_broken_squad(tmp_path):
    config = tmp_path / "config"
    (config / "squads").mkdir(parents=True)
    (config / "squads" / "bad.toml").write_text('name = "x"\n[[athletes]]\nname = "A"\nkey = "+"\n')
    out = run(config, "list")
    assert out.returncode == 1 and "bad.toml: athletes[0].key" in out.stderr


def run_squad(config, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"SPEEDTIMER_CONFIG_DIR": str(config)}
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", "run", "8 x 400", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60,
    )  # fmt: skip


def test_run_with_a_squad_refuses_what_it_cannot_do_clearly(tmp_path):
    config = tmp_path / "config"
    assert run(config, "new", "Tuesday", "--athletes", "Ana,Ben").returncode == 0
    assert run(config, "new", "Empty").returncode == 0
    cases = [
        (["--athletes", "Ana"], "--athletes picks from a squad: give --squad"),
        (["--squad", "Tuesday", "--plain"], "needs the full-screen app, not --plain"),
        (["--squad", "Nope"], "no squad 'Nope'"),
        (["--squad", "Tuesday", "--athletes", "Ana,Bem"], "no athlete 'Bem'"),
        (["--squad", "Empty"], "has no athletes"),
        (["--squad", "Tuesday", "--race", "5k 19:57"], "each athlete's comes from the squad"),
    ]
    for args, needle in cases:
        out = run_squad(config, *args)
        assert out.returncode == 1 and needle in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    assert (
        "did you mean 'Ben'" in run_squad(config, "--squad", "tuesday", "--athletes", "Bem").stderr
    )


def test_group_and_note_are_set_shown_and_cleared_from_the_command_line(tmp_path):
    """The file's optional group and note (issue 15.1): `edit --group/--note` set them (a note
    may hold "=" and spaces), `show` prints them and `show --json` carries them, an empty
    value takes one out, and one too long is refused with its key path, the file kept."""
    config = tmp_path / "config"
    assert run(config, "new", "Track", "--athletes", "Ana,Ben").returncode == 0
    file = config / "squads" / "track.toml"
    out = run(
        config, "edit", "track", "--group", "Ana=800 m", "--note", "Ana=easy: 2x=enough",
        "--group", "Ben=A",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(run(config, "show", "track", "--json").stdout)
    assert [(a["group"], a["note"]) for a in data["athletes"]] == [
        ("800 m", "easy: 2x=enough"), ("A", None),
    ]  # fmt: skip
    table = run(config, "show", "track").stdout
    assert "800 m" in table and "easy: 2x=enough" in table
    before = file.read_text()
    out = run(config, "edit", "track", "--note", "Ben=" + "x" * 201)
    assert out.returncode == 1 and "athletes[1].note" in out.stderr
    assert file.read_text() == before
    assert run(config, "edit", "track", "--note", "Ana=", "--group", "Ben=").returncode == 0
    data = json.loads(run(config, "show", "track", "--json").stdout)
    assert [(a["group"], a["note"]) for a in data["athletes"]] == [("800 m", None), (None, None)]
