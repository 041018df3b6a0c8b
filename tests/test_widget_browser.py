"""The embeddable widget in Debian chromium: a news site on another loopback origin embeds it with
one script tag (under hostile CSS); the empty panel offers example questions; an answer shows its short
answer and numbered citations that open the source with the supporting sentence marked; a follow-up is
resolved against the earlier turn; hostile article text stays text; a site not in the allow-list is told
it is not allowed (and the server logs the origin and the setting)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api_support import static_site
from tests.conftest import CORPUS, free_port, serve

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE = {"id": "hostile-1", "title": HOSTILE_TITLE, "source": "<b onmouseover=alert(3)>Harbour Post</b>",
           "url": "javascript:alert(2)", "date": "2025-03-07",
           "text": "The Riverton harbour authority opened a new ferry terminal on Friday, officials said. "
                   "The terminal will serve three routes across the bay."}
LINKED = {"title": "Riverton ferry fares to rise", "source": "Harbour Post", "date": "2025-03-10",
          "url": "https://harbourpost.example/2025/03/10/fares",
          "text": "Ferry fares in Riverton will rise by ten percent in April, the harbour authority said. "
                  "Season tickets are not affected."}

# Rules a careless or hostile host page might have; none may reach inside the widget.
HOSTILE_CSS = """
* { all: unset; color: red !important; font-size: 2px !important; font-family: serif !important; }
button { display: none !important; }
div, section, ol, li, a, input, form { visibility: hidden !important; opacity: 0 !important; }
body * { transform: scale(0.2) !important; }
"""


def host_page(api: str, css: str = "", extra: str = "") -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Example News</title>
<style>{css}</style></head><body>
<h1>Example News</h1><p>An article page of a news site that embeds the Q&amp;A widget.</p>
<script src="{api}/widget.js" data-api="{api}" data-title="Ask our archive" {extra} async></script>
</body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`rag serve` (corpus + one hostile article) allowing one host origin; two host sites: that one,
    and one on an origin the server does not allow."""
    home = tmp_path_factory.mktemp("widget-home")
    hostile_file = home.parent / "hostile.json"
    hostile_file.write_text(json.dumps([HOSTILE, LINKED]))
    allowed_port, refused_port = free_port(), free_port()
    env = {"RAG_ALLOWED_ORIGINS": f"http://127.0.0.1:{allowed_port}", "RAG_CHROMA_URL": "",
           "RAG_RATE_LIMIT_PER_MINUTE": "1000"}
    with serve(home, env=env, ingest=[str(CORPUS), str(hostile_file)]) as api:
        pages = {"/": host_page(api, HOSTILE_CSS), "/plain": host_page(api),
                 "/dark": host_page(api, "", 'data-theme="dark" data-placeholder="Ask us anything"'),
                 # The reader's page URL differs from the stored one in scheme, www. and trailing slash.
                 "/article": host_page(api, "", 'data-article="http://www.harbourpost.example/2025/03/10/fares/"')}
        with static_site(pages, allowed_port) as allowed, static_site(pages, refused_port) as refused:
            yield {"api": api, "allowed": allowed, "refused": refused, "log": home / "serve.log"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    p = context.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    yield p
    context.close()


def ask_widget(page, question: str):
    """Open the widget, ask, and wait until the answer (or an error) is final; return the answer box."""
    page.locator("newsrag-widget .fab").click()
    box = page.locator("newsrag-widget input")
    box.wait_for(state="visible")
    box.fill(question)
    box.press("Enter")
    answer = page.locator('newsrag-widget .a[aria-busy="false"]').last
    answer.wait_for(timeout=60_000)
    return answer


def test_host_page_embeds_the_widget_and_shows_the_cited_answer(page, site, screenshot_dir):
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, "who is acting president?")
    assert "Choi Sang-mok" in answer.inner_text()
    item = answer.locator("li").first
    text = item.inner_text()
    assert text.startswith("[1] Foreign Minister Cho Tae-yul") and "Yonhap" in text and "6 January 2025" in text
    page.screenshot(path=str(screenshot_dir / "widget-answer.png"))
    assert page.dialogs == []


def test_empty_panel_has_an_intro_and_example_questions_that_ask(page, site, screenshot_dir):
    page.goto(site["allowed"] + "/plain")
    page.locator("newsrag-widget .fab").click()
    chips = page.locator("newsrag-widget .ex button")
    chips.first.wait_for(timeout=30_000)
    served = httpx.get(site["api"] + "/api/examples", timeout=30).json()["examples"]
    shown = chips.all_inner_texts()
    assert 2 <= len(shown) <= 3 and shown == served[:3] and all(q.endswith("?") for q in shown)
    assert "Ask about the news in this archive" in page.locator("newsrag-widget .in").inner_text()
    page.screenshot(path=str(screenshot_dir / "widget-examples.png"))
    chips.first.focus()
    page.keyboard.press("Enter")  # a chip is a button: the keyboard asks it too
    answer = page.locator('newsrag-widget .a[aria-busy="false"]').last
    answer.wait_for(timeout=60_000)
    assert page.locator("newsrag-widget .q").inner_text() == shown[0]
    assert "Sorry" not in answer.inner_text()
    assert page.locator("newsrag-widget .in").count() == 0  # the intro makes way for the conversation


def test_citation_number_opens_the_source_with_the_sentence_marked(page, site, screenshot_dir):
    question = "who is acting president?"
    cited = httpx.post(site["api"] + "/api/ask", json={"question": question}, timeout=60).json()
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, question)
    assert answer.locator(".sa").inner_text() == cited["short_answer"] == "Choi Sang-mok"
    assert answer.locator(".sa").evaluate("e => getComputedStyle(e).fontWeight") == "700"
    passage = answer.locator("li blockquote").first
    assert passage.is_hidden()  # sources are compact until opened
    marker = answer.locator("p button.c", has_text="[1]").first
    assert marker.get_attribute("aria-label").startswith("Source 1: Foreign Minister Cho Tae-yul")
    marker.click()
    assert passage.is_visible()
    first = cited["citations"][0]
    assert passage.locator("mark").inner_text() == first["sentence"]
    assert first["sentence"] in passage.inner_text()
    assert answer.locator("li").first.evaluate("li => li.getRootNode().activeElement === li")  # focus followed
    assert answer.locator("li .n").first.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(screenshot_dir / "widget-citation-open.png"))
    answer.locator("li .n").first.click()  # the source's own number closes it again
    assert passage.is_hidden()


def test_follow_up_sends_the_earlier_turn_and_is_resolved(page, site):
    bodies = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/ask/stream")
            and r.method == "POST" else None)
    page.goto(site["allowed"] + "/plain")
    ask_widget(page, "who is acting president?")
    box = page.locator("newsrag-widget input")
    box.fill("what position did he hold before?")
    box.press("Enter")
    second = page.locator('newsrag-widget .a[aria-busy="false"]').nth(1)
    second.wait_for(timeout=60_000)
    assert bodies[0]["history"] == []
    (turn,) = bodies[1]["history"]
    assert turn["question"] == "who is acting president?" and turn["short_answer"] == "Choi Sang-mok"
    assert "Choi Sang-mok" in turn["answer"] and turn["date"] == "2025-01-06" and turn["query"]
    assert {"text", "label"} >= set((turn["entities"] or [{}])[0]) and isinstance(turn["entities"], list)
    assert "Searched: what position did Choi Sang-mok hold before?" in second.inner_text()
    assert "Deputy Prime Minister" in second.inner_text()


def test_notices_and_fallback_are_shown(page, site):
    """What the answer object says about how the question was handled reaches the reader (a canned /api/ask
    stream in our own schema: the offline server produces neither notices nor a fallback)."""
    done = {"question": "wer ist Präsident?", "answer": "According to Yonhap (6 January 2025), X [1].",
            "abstained": False, "short_answer": None, "scope": "archive", "query": "wer ist Präsident?",
            "notices": [{"code": "not_english", "message": "Questions are answered in English only."}],
            "fallback_reason": "timeout", "entities": [], "timings_ms": {},
            "citations": [{"n": 1, "doc_id": "d", "title": "T", "url": None, "date": "2025-01-06",
                           "source": "Yonhap", "text": "X said so.", "start": 0, "end": 10, "score": 0.5,
                           "sentence": "X said so.", "sentence_start": 0, "sentence_end": 10}]}
    stream = f"event: done\ndata: {json.dumps(done)}\n\n"
    page.route("**/api/ask/stream", lambda route: route.fulfill(
        status=200, body=stream, headers={"Content-Type": "text/event-stream",
                                          "Access-Control-Allow-Origin": site["allowed"]}))
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, "wer ist Präsident?")
    notes = answer.locator(".note").all_inner_texts()
    assert "Questions are answered in English only." in notes
    assert any("language model was not used (timeout)" in n for n in notes)


def test_hostile_host_css_leaves_the_widget_intact(page, site, screenshot_dir):
    page.goto(site["allowed"] + "/")
    fab = page.locator("newsrag-widget .fab")
    fab.wait_for(state="visible")
    box = fab.bounding_box()
    assert box["width"] >= 40 and box["height"] >= 30, box
    style = fab.evaluate("b => { const s = getComputedStyle(b); return [s.fontSize, s.color, s.display]; }")
    assert style[0] == "15px" and style[1] != "rgb(255, 0, 0)" and style[2] != "none", style
    answer = ask_widget(page, "who is acting president?")
    panel = page.locator("newsrag-widget .p")
    pbox = panel.bounding_box()
    assert pbox["width"] >= 300 and pbox["height"] >= 300, pbox
    size = answer.evaluate("a => getComputedStyle(a).fontSize")
    assert size == "15px" and answer.is_visible()
    # ...and the widget does not restyle the host page either.
    assert page.locator("h1").evaluate("h => getComputedStyle(h).fontSize") == "2px"
    page.screenshot(path=str(screenshot_dir / "widget-hostile-css.png"))


def test_an_article_cited_for_several_sentences_is_listed_once_with_a_number_for_each(page, site):
    question = "What is the alliance expected to do?"
    cited = httpx.post(site["api"] + "/api/ask", json={"question": question}, timeout=60).json()["citations"]
    docs = list(dict.fromkeys(c["doc_id"] for c in cited))
    assert len(cited) > len(docs), "the question must cite one article more than once for this test to mean anything"
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, question)
    items = answer.locator("li")
    assert items.count() == len(docs)
    for c in cited:
        item = items.nth(docs.index(c["doc_id"]))
        toggle = item.locator("button.n", has_text=f"[{c['n']}]")
        toggle.click()
        passage = item.locator(f"#{toggle.get_attribute('aria-controls')}")
        assert passage.is_visible() and passage.locator("mark").inner_text() == c["sentence"]
        assert toggle.get_attribute("aria-expanded") == "true"
    assert items.first.inner_text().count(cited[0]["title"]) == 1  # the headline once, not once per sentence


def test_hostile_article_text_is_shown_literally_and_runs_nothing(page, site, screenshot_dir):
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, "what did the Riverton harbour authority open?")
    item = answer.locator("li").first
    assert item.inner_text().startswith(f"[1] {HOSTILE_TITLE}")
    assert "<b onmouseover=alert(3)>Harbour Post</b>" in item.inner_text()
    # Shown as text: no element was created from it, and the javascript: URL is not a link.
    assert page.evaluate("document.querySelector('newsrag-widget').shadowRoot.querySelectorAll('img, b[onmouseover]')"
                         ".length") == 0
    assert item.locator("a").count() == 0
    item.hover()
    page.wait_for_timeout(300)
    assert page.dialogs == []
    page.screenshot(path=str(screenshot_dir / "widget-hostile-title.png"))


def test_origin_not_allowed_is_told_so_and_the_server_logs_the_fix(page, site, screenshot_dir):
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(site["refused"] + "/")
    page.locator("newsrag-widget .fab").click()
    # The empty panel already says so: the example questions could not be read from this origin.
    early = page.locator("newsrag-widget .in .er")
    early.wait_for(timeout=30_000)
    assert "not allowed to use the answer service" in early.inner_text()
    page.locator("newsrag-widget .fab").click()  # close; ask_widget opens it again
    answer = ask_widget(page, "who is acting president?")
    text = answer.inner_text()
    assert "not allowed to use the answer service" in text and site["refused"] in text
    assert "RAG_ALLOWED_ORIGINS" in text and "could not be reached" not in text and "Choi" not in text
    assert answer.get_attribute("role") == "alert"
    assert any(u.endswith("/api/ask/stream") for u in failed), failed
    # The API itself refused this origin (so the browser withheld the answer).
    pre = httpx.options(site["api"] + "/api/ask/stream", headers={
        "Origin": site["refused"], "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert "access-control-allow-origin" not in pre.headers
    # One line in the server's log names the origin and the setting, however often the page asked.
    refusals = [line for line in site["log"].read_text().splitlines() if site["refused"] in line]
    assert len(refusals) == 1 and "RAG_ALLOWED_ORIGINS" in refusals[0], refusals
    page.screenshot(path=str(screenshot_dir / "widget-refused-origin.png"))


def test_allowed_origin_check_is_open_and_says_allowed(site):
    ok = httpx.get(site["api"] + "/widget/origin", headers={"Origin": site["allowed"]}).json()
    assert ok == {"origin": site["allowed"], "allowed": True, "setting": "RAG_ALLOWED_ORIGINS"}
    refused = httpx.get(site["api"] + "/widget/origin", headers={"Origin": site["refused"]})
    assert refused.json()["allowed"] is False and refused.headers["access-control-allow-origin"] == "*"


def test_article_page_asks_its_article_first_and_links_citations(page, site):
    page.goto(site["allowed"] + "/article")
    answer = ask_widget(page, "by how much will fares rise?")
    assert "ten percent" in answer.inner_text() and "Not covered by this article" not in answer.inner_text()
    link = answer.locator("li a")
    assert link.get_attribute("href") == LINKED["url"] and link.inner_text() == LINKED["title"]
    assert answer.locator("li").first.inner_text().startswith(f"[1] {LINKED['title']}")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener noreferrer"
    box = page.locator("newsrag-widget input")
    box.fill("who is acting president?")
    box.press("Enter")
    second = page.locator('newsrag-widget .a[aria-busy="false"]').nth(1)
    second.wait_for(timeout=60_000)
    assert "Choi Sang-mok" in second.inner_text() and "Not covered by this article" in second.inner_text()


def test_not_found_state_and_keyboard(page, site):
    page.goto(site["allowed"] + "/plain")
    answer = ask_widget(page, "what is the boiling point of mercury on Mars?")
    assert "Not found in the archive" in answer.inner_text() and answer.locator("li").count() == 0
    page.keyboard.press("Escape")
    assert page.locator("newsrag-widget .p").is_hidden()
    fab = page.locator("newsrag-widget .fab")
    assert fab.get_attribute("aria-expanded") == "false"
    assert fab.evaluate("b => b.getRootNode().activeElement === b")  # focus went back to the button
    page.keyboard.press("Enter")  # the focused button reopens it
    assert page.locator("newsrag-widget .p").is_visible()
    assert page.locator("newsrag-widget .log").get_attribute("aria-live") == "polite"


def test_phone_width_and_dark_theme(browser, site, screenshot_dir):
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(site["allowed"] + "/dark")
        answer = ask_widget(page, "who is acting president?")
        assert "Choi Sang-mok" in answer.inner_text()
        assert page.locator("newsrag-widget input").get_attribute("placeholder") == "Ask us anything"
        pbox = page.locator("newsrag-widget .p").bounding_box()
        assert pbox["x"] >= 0 and pbox["x"] + pbox["width"] <= 375 and pbox["y"] >= 0, pbox
        bg = page.locator("newsrag-widget .p").evaluate("p => getComputedStyle(p).backgroundColor")
        assert bg == "rgb(28, 29, 33)", bg
        page.screenshot(path=str(screenshot_dir / "widget-phone-dark.png"))
    finally:
        context.close()


def test_embed_page_is_the_same_experience(page, site, screenshot_dir):
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(site["api"] + "/embed?title=Ask%20the%20Gazette")
    assert page.locator("newsrag-widget h2").inner_text() == "Ask the Gazette"
    box = page.locator("newsrag-widget input")
    box.fill("who is acting president?")
    box.press("Enter")
    answer = page.locator('newsrag-widget .a[aria-busy="false"]').last
    answer.wait_for(timeout=60_000)
    assert "Choi Sang-mok" in answer.inner_text() and answer.locator("li").count() >= 1
    assert csp_errors == []
    page.screenshot(path=str(screenshot_dir / "widget-embed.png"))


def test_api_docs_render_offline(page, site):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site["api"]) else None)
    page.goto(site["api"] + "/docs")
    page.locator("#swagger-ui .opblock-summary-path", has_text="/api/ask/stream").wait_for(timeout=30_000)
    assert outside == []
