"""Squad files: what a coach writes, what is refused (file, key path, why), what is saved."""

from __future__ import annotations

import pytest

from speedtimer.formats.squad import (
    DEFAULT_KEYS,
    RESERVED_KEYS,
    SquadError,
    find_squad,
    load_squad,
    parse_squad,
    save_squad,
    squad_from_dict,
)


def athletes(n: int, **extra) -> dict:
    return {"name": "Big", "athletes": [{"name": f"A{i}", **extra} for i in range(n)]}


def test_default_keys_are_digits_then_free_letters():
    squad = squad_from_dict(athletes(12))
    assert [a.key for a in squad.athletes] == [*"1234567890", "a", "c"]
    assert not set(DEFAULT_KEYS) & set(RESERVED_KEYS)
    assert len(DEFAULT_KEYS) >= 30, "every one of 30 athletes gets a key of their own"


def test_given_keys_are_kept_and_defaults_skip_them():
    squad = squad_from_dict(
        {"name": "S", "athletes": [{"name": "Ana"}, {"name": "Ben", "key": "1"}, {"name": "Cy"}]}
    )
    assert [(a.name, a.key) for a in squad.athletes] == [("Ana", "2"), ("Ben", "1"), ("Cy", "3")]


def test_thirty_athletes_all_on_distinct_keys_and_thirty_one_refused():
    squad = squad_from_dict(athletes(30))
    assert len({a.key for a in squad.athletes}) == 30
    with pytest.raises(SquadError, match=r"athletes: 31 athletes; a squad has at most 30"):
        squad_from_dict(athletes(31))


@pytest.mark.parametrize(
    ("toml", "where", "why"),
    [
        ('[[athletes]]\nname = "A"', "name", "missing"),
        ('name = "S"\n[[athletes]]\nname = "A"\nkey = "n"', "athletes[0].key", "reserved"),
        ('name = "S"\n[[athletes]]\nname = "A"\nkey = "X"', "athletes[0].key", "reserved"),
        ('name = "S"\n[[athletes]]\nname = "A"\nkey = " "', "athletes[0].key", "one letter"),
        ('name = "S"\n[[athletes]]\nname = "A"\nkey = "ab"', "athletes[0].key", "one letter"),
        ('name = "S"\n[[athletes]]\nname = "A"\nkey = 1', "athletes[0].key", "a number"),
        (
            'name = "S"\n[[athletes]]\nname = "A"\nkey = "4"\n[[athletes]]\nname = "B"\nkey = "4"',
            "athletes[1].key",
            "already the key of athletes[0] (A)",
        ),
        (
            'name = "S"\n[[athletes]]\nname = "Ana"\n[[athletes]]\nname = "ana"',
            "athletes[1].name",
            "names must differ",
        ),
        ('name = "S"\n[[athletes]]\nname = "A"\nrace = "5k soon"', "athletes[0].race", ""),
        ('name = "S"\n[[athletes]]\nname = "A"\nrcae = "5k 20:00"', "athletes[0].rcae", "race"),
        ('name = "S"\n[[athletes]]\nname = ""', "athletes[0].name", "empty"),
        ('name = "S"\nathletes = 3', "athletes", "list of tables"),
        ('name = "S\\u0001"', "name", "control"),
    ],
)
def test_bad_squads_say_file_key_path_and_why(tmp_path, toml, where, why):
    f = tmp_path / "squad.toml"
    f.write_text(toml)
    with pytest.raises(SquadError) as err:
        load_squad(f)
    text = str(err.value)
    assert text.startswith(f"{f}: {where}:"), text
    assert why in text


def test_not_toml_and_not_a_file_are_refused(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("name = ")
    with pytest.raises(SquadError, match="not valid TOML"):
        load_squad(f)
    with pytest.raises(SquadError, match="folder"):
        load_squad(tmp_path)


def test_save_round_trip_keeps_given_keys_only(tmp_path):
    text = (
        'name = "Tuesday"\n[[athletes]]\nname = "Ana"\nrace = "5k 19:57"\n'
        '[[athletes]]\nname = "Bé"\nkey = "z"\ngroup = "B"\nnote = "back from injury"\n'
    )
    squad = parse_squad(text)
    target = tmp_path / "squads" / "tuesday.toml"
    save_squad(squad, target)
    again = load_squad(target)
    assert [(a.name, a.key, a.race, a.group, a.note) for a in again.athletes] == [
        ("Ana", "1", "5k 19:57", "", ""),
        ("Bé", "z", "", "B", "back from injury"),
    ]
    assert 'key = "1"' not in target.read_text()


def test_find_by_name_stem_prefix_or_file_and_pick_who_is_here(tmp_path):
    config = tmp_path / "config"
    (config / "squads").mkdir(parents=True)
    (config / "squads" / "tue.toml").write_text(
        'name = "Tuesday group"\n[[athletes]]\nname = "Ana"\n[[athletes]]\nname = "Ben"\n'
        '[[athletes]]\nname = "Cy"\n'
    )
    (config / "squads" / "broken.toml").write_text("name = 3")
    assert find_squad(config, "tue").name == "Tuesday group"
    assert find_squad(config, "tuesday GROUP").name == "Tuesday group"
    assert find_squad(config, "Tuesday").name == "Tuesday group"
    assert find_squad(config, str(config / "squads" / "tue.toml")).name == "Tuesday group"
    with pytest.raises(SquadError, match="did you mean 'Tuesday group'"):
        find_squad(config, "Tusday group")
    squad = find_squad(config, "tue")
    assert [a.name for a in squad.pick("cy, Ana")] == ["Cy", "Ana"]
    assert [a.name for a in squad.pick(None)] == ["Ana", "Ben", "Cy"]
    with pytest.raises(SquadError, match="no athlete 'Bn'.*did you mean 'Ben'"):
        squad.pick("Bn")
