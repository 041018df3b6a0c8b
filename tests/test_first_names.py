"""The first-name list: its format, and what it may and may not say about a name."""

from __future__ import annotations

from importlib.resources import files

import pytest

from rag.first_names import fits, gender_of


def test_the_list_has_its_version_line_licence_and_one_entry_per_line():
    text = files("rag").joinpath("data/first_names.txt").read_text(encoding="utf-8")
    assert text.startswith("# newsrag first names v1")
    entries = [line.split(" ") for line in text.splitlines() if not line.startswith("#")]
    assert len(entries) > 20_000 and all(len(e) == 2 and e[0] in ("f", "m") and e[1] == e[1].lower() for e in entries)
    assert "Permission is hereby granted" in files("rag").joinpath("data/first_names.LICENSE").read_text()


@pytest.mark.parametrize(("name", "gender"), [
    ("Karine Jean-Pierre", "f"), ("Joe Biden", "m"), ("Dr. Kevin O'Connor", "m"), ("President Liz Truss", "f"),
    # unknown: a surname alone, a name the sources give to both, a name they do not hold
    ("Watson", None), ("Biden", None), ("Jordan Peterson", None), ("Choi Sang-mok", None), ("", None),
])
def test_a_name_is_gendered_only_by_a_first_name_the_list_is_near_certain_of(name, gender):
    assert gender_of(name) == gender


def test_an_unknown_name_fits_every_pronoun_and_a_known_one_only_its_own():
    for pronoun in ("he", "him", "his", "she", "her", "they"):
        assert fits("Choi Sang-mok", pronoun)
    assert fits("Joe Biden", "his") and not fits("Joe Biden", "her") and fits("Joe Biden", "they")
