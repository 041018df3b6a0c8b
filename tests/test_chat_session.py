"""The chat's behaviour over the real pipeline (embedded store, real model), without a browser."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from ui.chat import ChatSession, history_of, parse_filters, parse_k
from ui.chat_view import ANSWERING, DONE, ERROR, NOT_FOUND


@pytest.fixture(scope="module")
def session(tmp_path_factory, embeddings):
    mp = pytest.MonkeyPatch()
    mp.setenv("RAG_HOME", str(tmp_path_factory.mktemp("chat-home")))
    from rag.pipeline import Pipeline

    pipe = Pipeline(embeddings=embeddings)
    assert pipe.ingest([str(CORPUS)], progress=False).ok
    yield ChatSession(pipe)
    mp.undo()


def run(session, question, turns=None, as_of="", date_from="", date_to="", sources=None, k=5):
    return list(session.respond(question, turns or [], as_of, date_from, date_to, sources or [], k))


def test_answer_streams_and_ends_done(session):
    steps = run(session, "who is acting president?")
    shown = [html for html, _, _ in steps]  # each yield is a snapshot of the transcript
    assert any(f'data-state="{ANSWERING}"' in h for h in shown[:-1])
    assert not any("Searched:" in h for h in shown)  # the question was searched as asked: nothing to show
    assert '<span class="filters">5 passages</span>' in shown[-1]  # a note in brackets only beside a search shown
    assert steps[0][2] == ""  # the question box is emptied at once...
    assert all(box != "" for _, _, box in steps[1:])  # ...and left alone while the answer streams
    html, turns, _ = steps[-1]
    assert turns[-1].state == DONE
    assert "Choi Sang-mok" in turns[-1].answer and turns[-1].citations
    assert 'href="#src-1-1"' in html and 'id="src-1-1"' in html


def test_follow_up_is_resolved_against_the_conversation(session):
    alone = run(session, "what position did he hold before?")[-1][1][-1]
    assert alone.state == NOT_FOUND  # without the conversation, "he" is nobody
    turns = run(session, "who is acting president?")[-1][1]
    html, turns, _ = run(session, "what position did he hold before?", turns)[-1]
    assert len(turns) == 2 and turns[1].number == 2 and turns[1].state == DONE
    assert turns[1].query == "what position did Choi Sang-mok hold before?"
    assert "Searched:" in html and "Choi Sang-mok hold before" in html
    assert '<span class="filters">(5 passages)</span>' in html
    assert any("Deputy Prime Minister Choi Sang-mok has taken over" in c.sentence for c in turns[1].citations)
    html, turns, _ = run(session, "who paid him a courtesy call?", turns)[-1]
    assert turns[2].state == DONE
    assert any("courtesy call on Choi" in c.sentence for c in turns[2].citations)


def test_not_found_state(session):
    turn = run(session, "What is the recipe for sourdough bread?")[-1][1][-1]
    assert turn.state == NOT_FOUND and not turn.citations


def test_bad_date_is_a_message_not_a_crash(session):
    html, turns, _ = run(session, "who is acting president?", as_of="2025-13-40")[-1]
    assert turns[-1].state == ERROR and "not a date" in turns[-1].error and "YYYY-MM-DD" in turns[-1].hint
    assert "Traceback" not in html


def test_as_of_filter_and_days_before(session):
    html, turns, _ = run(session, "who is acting president?", as_of="2025-01-09")[-1]
    assert turns[-1].state == DONE and "3 days before the question" in html
    turn = run(session, "who is acting president?", as_of="2024-12-01")[-1][1][-1]
    assert turn.state == NOT_FOUND  # the only article is newer than the as-of date


def test_date_range_filter(session):
    inside = run(session, "who is acting president?", date_from="2025-01-01", date_to="2025-01-31")[-1]
    assert inside[1][-1].state == DONE and "from 1 January 2025 to 31 January 2025" in inside[0]
    after = run(session, "who is acting president?", date_from="2025-02-01")[-1][1][-1]
    assert after.state == NOT_FOUND


def test_source_filter(session):
    assert run(session, "who is acting president?", sources=["Yonhap"])[-1][1][-1].state == DONE
    assert run(session, "who is acting president?", sources=["Nowhere Times"])[-1][1][-1].state == NOT_FOUND


def test_empty_question_changes_nothing(session):
    steps = run(session, "   ")
    assert len(steps) == 1 and steps[0][1] == []


def test_failed_turns_are_not_history(session):
    turns = run(session, "who is acting president?", as_of="nope")[-1][1]
    assert history_of(turns) == []


@pytest.mark.parametrize("args, message", [
    (("", "2025-02-01", "2025-01-01", []), "after “To”"),
    (("2025-01-01", "2025-02-01", "", []), "after “As of”"),
    (("", "01/02/2025", "", []), "not a date"),
])
def test_filter_errors_say_what_is_wrong(args, message):
    from rag.errors import InvalidQuestion

    with pytest.raises(InvalidQuestion, match=message):
        parse_filters(*args)


def test_k_bounds():
    from rag.errors import InvalidQuestion

    assert parse_k(7, 5) == 7 and parse_k(None, 5) == 5
    with pytest.raises(InvalidQuestion):
        parse_k(0, 5)
    with pytest.raises(InvalidQuestion):
        parse_k("many", 5)


def test_examples_follow_the_archive(session, tmp_path):
    from ui.chat import ExampleQuestions

    examples = ExampleQuestions(session.pipeline)
    before = examples.get(session.stats())
    assert before and before[0] == "Who is the acting president?"
    (tmp_path / "berlin.md").write_text("---\ntitle: Merz sworn in\ndate: 2025-05-06\nsource: DPA\n---\n"
                                        "Friedrich Merz was sworn in as chancellor of Germany on Tuesday.\n",
                                        encoding="utf-8")
    assert session.pipeline.ingest([str(tmp_path)], progress=False).ok
    after = examples.get(session.stats())
    assert after[0] == "Who is the chancellor of Germany?"  # the newest article leads
    assert "Who is the acting president?" in after


def test_clear_stops_an_answer_still_streaming(session):
    from types import SimpleNamespace

    me, other = SimpleNamespace(session_hash="me"), SimpleNamespace(session_hash="other")
    mine = session.respond("who is acting president?", [], "", "", "", [], 5, me)
    theirs = session.respond("who is acting president?", [], "", "", "", [], 5, other)
    next(mine), next(theirs)  # both questions are on screen, answers not yet
    session.clear(me)
    assert list(mine) == []  # nothing more is written into the cleared conversation
    assert list(theirs)[-1][1][-1].state == DONE  # another reader's answer is untouched
