"""The web chat in a real browser (Debian chromium via Playwright) against `rag serve`.

One server for the module, over corpus/ plus a hostile article whose title is markup. Every page
records its requests (all must stay on 127.0.0.1) and any JavaScript dialog (none may open).
Screenshots of each state go to test-output/chat-*.png; timings to test-output/chat-timings.json.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import CORPUS, OUTPUT, serve

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_ARTICLE = f"""---
title: "{HOSTILE_TITLE}"
date: 2024-03-15
source: Harbour Gazette
---
The harbour lantern festival in Tromsø drew 12,000 visitors to the waterfront on Friday night.
Organisers said <script>alert(2)</script> the lantern parade will return next winter with more boats.
"""
CHOI_SENTENCE = "Deputy Prime Minister Choi Sang-mok has taken over as the acting president."
COURTESY_SENTENCE = "Blinken paid a courtesy call on Choi ahead of his talks with Cho."
FINISHED = "section.turn[data-state=done], section.turn[data-state=not-found], section.turn[data-state=error]"
TIMINGS: dict[str, list[dict[str, float]]] = {}

# Installed before the page's own scripts: note when Enter is pressed in the question box, when the
# first answer text appears and when the turn is finished, all on the page's performance.now() clock.
TIMER_JS = """
window.__chat = {marks: []};
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && e.target.closest && e.target.closest('#question')) {
    const n = document.querySelectorAll('#chat-log section.turn').length;  // the new turn's index
    window.__chat.marks.push({enter: performance.now(), turn: n, states: []});
  }
}, true);
new MutationObserver(() => {
  const m = window.__chat.marks[window.__chat.marks.length - 1];
  if (!m) return;
  const last = document.querySelectorAll('#chat-log section.turn')[m.turn];
  if (!last) return;
  const state = last.getAttribute('data-state');
  if (m.states[m.states.length - 1] !== state) m.states.push(state);
  if (m.searched === undefined && last.querySelector('.searched')) m.searched = performance.now();
  const text = last.querySelector('.answer-text, .not-found, .error-notice');
  if (m.first === undefined && text && text.textContent.trim()) m.first = performance.now();
  if (m.done === undefined && last.getAttribute('aria-busy') === 'false') m.done = performance.now();
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("chat-browser")
    extra = home / "hostile"
    extra.mkdir()
    (extra / "hostile-title.md").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    with serve(home / "rag", ingest=[str(CORPUS), str(extra)]) as url:
        yield url
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / "chat-timings.json"
    # Merge: a `-m benchmark` run adds its numbers next to those of the default run.
    summary = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for name, runs in TIMINGS.items():
        summary[name] = {"runs": runs, "median_first_text_ms": statistics.median(r["first_text_ms"] for r in runs),
                         "median_full_answer_ms": statistics.median(r["full_answer_ms"] for r in runs)}
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")


class Page:
    """A fresh browser page on the chat, with its requests and dialogs recorded."""

    def __init__(self, browser, url: str, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.add_init_script(TIMER_JS)
        self.page.goto(url)
        self.page.wait_for_selector("#question textarea", timeout=30_000)
        self.page.wait_for_selector("#chat-log .chat-log", timeout=30_000)

    def ask(self, question: str, timeout: float = 60_000, via_keyboard: bool = False) -> dict[str, float]:
        """Type the question, press Enter, wait for the turn to finish; return browser-side timings."""
        n = self.page.locator("#chat-log section.turn").count()
        box = self.page.locator("#question textarea")
        if via_keyboard:
            self.page.keyboard.type(question)
        else:
            box.fill(question)
        box.press("Enter")
        turn = self.page.locator("#chat-log section.turn").nth(n)
        turn.wait_for(timeout=timeout)
        self.page.wait_for_function(
            "n => { const t = document.querySelectorAll('#chat-log section.turn')[n];"
            " return t && t.getAttribute('aria-busy') === 'false'; }", arg=n, timeout=timeout)
        self.page.wait_for_function("() => { const m = window.__chat.marks.at(-1); return m && m.done; }",
                                    timeout=timeout)
        mark = self.page.evaluate("() => window.__chat.marks.at(-1)")
        self.states = mark["states"]  # every state the new turn showed, in order
        return {"first_text_ms": round(mark["first"] - mark["enter"], 1),
                "full_answer_ms": round(mark["done"] - mark["enter"], 1),
                "searched_ms": round(mark.get("searched", mark["done"]) - mark["enter"], 1)}

    def clear(self) -> None:
        """Select "Clear conversation" and wait until the server's reply has replaced the transcript
        (a question sent before that reply arrives would belong to the conversation being cleared).
        An empty transcript is left alone: clearing it would change nothing on the page to wait for."""
        if self.page.locator("#chat-log section.turn").count() == 0:
            return
        self.page.evaluate("() => { document.querySelector('#chat-log .chat-log').dataset.stale = '1'; }")
        self.page.locator("#clear").click()
        self.page.wait_for_function("() => { const log = document.querySelector('#chat-log .chat-log');"
                                    " return log && !log.dataset.stale; }")

    def turn(self, n: int):
        return self.page.locator(f"#turn-{n}")

    def shot(self, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"chat-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_clean(self) -> None:
        """No request left the machine, no dialog opened, no script error."""
        hosts = {urlsplit(u).hostname for u in self.requests if not u.startswith(("data:", "blob:"))}
        assert hosts <= {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"
        assert not self.errors, f"page errors: {self.errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def chat(browser, chat_url) -> Iterator[Page]:
    page = Page(browser, chat_url)
    yield page
    page.close()


def settle(page) -> None:
    """Wait until the page has not scrolled for ten animation frames."""
    page.evaluate("""() => new Promise(resolve => {
      let last = -1, same = 0;
      const tick = () => {
        if (scrollY === last) { if (++same > 10) return resolve(); } else { same = 0; last = scrollY; }
        requestAnimationFrame(tick);
      };
      tick();
    })""")


def record(name: str, timing: dict[str, float]) -> None:
    TIMINGS.setdefault(name, []).append(timing)
    print(f"{name}: first text {timing['first_text_ms']:.0f} ms, full answer {timing['full_answer_ms']:.0f} ms")


def test_page_basics(chat, chat_url):
    assert chat.page.title() == "newsrag — ask the news archive"
    icon = httpx.get(chat_url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    stats = chat.page.locator(".corpus-stats").inner_text()
    assert "2 articles" in stats and "newest 6 January 2025" in stats
    examples = chat.page.locator("#examples button")
    assert examples.count() >= 2 and examples.first.inner_text().strip().endswith("?")
    question = examples.first.inner_text().strip()
    examples.first.click()  # an example is asked at once
    chat.page.wait_for_selector("#turn-1[aria-busy=false]", timeout=60_000)
    assert chat.turn(1).locator(".question").inner_text().endswith(question)
    assert chat.turn(1).get_attribute("data-state") == "done"  # examples are answerable
    chat.check_clean()


def test_answer_streams_with_citation_card(chat):
    timing = chat.ask("who is acting president?")
    record("who is acting president?", timing)
    turn = chat.turn(1)
    assert turn.get_attribute("data-state") == "done"
    answer = turn.locator(".answer-text")
    assert "Choi Sang-mok" in answer.inner_text()
    assert "Searched:" not in turn.locator(".searched").inner_text()  # searched as asked: nothing to add
    marker = answer.locator("a.cite").first
    assert marker.inner_text() == "[1]"
    cited = chat.page.locator(marker.get_attribute("href"))  # the cited sentence, marked in its article's card
    assert cited.evaluate("el => el.matches('mark.cited-sentence')")
    assert cited.inner_text().strip() == CHOI_SENTENCE
    meta = turn.locator(".card", has=cited).locator(".card-meta").inner_text()
    assert "Yonhap" in meta and "6 January 2025" in meta and "score" in meta
    assert 0 < timing["first_text_ms"] <= timing["full_answer_ms"]
    # Streamed: the browser showed the question and the searched query before the finished answer.
    assert chat.states[-1] == "done" and len(chat.states) >= 2, chat.states
    chat.shot("answer")
    chat.check_clean()


def test_follow_up_uses_the_conversation(chat):
    chat.ask("who is acting president?")
    timing = chat.ask("what position did he hold before?")  # "he" is nobody without the conversation
    record("what position did he hold before? (follow-up)", timing)
    turn = chat.turn(2)
    assert turn.get_attribute("data-state") == "done"
    assert "what position did Choi Sang-mok hold before?" in turn.locator(".searched").inner_text()
    href = turn.locator(".answer-text a.cite").first.get_attribute("href")
    assert href.startswith("#src-2-")
    assert chat.page.locator(href).inner_text().strip() == CHOI_SENTENCE
    chat.ask("who paid him a courtesy call?")
    turn = chat.turn(3)
    assert turn.get_attribute("data-state") == "done"
    assert "Choi Sang-mok" in turn.locator(".searched").inner_text()
    cited = turn.locator(".card mark.cited-sentence").all_inner_texts()
    assert any(COURTESY_SENTENCE in s for s in cited), cited
    chat.shot("followup")
    chat.check_clean()


def test_not_in_the_articles(chat):
    timing = chat.ask("What is the recipe for sourdough bread?")
    record("unanswerable", timing)
    turn = chat.turn(1)
    assert turn.get_attribute("data-state") == "not-found"
    notice = turn.locator(".not-found")
    assert notice.is_visible() and "Not in the articles" in notice.inner_text()
    assert turn.locator(".card").count() == 0
    chat.shot("not-found")
    chat.check_clean()


def test_hostile_title_shows_as_text(chat):
    chat.ask("How many visitors did the harbour lantern festival in Tromsø draw?")
    turn = chat.turn(1)
    assert turn.get_attribute("data-state") == "done"
    title = turn.locator(".card .card-title").first
    assert title.inner_text() == HOSTILE_TITLE
    assert "<script>alert(2)</script>" in turn.locator(".card-passage").first.inner_text()
    assert chat.page.locator("#chat-log img").count() == 0
    assert chat.page.locator("#chat-log script").count() == 0
    assert "Harbour Gazette" in turn.locator(".card-meta").first.inner_text()
    chat.shot("hostile-title")
    chat.check_clean()  # includes: no dialog fired


def test_controls_as_of_bad_date_and_clear(chat):
    chat.page.locator("#as-of textarea, #as-of input").first.fill("2025-01-09")
    chat.ask("who is acting president?")
    assert "3 days before the question" in chat.turn(1).locator(".card-meta").first.inner_text()
    assert "as of 9 January 2025" in chat.turn(1).locator(".searched").inner_text()
    chat.page.locator("#as-of textarea, #as-of input").first.fill("2025-13-40")
    chat.ask("who is acting president?")
    err = chat.turn(2).locator(".error-notice")
    assert err.is_visible() and "not a date" in err.inner_text() and "YYYY-MM-DD" in err.inner_text()
    assert "Traceback" not in chat.page.locator("#chat-log").inner_text()
    chat.shot("controls")
    chat.clear()
    assert chat.page.locator("#chat-log section.turn").count() == 0
    assert chat.page.locator("#chat-log .intro").is_visible()
    chat.page.locator("#as-of textarea, #as-of input").first.fill("")
    chat.ask("who is acting president?")  # asking right after clearing starts a new conversation
    assert chat.turn(1).get_attribute("data-state") == "done"
    assert chat.page.locator("#chat-log section.turn").count() == 1
    chat.check_clean()


def test_phone_width_keyboard_only(browser, chat_url):
    phone = Page(browser, chat_url, width=390, height=844)
    try:
        page = phone.page
        for _ in range(6):  # keyboard only: Tab until the question box has focus
            page.keyboard.press("Tab")
            if page.evaluate("() => !!document.activeElement.closest('#question')"):
                break
        else:
            pytest.fail("the question box cannot be reached with Tab")
        timing = phone.ask("who is acting president?", via_keyboard=True)
        record("who is acting president? (phone, keyboard)", timing)
        assert phone.turn(1).get_attribute("data-state") == "done"
        assert page.evaluate("() => document.activeElement.closest('#question') !== null")  # focus stays
        phone.ask("what position did he hold before?", via_keyboard=True)
        assert phone.turn(2).get_attribute("data-state") == "done"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
        # Put the second answer's marker at the bottom edge, so its card (stacked below) is out of view,
        # then select the marker with the keyboard: the card must come into view and take the focus.
        marker = phone.turn(2).locator(".answer-text a.cite").first
        card_id = marker.get_attribute("href").removeprefix("#")
        settle(page)  # the chat scrolls the new turn into view smoothly; let that finish first
        marker.evaluate("el => el.scrollIntoView({block: 'end'})")
        settle(page)
        assert page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", card_id) > 844 - 5
        marker.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=card_id)
        page.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect();"
                               " return r.top >= 0 && r.bottom <= innerHeight + 1; }", arg=card_id)
        phone.shot("phone")
        phone.check_clean()
    finally:
        phone.close()


@pytest.mark.benchmark
def test_benchmark_question_to_answer(chat):
    """Ten questions in one page (desktop), cleared between runs: browser-side time to first text and
    to the finished answer. Run with -m benchmark; results land in test-output/chat-timings.json."""
    for _ in range(10):
        chat.clear()
        timing = chat.ask("who is acting president?")
        assert chat.turn(1).get_attribute("data-state") == "done"
        record("benchmark: who is acting president? x10", timing)
    chat.check_clean()
