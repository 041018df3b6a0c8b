"""The language model: loaded from its package, offsets that slice the text, and the faster BLAS
ops giving the same entities as thinc's default ops."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.nlp import MODEL_PACKAGE, analyzer, link_people, person_name
from rag.sentences import split_sentences
from rag.types import Entity

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def corpus_sentences() -> list[str]:
    text = next(CORPUS.glob("*.md")).read_text(encoding="utf-8").split("---", 2)[-1]
    return [text[s:e] for s, e in split_sentences(text)]


def test_entity_offsets_slice_the_text_and_labels_are_ontonotes():
    sents = corpus_sentences()
    labels = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY",
              "PERCENT", "QUANTITY", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW", "LANGUAGE"}
    found = analyzer().entities(sents)
    assert len(found) == len(sents)
    assert sum(map(len, found)) > len(sents)  # news sentences are full of names and dates
    for text, ents in zip(sents, found, strict=True):
        for e in ents:
            assert 0 <= e.start < e.end <= len(text)
            assert text[e.start:e.end].strip() == text[e.start:e.end]
            assert e.label in labels


def test_blas_ops_change_nothing_but_speed():
    import importlib

    module = importlib.import_module(MODEL_PACKAGE)
    reference = module.load(exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "tok2vec"])
    sents = corpus_sentences()
    expected = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in reference.pipe(sents)]
    got = [[(e.start, e.end, e.label) for e in ents] for ents in analyzer().recognise(sents)]
    assert got == expected


def test_parse_gives_tokens_entities_and_noun_chunks():
    p = analyzer().parse("How old was Jean-Luc Godard when he died?")
    assert [p.entity_text(e) for e in p.entities if e.label == "PERSON"] == ["Jean-Luc Godard"]
    assert any(t.tag == "PRP" and t.text == "he" for t in p.tokens)
    assert all(p.text[t.start:t.end] == t.text for t in p.tokens)
    assert p.noun_chunks


def test_names_are_whole_and_a_person_is_linked_to_their_later_mentions():
    text = ("Acting President Han Duck-soo met Deputy Prime Minister Choi Sang-mok. "
            "Blinken paid a courtesy call on Choi. Han said the talks went well.")
    people = {text[e.start:e.end] for e in analyzer().entities([text])[0] if e.label == "PERSON"}
    assert {"Han Duck-soo", "Choi Sang-mok", "Choi", "Han"} <= people


def test_a_later_full_mention_the_model_missed_is_one_person_not_its_parts():
    """The model found the first "Jean-Luc Godard" and missed the second: linking gives the second whole, never as
    "Jean-Luc" and "Godard" side by side; a surname alone is still linked."""
    text = "Jean-Luc Godard has died. Jean-Luc Godard, photographed in the 1970s, was 91. Godard made Breathless."
    first = Entity(0, len("Jean-Luc Godard"), "PERSON")
    people = [text[e.start:e.end] for e in link_people(text, [first]) if e.label == "PERSON"]
    assert people == ["Jean-Luc Godard", "Jean-Luc Godard", "Godard"]


@pytest.mark.parametrize(("span", "name"), [
    ("Andrey Rublev 7-6", "Andrey Rublev"), ("Rafael Nadal 6-4, 6-2", "Rafael Nadal"),
    ("Serena Williams 2022", "Serena Williams"),
    ("Elizabeth II", "Elizabeth II"), ("Pope Benedict XVI", "Pope Benedict XVI"), ("John Smith Jr.", "John Smith Jr."),
    ("Jean-Luc Godard", "Jean-Luc Godard"),
])
def test_a_persons_name_never_ends_in_a_score_or_a_year(span, name):
    """The recogniser runs a name on into the figures after it ("beating Andrey Rublev 7-6 (3), ..."); a follow-up's
    "he" and a short answer read the name alone. Regnal numbers and suffixes stay."""
    assert person_name(span) == name
