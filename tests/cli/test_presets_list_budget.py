"""`presets list` on folders too large to read at once: a time budget, the cached index, --full."""

from __future__ import annotations

import pytest

from speedtimer.cli import main as cli

GOOD = 'name = "{name}"\ncategory = "tempo"\n[[steps]]\nkind = "work"\nduration = "{d}:00"\n'


@pytest.fixture
def argv(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    for i in range(6):
        (folder / f"p{i}.toml").write_text(GOOD.format(name=f"Steady {i}", d=10 + i))
    (folder / "bad.toml").write_text('name = "Bad"\n[[steps]]\nkind = "work"\n')
    return [
        "--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d"),
        "--cache-dir", str(tmp_path / "cache"), "--presets-dir", str(folder),
    ]  # fmt: skip


def listing(capsys, argv, *extra) -> str:
    assert cli.main([*argv, "presets", "list", *extra]) == 0
    return capsys.readouterr().out


def test_over_budget_files_are_listed_from_their_first_lines(capsys, argv, monkeypatch):
    monkeypatch.setattr(cli, "LIST_BUDGET_S", 0.0)  # as if every file took too long to read
    out = listing(capsys, argv)
    line = next(x for x in out.splitlines() if x.startswith("Steady 3"))
    assert line.split()[2:4] == ["tempo", "?"]  # named, time unknown: not read
    assert "files (TIME ?) were listed from their first lines only" in out
    assert "presets list --full" in out

    full = listing(capsys, argv, "--full")
    assert "13:00" in next(x for x in full.splitlines() if x.startswith("Steady 3"))
    assert "BROKEN" in full and "bad.toml" in full
    assert "first lines only" not in full

    cached = listing(capsys, argv)  # still a zero budget: everything is in the index now
    assert cached == full
