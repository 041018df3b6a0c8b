"""Chat markup and behaviour without a browser: escaping, links, markers, states, control errors."""

from __future__ import annotations

from datetime import date

import pytest

from rag.types import Citation
from ui.chat_view import (
    DONE,
    ERROR,
    NOT_FOUND,
    ChatTurn,
    answer_html,
    card_html,
    days_before,
    log_html,
    passage_html,
    safe_url,
    stats_html,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def citation(**over) -> Citation:
    text = "First sentence here. Choi Sang-mok has taken over as the acting president. Last one."
    s = text.index("Choi")
    e = text.index("president.") + len("president.")
    base = dict(n=1, doc_id="d1", title="Title", url=None, date="2025-01-06", source="Yonhap", text=text,
                start=100, end=100 + len(text), score=0.71234, sentence=text[s:e], sentence_start=100 + s,
                sentence_end=100 + e)
    return Citation(**{**base, **over})


def test_article_text_is_escaped_everywhere():
    c = citation(title=HOSTILE, source="<b>src</b>", text="a <script>alert(1)</script> b", sentence="",
                 sentence_start=0, sentence_end=0, start=0, end=31)
    turn = ChatTurn(number=1, question=HOSTILE, query=HOSTILE, answer=f"{HOSTILE} [1].", citations=[c], state=DONE)
    out = log_html([turn])
    assert "<img" not in out and "<script" not in out and "<b>src" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


@pytest.mark.parametrize("url, ok", [
    ("https://example.com/a", True), ("http://example.com", True), ("javascript:alert(1)", False),
    ("data:text/html,<b>", False), ("/relative/path", False), ("", False), (None, False), ("https://", False),
])
def test_only_http_links(url, ok):
    assert (safe_url(url) is not None) == ok


def test_card_link_is_escaped_and_isolated():
    c = citation(url='https://example.com/?q="><img src=x>')
    out = card_html(ChatTurn(number=3, question="q"), [c])
    assert 'rel="noopener noreferrer"' in out and 'target="_blank"' in out
    assert '"><img' not in out and "&quot;&gt;&lt;img" in out
    assert 'id="src-3-1"' in out


def test_javascript_url_gives_no_link():
    out = card_html(ChatTurn(number=1, question="q"), [citation(url="javascript:alert(1)")])
    assert "javascript:" not in out and "<a " not in out


def test_markers_link_only_to_existing_cards():
    out = answer_html("Choi took over [1]. See also [7].", turn=2, cited={1})
    assert '<a class="cite" href="#src-2-1"' in out
    assert "[7]" in out and "#src-2-7" not in out


def test_cited_sentence_is_highlighted_inside_the_passage():
    out = passage_html(citation())
    assert '<mark class="cited-sentence">Choi Sang-mok has taken over as the acting president.</mark>' in out
    assert out.startswith("First sentence") and out.endswith("Last one.")


def test_long_passage_is_trimmed_around_the_sentence_at_word_boundaries():
    text = "word " * 200 + "The key sentence is here. " + "tail " * 200
    s = text.index("The key")
    c = citation(text=text, start=0, end=len(text), sentence="The key sentence is here.", sentence_start=s,
                 sentence_end=s + len("The key sentence is here."))
    out = passage_html(c)
    assert out.startswith("…word") and out.endswith("tail…")
    assert len(out) < 900


def _second(**over) -> Citation:
    """Another sentence of `citation()`'s passage: "Last one." """
    base = citation()
    s = base.text.index("Last one.")
    return citation(**{**dict(n=2, score=0.5, sentence="Last one.", sentence_start=base.start + s,
                              sentence_end=base.start + s + len("Last one.")), **over})


def test_one_card_per_article_with_every_cited_sentence_marked_and_linked():
    """Three citations, two from one article: two cards; the article's card names it once and marks both of its
    sentences, each the target of its own [n]; two sentences of one passage share one excerpt."""
    other = citation(n=3, doc_id="d2", title="Other report")
    turn = ChatTurn(number=4, question="q", answer="A [1]. B [2]. C [3].", state=DONE,
                    citations=[citation(), _second(), other])
    out = log_html([turn])
    assert out.count('<li class="card"') == 2 and out.count(">Title<") == 1
    for n in (1, 2, 3):
        assert f'href="#src-4-{n}"' in out and out.count(f'id="src-4-{n}"') == 1
    first = out[out.index('<li class="card"'):out.index('<li class="card"', out.index('<li class="card"') + 1)]
    assert first.count("<blockquote") == 1 and first.count('<mark class="cited-sentence"') == 2
    assert first.count("First sentence here.") == 1  # the passage's text is shown once, not once per sentence
    assert '<span class="card-n">1</span><span class="card-n">2</span>' in first
    assert "scores [1] 0.71, [2] 0.50" in first


def test_a_sentence_of_another_passage_of_the_article_gets_its_own_excerpt_in_the_same_card():
    near = citation()
    shift = 5000 - near.start  # the same text, as the article's passage starting at offset 5000
    far = citation(n=2, start=near.start + shift, end=near.end + shift, sentence_start=near.sentence_start + shift,
                   sentence_end=near.sentence_end + shift)
    out = card_html(ChatTurn(number=1, question="q"), [citation(), far])
    assert out.count("<blockquote") == 2 and 'id="src-1-1"' in out and 'id="src-1-2"' in out
    assert '<sup class="mark-n">1</sup>' in out and '<sup class="mark-n">2</sup>' in out  # each mark says its [n]


def test_a_citation_without_a_sentence_to_mark_is_still_a_target():
    bare = citation(n=2, sentence="", sentence_start=0, sentence_end=0)
    out = card_html(ChatTurn(number=1, question="q"), [citation(), bare])
    assert 'id="src-1-2"' in out and 'id="src-1-1"' in out


def test_days_before_the_question():
    assert days_before("2025-01-06", date(2025, 1, 9)) == "3 days before the question"
    assert days_before("2025-01-08", date(2025, 1, 9)) == "1 day before the question"
    assert days_before("2025-01-09", date(2025, 1, 9)) == "same day as the question"
    assert days_before("2025-01-06", None) is None
    out = card_html(ChatTurn(number=1, question="q", as_of=date(2025, 1, 9)), [citation()])
    assert "3 days before the question" in out and "score 0.71" in out and "6 January 2025" in out


def test_not_found_is_a_distinct_state_without_cards():
    turn = ChatTurn(number=1, question="q", answer="The articles do not contain an answer.", state=NOT_FOUND)
    out = log_html([turn])
    assert 'data-state="not-found"' in out and 'class="not-found"' in out and "Not in the articles" in out
    assert "card" not in out and "answer-text" not in out


def test_short_answer_comes_first():
    turn = ChatTurn(number=1, question="q", answer="Long answer [1].", short_answer="Choi Sang-mok",
                    citations=[citation()], state=DONE)
    out = log_html([turn])
    assert out.index("short-answer") < out.index("answer-text")


def test_error_state_shows_message_and_hint():
    turn = ChatTurn(number=1, question="q", state=ERROR, error="“As of” is not a date.", hint="Use YYYY-MM-DD.")
    out = log_html([turn])
    assert 'role="alert"' in out and "is not a date" in out and "YYYY-MM-DD" in out


def test_stats_line():
    assert "2 articles · 9 passages · newest 6 January 2025" in stats_html(
        {"articles": 2, "chunks": 9, "newest_date": "2025-01-06"})
    assert "archive is empty" in log_html([], {"articles": 0})


def test_finished_turn_shows_how_long_it_took():
    turn = ChatTurn(number=1, question="q", query="q", answer="a", state=DONE, seconds=0.314)
    assert "0.31 s" in log_html([turn])
    turn.state, turn.seconds = "answering", None
    assert " s</span>" not in log_html([turn])
