"""Loaders: every format, and every kind of bad input gets a message naming the file/line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from rag.articles import (
    Article,
    canonical_url,
    dateline_place,
    linked_headline,
    parse_date,
    strip_dateline,
    title_from_lead,
    title_from_url,
    without_galleries,
)
from rag.errors import LoadError
from rag.loaders import load_paths

SEED = Path(__file__).resolve().parents[1] / "corpus" / "2025-01-06-yonhap-cho-blinken-seoul-talks.md"


def _load(*paths):
    items = list(load_paths([str(p) for p in paths]))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, LoadError)]


def test_seed_article_front_matter_and_unchanged_body():
    (a,), errors = _load(SEED)
    assert not errors
    assert a.source == "Yonhap" and a.date == date(2025, 1, 6) and a.url is None and a.authors == ()
    assert a.doc_id == "yonhap-2025-01-06-000_6a7eddd672144986"
    assert a.text.startswith("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul")
    assert a.text.endswith("under the Biden administration. (Yonhap)")
    assert "Choi Sang-mok has taken over as the acting president." in a.text


def test_plain_text_without_front_matter_gets_title_from_lead(tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("Rain fell on Paris on Tuesday. Streets flooded.", encoding="utf-8")
    (a,), _ = _load(f)
    assert a.display_title == "Rain fell on Paris on Tuesday"
    assert a.doc_id.startswith("sha1:")


def test_long_lead_title_is_cut_at_a_word_boundary():
    lead = "Officials said " + "very " * 40 + "long sentence ends here."
    title = title_from_lead(lead)
    assert title.endswith("…") and len(title) <= 111
    assert lead.startswith(title[:-1])


def test_json_list_and_jsonl_fields_and_date_formats(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([
        {"id": "x1", "title": "T1", "body": "Body one is here.", "publish_date": "2022/06/12", "source": "CNN",
         "authors": ["A B"]},
        {"title": "T2", "content": "Body two is here.", "url": "https://edition.cnn.com/x/y/?q=1",
         "published": "2022-06-13T10:00:00Z"},
    ]), encoding="utf-8")
    arts, errors = _load(tmp_path / "a.json")
    assert not errors
    assert arts[0].doc_id == "x1" and arts[0].date == date(2022, 6, 12) and arts[0].authors == ("A B",)
    assert arts[1].doc_id == "https://cnn.com/x/y?q=1" and arts[1].date == date(2022, 6, 13)


def test_malformed_jsonl_line_is_reported_and_others_load(tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": "1", "text": "First article text."}\n{not json\n{"id": "3", "text": "Third."}\n'
                 '{"id": "4"}\n', encoding="utf-8")
    arts, errors = _load(f)
    assert [a.doc_id for a in arts] == ["1", "3"]
    assert [e.line for e in errors] == [2, 4]
    assert "b.jsonl:2" in str(errors[0]) and "malformed JSON" in str(errors[0])
    assert "no article text" in str(errors[1])


def test_non_utf8_unknown_extension_missing_path_and_empty_html(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 news".encode("latin-1"))
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "empty.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    arts, errors = _load(tmp_path / "latin.txt", tmp_path / "data.csv", tmp_path / "empty.html",
                         tmp_path / "missing.md")
    assert arts == []
    messages = " | ".join(str(e) for e in errors)
    assert "latin.txt: not valid UTF-8" in messages and "iconv" in messages
    assert "data.csv: unknown file type '.csv'" in messages
    assert "empty.html: no article text found" in messages
    assert "missing.md: no such file or folder" in messages
    assert all(e.hint for e in errors)


def test_html_article_extraction(tmp_path):
    para = ("The city council voted on Tuesday to approve a new budget for public libraries, "
            "expanding opening hours across all districts. ")
    page = f"""<html><head><title>Council backs library budget</title>
    <meta property="article:published_time" content="2024-03-05"></head>
    <body><nav>Menu Home Sports</nav><article><h1>Council backs library budget</h1>
    <p>{para * 3}</p><p>Officials said the plan would cost 2 million dollars over three years.</p></article>
    <footer>Copyright</footer></body></html>"""
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (a,), errors = _load(tmp_path / "page.html")
    assert not errors
    assert "Council backs library budget" in a.display_title
    assert "2 million dollars" in a.text and "Menu Home Sports" not in a.text
    assert a.text.startswith("The city council voted")  # the <h1> is the title, not repeated as the lead
    assert a.date == date(2024, 3, 5)


def test_folders_are_recursive_and_skip_hidden(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "x.md").write_text("Deep article text.", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "y.md").write_text("Hidden.", encoding="utf-8")
    arts, errors = _load(tmp_path)
    assert [a.text for a in arts] == ["Deep article text."] and not errors


def test_canonical_url_and_dates():
    assert canonical_url("http://www.cnn.com/a/b/index.html?x=1#f") == "https://cnn.com/a/b/index.html?x=1"
    assert parse_date("2022/06/16") == date(2022, 6, 16)
    assert parse_date(None) is None


# -- titles: page metadata, else the URL slug, else the lead sentence after its dateline ------------------
DATELINES = ["CNN —", "New York CNN —", "New York CNN Business —", "Colombo, Sri Lanka CNN —", "Reuters —",
             "SEOUL, Jan. 6 (Yonhap) --", "KYIV, Ukraine (AP) —", "LONDON, June 10 (Reuters) -", "WASHINGTON —",
             "New York (CNN Business)", "GENEVA (Swissinfo) —", "Le BOURGET, France –", "Hong Kong (CNNBusiness)",
             "New York (CNN Buiness)", "Hong Kong/New York (CNN Business)"]


@pytest.mark.parametrize("dateline", DATELINES)
@pytest.mark.parametrize("sep", ["\n\n", " "])
def test_lead_title_skips_the_dateline(dateline, sep):
    text = f"{dateline}{sep}Officials in the port city opened a new ferry terminal on Friday. It serves three routes."
    assert title_from_lead(text) == "Officials in the port city opened a new ferry terminal on Friday"
    assert strip_dateline(text).startswith("Officials in the port city")


@pytest.mark.parametrize("dateline", DATELINES)
def test_a_text_that_is_only_a_dateline_has_no_title(dateline):
    assert title_from_lead(dateline + "\n") == ""


@pytest.mark.parametrize(("dateline", "place"), [
    ("CNN —", None), ("Reuters —", None), ("(CNN)", None), ("(CNN Business)", None), ("New York CNN —", "New York"),
    ("New York CNN Business —", "New York"), ("Colombo, Sri Lanka CNN —", "Colombo, Sri Lanka"),
    ("SEOUL, Jan. 6 (Yonhap) --", "Seoul"), ("KYIV, Ukraine (AP) —", "Kyiv, Ukraine"),
    ("LONDON, June 10 (Reuters) -", "London"), ("WASHINGTON —", "Washington"), ("New York (CNN Business)", "New York"),
    ("GENEVA (Swissinfo) —", "Geneva"), ("SAN JUAN, Puerto Rico —", "San Juan, Puerto Rico"),
    ("CAPE CANAVERAL, Fla. –", "Cape Canaveral, Fla."), ("WASHINGTON, D.C. —", "Washington, D.C."),
    ("Le BOURGET, France –", "Le Bourget, France"), ("St. LOUIS —", "St. Louis"),
    ("Hong Kong (CNNBusiness)", "Hong Kong"), ("New York (CNN Buiness)", "New York"),
    ("Hong Kong/New York (CNN Business)", "Hong Kong/New York"),
])
def test_a_dateline_gives_the_place_the_report_was_filed_from(dateline, place):
    """The place of a dateline, written as a place is (not in the capitals of the dateline convention), without
    its agency or date; none when the dateline is only an agency."""
    text = f"{dateline} Officials in the port city opened a new ferry terminal on Friday."
    assert dateline_place(text) == place


@pytest.mark.parametrize("lead", ["Tesla Inc (TSLA) said on Monday it would cut jobs",
                                  "Barack Obama — the former president — spoke in Chicago",
                                  "AP-NORC poll finds most adults worry about prices",
                                  "The United States on Monday unveiled a new plan",
                                  "U.S. officials said on Monday - after a delay - that talks would resume"])
def test_a_lead_without_a_dateline_is_kept_whole(lead):
    assert title_from_lead(lead + ". More follows.") == lead
    assert strip_dateline(lead) == lead
    assert dateline_place(lead) is None


@pytest.mark.parametrize(("sentence", "headline"), [
    # a known label, glued to the link or not, in any case
    ("More:Ned Eisenberg, character actor, dead at 65", "Ned Eisenberg, character actor, dead at 65"),
    ("RELATED:10 Songs You Need to Hear Right Now", "10 Songs You Need to Hear Right Now"),
    ("VISUAL EXPLAINER: Go inside NASA's plan", "Go inside NASA's plan"),
    ("Read more: Why fighting climate change won't destroy the economy",
     "Why fighting climate change won't destroy the economy"),
    ("SPORTS NEWSLETTER:Sign up now for daily updates", "Sign up now for daily updates"),
    # another label only glued, in capitals or with a lower-case word
    ("Why she did it:Republican Rep. Liz Cheney is on track to lose", "Republican Rep. Liz Cheney is on track to lose"),
    ("THIS WEEK:K2, the brightest comet, will swing by Earth", "K2, the brightest comet, will swing by Earth"),
    # no link: a roundup's dateline, a speaker, a note, a colon in prose
    ("Salem:Amazon on Friday kicked off a hiring spree.", None),
    ("New York:Firefighters were treated for heat exhaustion.", None),
    ("PHILLIP: Mayor Buttigieg, another critical issue is nuclear weapons.", None),
    ("UPDATE: The size of the recall grew by 500,000 pounds.", None),
    ("The reason: prices rose faster than wages.", None),
    ("Officials said the terminal opens on Friday.", None),
])
def test_a_link_to_another_story_is_known_by_its_label(sentence, headline):
    """News pages set links to other stories inline, a label before the linked headline: the headline is what the
    sentence says; a colon that introduces a speaker, a note or a roundup's place is no link."""
    assert linked_headline(sentence) == headline


@pytest.mark.parametrize(("url", "title"), [
    ("https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html", "Squid game season 2"),
    ("https://www.usatoday.com/story/news/politics/2022/06/12/jan-6-hearings-what-to-know/7583491001/",
     "Jan 6 hearings what to know"),
    ("https://www.reuters.com/world/europe/ukraine-war-latest-2022-06-12/", "Ukraine war latest"),
    ("https://apnews.com/article/russia-ukraine-kyiv-8b0f3a1c2d4e5f6a7b8c9d0e", "Russia ukraine kyiv"),
    ("https://x.example/a/top-10-stories-of-2022", "Top 10 stories of 2022"),
    ("https://x.example/a/caf%C3%A9-owners-protest", "Café owners protest"),
    ("https://en.yna.co.kr/view/AEN20250106003351315", ""),
    ("https://x.example/news/12345.html", ""),
    ("https://x.example/", ""),
    (None, ""),
])
def test_title_from_url_slug(url, title):
    assert title_from_url(url) == title


def test_display_title_prefers_headline_then_slug_then_lead():
    text = "New York CNN —\n\n“Squid Game” is officially coming back. Netflix said so on Sunday."
    url = "https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html"
    assert Article(text=text, title="  Netflix green lights\n season 2 ", url=url).display_title == \
        "Netflix green lights season 2"
    assert Article(text=text, url=url).display_title == "Squid game season 2"
    assert Article(text=text, url="https://en.yna.co.kr/view/AEN2025").display_title == \
        "“Squid Game” is officially coming back"
    assert Article(text="CNN —\n\n").display_title == ""


# -- empty or useless files are failures, like an empty .md ------------------------------------------------
@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.jsonl", "", "the file is empty"),
    ("b.jsonl", "\n  \n\n", "the file is empty"),
    ("c.json", "", "the file is empty"),
    ("d.json", " \n", "the file is empty"),
    ("e.json", "[]", "the file holds no articles"),
    ("f.json", "{}", "the file holds an empty object"),
    ("g.md", "", "the article body is empty"),
])
def test_empty_files_fail_with_a_message(tmp_path, name, content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    arts, errors = _load(tmp_path / name)
    assert arts == [] and len(errors) == 1
    assert f"{name}: {message}" in str(errors[0]) and errors[0].hint


GALLERY = ("Photos: Nancy Pelosi's history with China Pelosi attends a session in May 2009. Hide Caption 1 of 3 "
           "Photos: Nancy Pelosi's history with China Pelosi speaks in Beijing in 1991. Hide Caption 2 of 3\n\n"
           "Photos: Nancy Pelosi's history with China Pelosi meets the Dalai Lama. Hide Caption 3 of 3")


@pytest.mark.parametrize("layout", ["{news}\n\n{gallery}", "{gallery}\n\n{news}", "{news} {gallery}\n\nMore news."])
def test_a_photo_gallery_never_reaches_the_article_text(layout):
    """However a page's extraction lays a gallery out, its captions (photos of past years) are not this report's news,
    and whatever else the article says is kept as written."""
    news = "House Speaker Nancy Pelosi landed in Taiwan on Tuesday."
    art = Article(text=layout.format(news=news, gallery=GALLERY))
    assert "Hide Caption" not in art.text and "2009" not in art.text and news in art.text
    assert without_galleries(art.text) == art.text  # idempotent: a re-ingest hashes the same


def test_a_video_players_teaser_never_reaches_the_article_text():
    news = "Mortgage rates jumped to nearly 6% this week."
    teaser = ("JUST WATCHED Record heat spreads to the East Replay More Videos ... MUST WATCH Record heat spreads "
              "to the East 02:21")
    for text in (f"{news}\n\n{teaser}\n\nAND FINALLY", f"{teaser}\n\n{news}"):
        art = Article(text=text)
        assert "WATCH" not in art.text and "Record heat" not in art.text and news in art.text


def test_an_article_that_is_only_a_gallery_is_kept_whole():
    assert Article(text=GALLERY).text == GALLERY
    assert Article(text="No gallery here. Photos: none.").text == "No gallery here. Photos: none."
