"""The cached index of preset files: unchanged files are not read again, changed ones are, and
an index file damaged, foreign or hostile is refused entry by entry, never trusted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from speedtimer.formats.preset_index import (
    INDEX_FILE_NAME,
    MAX_INDEX_BYTES,
    IndexRun,
    read_index,
)
from tests.reliability import tried

GOOD = (
    'name = "{name}"\ncategory = "hills"\ntags = ["t"]\n[[steps]]\nkind = "work"\nduration = {d}\n'
)


def folder_of(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"p{i:03d}.toml").write_text(GOOD.format(name=f"Preset {i}", d=30 + i))
    return folder


def run(folder: Path, index: Path, **kw) -> tuple[IndexRun, list]:
    r = IndexRun([(folder, False)], index, **kw)
    return r, r.run()


def test_unchanged_files_are_not_read_again_changed_new_and_gone_ones_are(tmp_path):
    folder = folder_of(tmp_path, 20)
    index = tmp_path / "cache" / INDEX_FILE_NAME
    first, entries = run(folder, index)
    assert first.read == 20 and index.is_file()
    assert [e.name for e in entries][:2] == ["Preset 0", "Preset 1"]
    assert entries[3].estimate_s == 33 and entries[3].category == "hills"
    assert entries[3].total_label == "0:33"

    again, entries = run(folder, index)
    assert again.read == 0 and len(entries) == 20  # nothing read: 20 stats

    (folder / "p005.toml").write_text(GOOD.format(name="Renamed", d=99))
    (folder / "p007.toml").unlink()
    (folder / "new.toml").write_text(GOOD.format(name="New one", d=5))
    os.utime(folder / "p009.toml", ns=(1, 1))  # same bytes, other mtime: read again
    changed, entries = run(folder, index)
    assert changed.read == 3
    names = {e.name for e in entries}
    assert "Renamed" in names and "New one" in names and "Preset 7" not in names
    assert "Preset 5" not in names and len(entries) == 20


def test_a_file_replaced_with_the_same_size_and_time_is_read_again(tmp_path):
    """An editor's atomic save (rename over) keeps size and mtime at times: the inode tells."""
    folder = folder_of(tmp_path, 2)
    index = tmp_path / INDEX_FILE_NAME
    run(folder, index)
    target = folder / "p000.toml"
    st = target.stat()
    other = folder / "tmp.new"
    other.write_text(GOOD.format(name="Preset X", d=30))  # same length as "Preset 0"
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, target)
    r, entries = run(folder, index)
    assert r.read == 1 and entries[0].name == "Preset X"


def test_broken_files_are_indexed_with_their_error(tmp_path):
    folder = folder_of(tmp_path, 1)
    (folder / "bad.toml").write_text('name = "Bad one"\n[[steps]]\nkind = "work"\nduraton = 5\n')
    index = tmp_path / INDEX_FILE_NAME
    run(folder, index)
    r, entries = run(folder, index)
    bad = next(e for e in entries if e.broken)
    assert r.read == 0 and bad.name == "Bad one"
    assert "unknown key 'duraton'" in str(bad.as_broken().error)
    assert "steps[0]" in str(bad.as_broken().error)


def entry_json(folder: Path) -> dict:
    index = folder.parent / "probe.json"
    run(folder, index)
    return json.loads(index.read_text())


HOSTILE = [
    ("size", -1),
    ("size", 10**30),
    ("mtime_ns", "yesterday"),
    ("ino", None),
    ("bundled", "yes"),
    ("name", "\x1b]0;owned\x07"),
    ("name", "x" * 100_000),
    ("category", "walking"),
    ("tags", ["\x1b[2J"]),
    ("tags", "not a list"),
    ("estimate_s", float("nan")),
    ("estimate_s", 1e308),
    ("estimate_s", -5),
    ("work_reps", True),
    ("outline", "\x9b31m"),
    ("error", 42),
    ("path", "relative/p000.toml"),
    ("path", "/abs/with\x00nul.toml"),
    ("is_estimate", 1),
    ("total_label", "\x1b[2J"),
]


@tried(
    "Preset index",
    "one hostile value at a time in an index entry: negative and 10^30 sizes, text for numbers, "
    "NaN, 1e308 and negative times, ESC/OSC/C1 sequences in names, tags and outlines, a "
    "100,000-character name, an unknown category, relative paths and NUL in paths",
    "the entry is refused and its file read again; the other entries are used; the menu line "
    "comes from the file, never from the bad entry",
)
@pytest.mark.parametrize(("key", "value"), HOSTILE)
def test_hostile_index_entries_are_refused_one_by_one(tmp_path, key, value):
    folder = folder_of(tmp_path, 3)
    data = entry_json(folder)
    data["entries"][1][key] = value
    index = tmp_path / INDEX_FILE_NAME
    index.write_text(json.dumps(data), encoding="utf-8")
    assert len(read_index(index)) == 2
    r, entries = run(folder, index)
    assert r.read == 1 and entries[1].name == "Preset 1"


@tried(
    "Preset index",
    "whole index files: garbage bytes, not JSON, a JSON list, another format number, another "
    "speedtimer version, 100,000 nested lists, a FIFO, /dev/zero, one byte over the size limit",
    "refused as a whole: every preset file read again and the index written anew; never a "
    "crash or a wait",
)
@pytest.mark.parametrize(
    "make",
    ["garbage", "text", "list", "format", "version", "nested", "fifo", "zero", "huge"],
)
def test_damaged_or_foreign_index_files_are_ignored_and_rebuilt(tmp_path, make):
    folder = folder_of(tmp_path, 3)
    data = entry_json(folder)
    index = tmp_path / INDEX_FILE_NAME
    if make == "garbage":
        index.write_bytes(os.urandom(4000))
    elif make == "text":
        index.write_text("{not json")
    elif make == "list":
        index.write_text("[]")
    elif make == "format":
        index.write_text(json.dumps({**data, "format": 99}))
    elif make == "version":
        index.write_text(json.dumps({**data, "speedtimer": "0.0.1"}))
    elif make == "nested":
        index.write_text("[" * 100_000 + "]" * 100_000)
    elif make == "fifo":
        os.mkfifo(index)
    elif make == "zero":
        index.symlink_to("/dev/zero")
    else:
        with index.open("wb") as fh:
            fh.truncate(MAX_INDEX_BYTES + 1)
    assert read_index(index) == {}
    if make in ("fifo", "zero"):
        index.unlink()
    r, entries = run(folder, index)
    assert r.read == 3 and [e.name for e in entries] == ["Preset 0", "Preset 1", "Preset 2"]
    assert len(read_index(index)) == 3


def test_index_is_written_whole_and_leaves_no_temporary_file(tmp_path):
    folder = folder_of(tmp_path, 5)
    cache = tmp_path / "cache"
    run(folder, cache / INDEX_FILE_NAME)
    assert [p.name for p in cache.iterdir()] == [INDEX_FILE_NAME]
    json.loads((cache / INDEX_FILE_NAME).read_text())


def test_an_unwritable_cache_folder_costs_nothing_but_speed(tmp_path):
    folder = folder_of(tmp_path, 2)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    r, entries = run(folder, blocker / INDEX_FILE_NAME)
    assert len(entries) == 2 and r.read == 2


def test_a_budget_lists_the_rest_from_their_first_lines(tmp_path):
    folder = folder_of(tmp_path, 4)
    index = tmp_path / INDEX_FILE_NAME
    r, entries = run(folder, index, budget_s=0.0)
    assert r.read == 0 and not any(e.checked for e in entries)
    assert [e.name for e in entries] == ["Preset 0", "Preset 1", "Preset 2", "Preset 3"]
    assert entries[0].category == "hills" and entries[0].tags == ("t",)
    assert not index.exists()  # nothing learnt, nothing written


RACE_DERIVED = (
    'name = "Race reps"\ncategory = "intervals"\n[[steps]]\nkind = "work"\nuntil = "lap"\n'
    'distance_m = 400\ntarget_pace = "5k"\n[[steps]]\nkind = "rest"\nduration = 60\n'
)


def test_the_index_knows_which_presets_take_their_targets_from_the_race(tmp_path):
    """The index keeps whether a preset says "5k pace": a listing from the index alone then
    counts those reps for the runner's race (Catalog.for_race), as a full read would."""
    from speedtimer.core.paces import parse_race
    from speedtimer.formats.catalog import Catalog

    folder = folder_of(tmp_path, 1)
    (folder / "race.toml").write_text(RACE_DERIVED)
    index = tmp_path / "cache" / INDEX_FILE_NAME
    run(folder, index)
    again, entries = run(folder, index)
    assert again.read == 0  # from the index file
    by_name = {e.name: e for e in entries}
    race_reps, plain = by_name["Race reps"], by_name["Preset 0"]
    assert race_reps.race_derived and not plain.race_derived
    assert race_reps.total_label == "1:00 + 1 x 400 m" and race_reps.left_out
    catalog = Catalog(tuple(entries))
    counted = catalog.for_race(race_reps, parse_race("5k 20:00"))
    assert counted.total_label == "~2:36" and counted.is_estimate  # + 400 m at 4:00/km
    assert catalog.for_race(race_reps, None) is race_reps
    assert catalog.for_race(plain, parse_race("5k 20:00")) is plain


def test_an_index_from_before_race_derived_is_read_again(tmp_path):
    folder = folder_of(tmp_path, 3)
    index = tmp_path / "cache" / INDEX_FILE_NAME
    run(folder, index)
    data = json.loads(index.read_text())
    data["format"] = 2
    for row in data["entries"]:
        del row["race_derived"]
    index.write_text(json.dumps(data))
    again, _ = run(folder, index)
    assert again.read == 3
