"""Chunks are exact slices with sentence offsets, bounded by the model's token window."""

from __future__ import annotations

from rag.chunking import chunk_text
from rag.sentences import split_sentences


def words(texts):  # a real TokenCounter: whitespace tokens
    return [len(t.split()) for t in texts]


TEXT = ("Mr. Smith met Dr. Jones in the U.S. capital on Monday. They talked for an hour. "
        "The talks covered trade and security. A statement followed at 3 p.m. local time. "
        "Officials called the meeting productive.")


def test_sentences_keep_abbreviations_and_offsets():
    spans = split_sentences(TEXT)
    sents = [TEXT[s:e] for s, e in spans]
    assert sents[0] == "Mr. Smith met Dr. Jones in the U.S. capital on Monday."
    assert len(sents) == 5


def test_chunks_are_slices_with_overlap_and_bound():
    chunks = chunk_text(TEXT, words, max_tokens=16, overlap_sentences=1)
    assert len(chunks) >= 3
    for c in chunks:
        assert TEXT[c.start:c.end] == c.text
        assert sum(words([TEXT[s:e] for s, e in c.sentences])) <= 16 or len(c.sentences) == 1
        assert all(c.start <= s < e <= c.end for s, e in c.sentences)
    covered = {s for c in chunks for s in c.sentences}
    assert covered == set(split_sentences(TEXT))  # no sentence lost
    # overlap: consecutive chunks share a sentence where it fits
    assert any(set(a.sentences) & set(b.sentences) for a, b in zip(chunks, chunks[1:], strict=False))


def test_no_chunk_is_a_subset_of_the_previous_one():
    chunks = chunk_text(TEXT, words, max_tokens=12, overlap_sentences=1)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert not set(b.sentences) <= set(a.sentences)


def test_overlong_sentence_is_cut_into_windows():
    text = "word " * 100 + "end."
    chunks = chunk_text(text, words, max_tokens=30, overlap_sentences=0)
    assert len(chunks) >= 4
    assert all(len(c.text.split()) <= 30 for c in chunks)
    assert chunks[-1].text.endswith("end.")


def test_empty_text_has_no_chunks():
    assert chunk_text("   \n ", words) == []
