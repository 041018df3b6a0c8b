"""Follow-ups resolve only what needs resolving: a self-contained question is never rewritten."""

from __future__ import annotations

import itertools

import pytest

from rag.query import analyse
from rag.types import Mention, Turn

ACTING = Turn(question="who is acting president?",
              answer="According to Yonhap, Deputy Prime Minister Choi Sang-mok has taken over as the acting president.",
              short_answer="Choi Sang-mok", entities=(Mention("Choi Sang-mok", "PERSON"),), date="2025-01-06")
INFLATION = Turn(question="What was the US inflation rate in June 2022?", short_answer="9.1%",
                 entities=(Mention("the Bureau of Labor Statistics", "ORG"),), date="2022-07-13")
TWITTER = Turn(question="Who agreed to buy Twitter?", short_answer="Elon Musk",
               entities=(Mention("Elon Musk", "PERSON"), Mention("Twitter", "ORG")), date="2022-04-25")
MIGRANTS = Turn(question="Where did the migrants land?", short_answer="Martha's Vineyard",
                entities=(Mention("Martha's Vineyard", "GPE"), Mention("Ron DeSantis", "PERSON")))

SELF_CONTAINED = [
    "How old was Jean-Luc Godard when he died?",
    "Which al Qaeda leader did the US kill in a drone strike?",
    "What did Ryan Reynolds' colonoscopy reveal?",
    "Who won the 2022 FIFA World Cup?",
    "Which Sri Lankan prime minister said the country is bankrupt?",
    "What did Tesla say about its quarterly deliveries?",
    "When did Queen Elizabeth II die, and how old was she?",
    "Who did Blinken meet in Seoul?",
    "What did North Korea launch into the East Sea?",
    "How many people did the storm kill in Florida?",
    # a pronoun that stands for the asked subject itself
    "Which airline said its pilots would strike?",
    "What tennis star announced her retirement on Friday?",
    "Who told reporters he would not run again?",
    "Which carmakers cut their forecasts this month?",
]

# A pronoun that is not the asked subject's still leans on the earlier turn.
LEANING = [
    "Which quarterback did he play with?",
    "Who paid him a courtesy call?",
    "Which of their players scored twice?",
    "Which team beat them in her last game?",
]


@pytest.mark.parametrize(("question", "earlier"), list(itertools.product(SELF_CONTAINED,
                                                                         [ACTING, INFLATION, TWITTER, MIGRANTS])))
def test_a_self_contained_question_is_searched_as_asked_after_any_turn(question, earlier):
    q = analyse(question, [earlier])
    assert q.search == q.text and not q.resolutions


@pytest.mark.parametrize("question", LEANING)
def test_a_pronoun_that_is_not_the_asked_subject_still_needs_the_earlier_turn(question):
    assert analyse(question).references


def test_first_question_is_never_rewritten():
    assert analyse("what position did he hold before?").search == "what position did he hold before?"


@pytest.mark.parametrize(("question", "expected"), [
    ("who paid him a courtesy call?", "who paid Choi Sang-mok a courtesy call?"),
    ("what position did he hold before?", "what position did Choi Sang-mok hold before?"),
    ("what is his job?", "what is Choi Sang-mok's job?"),
])
def test_a_person_pronoun_is_the_person_the_last_answer_was_about(question, expected):
    assert analyse(question, [ACTING]).search == expected


def test_the_short_answer_wins_over_other_people_the_answer_names():
    turn = Turn("Who agreed to buy Twitter?", short_answer="Elon Musk",
                entities=(Mention("Parag Agrawal", "PERSON"), Mention("Elon Musk", "PERSON")))
    assert analyse("How much did he offer?", [turn]).search == "How much did Elon Musk offer?"


@pytest.mark.parametrize(("question", "expected"), [
    # the same act, the pronoun its subject: the last question's subject
    ("Who did he meet next?", "Who did Joe Biden meet next?"),
    ("Where did he meet him?", "Where did Joe Biden meet Fumio Kishida?"),
    # another act: the person the answer gave
    ("What did he say?", "What did Fumio Kishida say?"),
    ("Who did Kishida's aide meet?", "Who did Kishida's aide meet?"),
])
def test_a_pronoun_doing_the_last_questions_act_is_its_subject(question, expected):
    """"Who did he meet next?" after "Who did Joe Biden meet in Tokyo?" (answered Fumio Kishida) keeps to the one who
    met: the same act in the same slot. Any other act's "he" is whom the answer was about."""
    turn = Turn("Who did Joe Biden meet in Tokyo?", short_answer="Fumio Kishida",
                entities=(Mention("Fumio Kishida", "PERSON"), Mention("Joe Biden", "PERSON")))
    assert analyse(question, [turn]).search == expected


def test_it_after_a_question_asking_a_figure_is_what_that_question_was_about():
    """"How much did Top Gun make?" asks a figure of a film: "it" is the film, not the studio its answer names;
    after "What is the average price of gas?", which names nothing, "it" is searched with that question."""
    film = Turn("How much did Top Gun: Maverick make over Memorial Day weekend?", short_answer="$151 million",
                entities=(Mention("Paramount", "ORG"),))
    assert analyse("Who stars in it?", [film]).search == "Who stars in Top Gun?"
    gas = Turn("What is the average price of a gallon of gas?", short_answer="$5", entities=(Mention("U.S.", "GPE"),))
    assert analyse("How high will it go?", [gas]).search == \
        "How high will it go? (What is the average price of a gallon of gas?)"


def test_the_company_and_it_mean_the_last_organisation():
    assert analyse("What did the company say about the deal?", [TWITTER]).search == \
        "What did Twitter say about the deal?"


def test_there_and_that_day_take_the_place_and_the_date():
    assert "Martha's Vineyard" in analyse("What happened there?", [MIGRANTS]).search
    assert "6 January 2025" in analyse("What happened that day?", [ACTING]).search


def test_a_chain_of_he_questions_stays_on_one_person():
    second = Turn("what position did he hold before?", short_answer=None,
                  entities=(Mention("Han Duck-soo", "PERSON"),))
    assert analyse("when did he take over?", [ACTING, second]).search == "when did Choi Sang-mok take over?"


def test_questions_alone_are_history_too():
    assert analyse("How old is he?", ["Who is Antony Blinken?"]).search == "How old is Antony Blinken?"


def test_an_ellipsis_asks_the_previous_question_of_a_new_subject():
    q = analyse("and what about Japan?", [Turn("Who is the foreign minister of South Korea?")])
    assert q.search == "Who is the foreign minister of Japan?" and q.answer_type.value == "person"


@pytest.mark.parametrize(("earlier", "question", "expected"), [
    ("Who won the 2022 FIFA World Cup?", "what about in 2018?", "Who won the 2018 FIFA World Cup?"),
    ("Who won the 2022 FIFA World Cup?", "what about 2014?", "Who won the 2014 FIFA World Cup?"),
    ("Which team won the 2022 NHL Stanley Cup Finals?", "What about 2021?",
     "Which team won the 2021 NHL Stanley Cup Finals?"),
    ("What was the US inflation rate in June 2022?", "and in July?", "What was the US inflation rate in July 2022?"),
    ("What was the US inflation rate in June?", "how about March?", "What was the US inflation rate in March?"),
    ("Who won the Tour de France?", "and in 2019?", "Who won the Tour de France in 2019?"),
])
def test_an_ellipsis_naming_a_calendar_period_asks_the_previous_question_of_that_period(earlier, question, expected):
    q = analyse(question, [Turn(earlier)])
    assert q.search == expected
    assert q.names_period and q.answer_type == analyse(expected).answer_type


@pytest.mark.parametrize("question", ["and last year?", "what about next week?", "and then?"])
def test_a_period_counted_from_an_unknown_day_is_no_ellipsis(question):
    """"Last year" counts from a day the follow-up does not give: the previous question is not rewritten with it;
    the fragment is searched with that question, as any fragment is."""
    earlier = "Who won the 2022 FIFA World Cup?"
    assert analyse(question, [Turn(earlier)]).search == f"{question} ({earlier})"


@pytest.mark.parametrize("question", ["by how many votes?", "and which countries?", "in which city?"])
def test_a_fragment_without_verb_or_subject_is_searched_with_the_question_that_set_the_topic(question):
    """The topic is the newest question with a subject of its own, as it was searched ("who did she beat?" was
    searched as "who did Liz Truss beat?")."""
    turns = [Turn("Who is the new UK prime minister?", short_answer="Liz Truss",
                  entities=(Mention("Liz Truss", "PERSON"),)),
             Turn("who did she beat?", query="who did Liz Truss beat?")]
    assert analyse(question, turns).search == f"{question} (who did Liz Truss beat?)"


def test_a_reference_no_turn_names_is_searched_with_the_question_that_set_the_topic():
    """Nobody in the inflation turn is a "she": the search carries that turn's question, so it finds the story,
    while the words an answer must match stay the reader's own."""
    q = analyse("what did she say?", [INFLATION])
    assert q.search == f"what did she say? ({INFLATION.question})"
    assert q.terms == analyse("what did she say?").terms


def test_the_topic_is_the_newest_earlier_question_with_a_subject_of_its_own():
    vague = Turn(question="And how did they react?")
    q = analyse("what did she say?", [INFLATION, vague])
    assert q.search == f"what did she say? ({INFLATION.question})"
    # None names its own: the last one, as it was searched, still says which story the reader is in.
    assert analyse("what did she say?", [Turn("How did they react?")]).search == \
        "what did she say? (How did they react?)"
    resolved = Turn("How did they react?", query="How did Sweden and Finland react?")
    assert analyse("what did she say?", [resolved]).search == "what did she say? (How did Sweden and Finland react?)"


def test_there_becomes_a_place_phrase():
    """"there" is an adverb: the resolved place reads as one ("rise in Sri Lanka", never "rise Sri Lanka")."""
    for question in ("How high will inflation rise there?", "How many people died there?", "Who won there?"):
        search = analyse(question, [MIGRANTS]).search
        assert "in Martha's Vineyard" in search and "there" not in search.split()


def test_there_is_the_place_the_reader_asked_about_before_any_the_answer_names():
    """With no place for a short answer, "there" is the place the last question named, not the first place its
    answer gives ("... flown from Texas to Sri Lanka ..."); a place in the short answer still comes first."""
    asked = Turn("Which governor flew migrants to Sri Lanka?", short_answer="Ron DeSantis",
                 entities=(Mention("Texas", "GPE"), Mention("Sri Lanka", "GPE"), Mention("Ron DeSantis", "PERSON")))
    assert "in Sri Lanka" in analyse("How many people did he fly there?", [asked]).search
    answered = Turn("Where did the governor fly migrants from Sri Lanka?", short_answer="Texas",
                    entities=(Mention("Sri Lanka", "GPE"), Mention("Texas", "GPE")))
    assert "in Texas" in analyse("How many people live there?", [answered]).search


def test_a_definite_noun_means_the_earlier_name_it_heads():
    """"the show" is the named show, "the summit" the named summit, whatever label the recogniser gave it."""
    for noun, name, label in (("show", "Super Bowl LVII Halftime Show", "EVENT"),
                              ("summit", "G7 Summit", "ORG"), ("festival", "Glastonbury Festival", "PERSON")):
        turn = Turn(f"Who will appear at the {name}?", entities=(Mention("Rihanna", "PERSON"), Mention(name, label)))
        assert analyse(f"Where will the {noun} take place?", [turn]).search == f"Where will {name} take place?"


def test_they_is_the_group_the_last_answer_gave():
    for short, other in (("Colorado Avalanche", "NHL"), ("Real Madrid", "UEFA")):
        turn = Turn("Which team won the final?", short_answer=short,
                    entities=(Mention(other, "ORG"), Mention(short, "ORG")))
        assert analyse("Which team did they beat?", [turn]).search == f"Which team did {short} beat?"


def test_an_ellipsis_with_its_own_asked_thing_keeps_the_rest_of_the_question():
    q = analyse("And how many NCAA championships?", [Turn("How many Olympic gold medals did Sue Bird win?")])
    assert q.search.lower() == "how many ncaa championships did sue bird win?"
    q = analyse("and which city?", [Turn("Which country did Blinken visit first?")])
    assert q.search.lower() == "which city did blinken visit first?"


@pytest.mark.parametrize(("earlier", "question", "expected"), [
    ("Who is South Korea's foreign minister?", "And the U.S. secretary of state?",
     "Who is the U.S. secretary of state?"),
    ("Who was Japan's prime minister?", "What about the German chancellor?", "Who was the German chancellor?"),
    ("What is the capital of Brazil?", "and the largest city of Argentina?",
     "What is the largest city of Argentina?"),
])
def test_an_ellipsis_naming_a_post_of_its_own_asks_for_that_post(earlier, question, expected):
    """The ellipsis replaces what was asked, owner and post together: never the old post with the new owner
    ("Who is U.S.'s foreign minister?")."""
    assert analyse(question, [Turn(earlier)]).search == expected


@pytest.mark.parametrize(("earlier", "question", "expected"), [
    ("Who is the president of France?", "And the prime minister?", "Who is the prime minister of France?"),
    ("What is the capital of Kenya?", "And the population?", "What is the population of Kenya?"),
])
def test_an_ellipsis_naming_a_post_without_an_owner_keeps_the_earlier_owner(earlier, question, expected):
    assert analyse(question, [Turn(earlier)]).search == expected


def test_a_who_question_is_asked_again_only_of_a_post_or_a_person():
    q = analyse("And the weather in Paris?", [Turn("Who is the mayor of London?")])
    assert not q.search.lower().startswith("who is the weather")


def test_an_ellipsis_is_typed_by_what_it_asks_not_by_the_earlier_question():
    """Whatever the switched question asks, it is understood as if asked in full: its asked noun and answer
    type are those of the resolved search, and only the reader's words are its text."""
    for question, earlier in (("And how many NCAA championships?", "How many Olympic gold medals did Sue Bird win?"),
                              ("and which city?", "Which country did Blinken visit first?"),
                              ("And who was the runner-up?", "Which team won the Stanley Cup in 2022?")):
        q = analyse(question, [Turn(earlier)])
        # A fragment searched with its topic ("... (Which team won ...?)") is typed by the reader's own words.
        full = analyse(question if q.search == f"{question} ({earlier})" else q.search)
        assert (q.text, q.answer_type, q.asked_noun, q.verb) == (question, full.answer_type, full.asked_noun,
                                                                 full.verb), q


def test_a_name_is_put_in_once_and_later_pronouns_read_as_written():
    for question, expected in (("How did he send his resignation?", "How did Elon Musk send his resignation?"),
                               ("Did he say his plan would work?", "Did Elon Musk say his plan would work?"),
                               ("What did he tell his staff?", "What did Elon Musk tell his staff?")):
        q = analyse(question, [TWITTER])
        assert q.search == expected and q.search.count("Elon Musk") == 1
        assert not q.references  # resolved, though written once


def test_the_deal_is_the_deal_the_reader_asked_about_before():
    """"the deal" after a turn about someone else is still the deal an earlier question spoke of."""
    turns = [Turn("Which airline announced a deal to buy Spirit Airlines?", short_answer="JetBlue Airways",
                  entities=(Mention("JetBlue Airways", "ORG"), Mention("Spirit Airlines", "ORG"))),
             Turn("who is its CEO?", short_answer="Robin Hayes", entities=(Mention("Robin Hayes", "PERSON"),),
                  query="who is JetBlue Airways's CEO?")]
    assert analyse("how much are the deals worth?", turns).search == "how much are JetBlue Airways's deals worth?"


def test_the_deal_is_the_deal_of_whom_the_last_answer_named():
    for question, expected in (("How much is the deal worth?", "How much is Elon Musk's deal worth?"),
                               ("When will the trial start?", "When will Elon Musk's trial start?"),
                               ("How much is the deal with Nike worth?", "How much is the deal with Nike worth?"),
                               ("What did the company say about the deal?", "What did Twitter say about the deal?")):
        assert analyse(question, [TWITTER]).search == expected
    assert analyse("How much was the deal worth?").search == "How much was the deal worth?"  # no earlier turn


@pytest.mark.parametrize(("earlier", "short", "question", "expected"), [
    # a client that kept only each turn's question and short answer: the short answer is of the asked kind
    ("who is acting president?", "Choi Sang-mok", "who paid him a courtesy call?", "who paid Choi Sang-mok a"),
    ("Who agreed to buy Twitter?", "Elon Musk", "how much did he offer?", "how much did Elon Musk offer?"),
    ("Which country won the World Cup?", "Argentina", "who is its captain?", "who is Argentina's captain?"),
    ("Which company recalled the swings?", "Fisher-Price", "when did it announce the recall?",
     "when did Fisher-Price announce the recall?"),
    # a list answer is all of the list
    ("Which two officials met in Seoul?", "Cho Tae-yul and Antony Blinken", "what did they discuss?",
     "what did Cho Tae-yul and Antony Blinken discuss?"),
    ("Which three companies bid for the contract?", "Google, Microsoft and Oracle", "how much did they bid?",
     "how much did Google, Microsoft and Oracle bid?"),
])
def test_a_short_answer_alone_is_a_name_of_the_kind_its_question_asked_for(earlier, short, question, expected):
    q = analyse(question, [Turn(question=earlier, short_answer=short)])
    assert q.search.startswith(expected), q.search


def test_a_short_answer_that_is_no_name_resolves_nothing():
    # a number or a date answers no "he" or "it"; the question that set the topic is searched instead
    q = analyse("when did he take office?", [Turn(question="How old is the president?", short_answer="79")])
    assert "79" not in q.search


@pytest.mark.parametrize(("earlier", "question", "expected"), [
    ("Where did Jennifer Lopez and Ben Affleck get married?", "When?",
     "When did Jennifer Lopez and Ben Affleck get married?"),
    ("When did the storm make landfall in Florida?", "and where exactly?",
     "Where did the storm make landfall in Florida?"),
    ("Why did Sri Lanka default on its debt?", "When?", "When did Sri Lanka default on its debt?"),
    ("What did Tesla say about its quarterly deliveries?", "How much?",
     "How much did Tesla say about its quarterly deliveries?"),
])
def test_a_question_word_alone_asks_the_previous_question_again(earlier, question, expected):
    q = analyse(question, [Turn(earlier)])
    assert q.search == expected and q.text == question
    assert q.answer_type == analyse(expected).answer_type  # typed by the new question word


@pytest.mark.parametrize("earlier", ["Who won the 2022 FIFA World Cup?", "Which team won the Stanley Cup?",
                                     "How many people did the storm kill in Florida?", "Who was impeached?",
                                     "What was announced on Monday?"])
def test_a_question_word_alone_is_not_forced_onto_a_question_without_that_form(earlier: str):
    """"When?" after "Who won ...?" has no "When won ...?" to ask, nor "Why?" after "How many people did the storm
    kill?": it is searched with the earlier question, never garbled."""
    q = analyse("When?", [Turn(earlier)])
    assert q.search == f"When? ({earlier})" and q.answer_type == analyse("When?").answer_type


@pytest.mark.parametrize(("earlier", "short", "label", "question", "expected"), [
    ("Which automaker recalled 2.9 million vehicles?", "Ford Motor Co", "ORG", "Why?",
     "Why did Ford Motor Co recall 2.9 million vehicles?"),
    ("Who was impeached?", "Donald Trump", "PERSON", "why?", "Why was Donald Trump impeached?"),
    ("Who won the Stanley Cup?", "Colorado Avalanche", "ORG", "and when?",
     "When did Colorado Avalanche win the Stanley Cup?"),
    ("Who will host the 2026 World Cup?", "Canada", "GPE", "where?", "Where will Canada host the 2026 World Cup?"),
])
def test_a_question_word_alone_after_a_question_of_its_subject_is_asked_of_the_answer(earlier, short, label, question,
                                                                                       expected):
    q = analyse(question, [Turn(earlier, short_answer=short, entities=(Mention(short, label),))])
    assert q.search == expected and q.answer_type == analyse(expected).answer_type


def test_a_count_alone_is_not_asked_of_the_answer():
    """"How many?" after "Which show got the most nominations?" asks how many nominations, not anything of the
    show: it is searched with the earlier question."""
    earlier = "Which show got the most nominations?"
    show = Turn(earlier, short_answer="Succession", entities=(Mention("Succession", "WORK_OF_ART"),))
    q = analyse("How many?", [show])
    assert q.search == f"How many? ({earlier})"


def test_an_ellipsis_asks_the_previous_question_as_it_was_searched():
    """"and in 2019?" after "who could replace him?" (searched with "him" resolved) keeps him resolved."""
    turns = [Turn("Who resigned as UK prime minister?", short_answer="Boris Johnson",
                  entities=(Mention("Boris Johnson", "PERSON"),)),
             Turn("who could replace him?", query="who could replace Boris Johnson?")]
    assert analyse("and in 2019?", turns).search == "who could replace Boris Johnson in 2019?"


def test_an_ellipsis_with_nothing_to_swap_still_resolves_its_references():
    turns = [Turn("Who resigned as UK prime minister?", short_answer="Boris Johnson",
                  entities=(Mention("Boris Johnson", "PERSON"),)),
             Turn("who could replace him?", query="who could replace Boris Johnson?")]
    assert analyse("what about his deputy?", turns).search == "what about Boris Johnson's deputy?"
    assert analyse("what about next week?", turns).search == "what about next week? (who could replace Boris Johnson?)"


@pytest.mark.parametrize("question", ["who is its CEO?", "what did its CFO say?", "who is their coach?"])
def test_a_post_alone_names_nobody_so_its_owner_still_needs_resolving(question):
    airline = Turn("Which airline agreed to buy Spirit Airlines?", short_answer="JetBlue Airways",
                   entities=(Mention("JetBlue Airways", "ORG"), Mention("Spirit Airlines", "ORG")))
    assert not analyse(question).names  # "CEO" is no name of its own ...
    assert "JetBlue Airways" in analyse(question, [airline]).search  # ... so whose post it is comes from the turn


COVID = Turn(question="Who announced that Biden tested positive?", short_answer="Karine Jean-Pierre",
             entities=(Mention("Karine Jean-Pierre", "PERSON"), Mention("Joe Biden", "PERSON")))


def test_a_pronoun_never_means_a_person_whose_first_name_it_cannot_stand_for():
    """"he" after an answer about the press secretary Karine Jean-Pierre and Joe Biden means Biden; "she" means her."""
    assert analyse("What drug is he taking?", [COVID]).search == "What drug is Joe Biden taking?"
    assert analyse("What did she say?", [COVID]).search == "What did Karine Jean-Pierre say?"
    # A name that says nothing (a surname alone, a name given to both) fits any pronoun.
    assert analyse("What did she say?", [ACTING]).search == "What did Choi Sang-mok say?"
    # Nobody fits: the question is searched with the one that set the topic, never with the wrong person.
    assert analyse("What did she say?", [TWITTER]).search == f"What did she say? ({TWITTER.question})"


def test_what_is_announced_or_said_is_an_act_never_a_place_or_a_company():
    """"When did he announce it?" after "Why did Boris Johnson resign?": "it" is the resignation, which no name of
    the last answer stands for; it is left as written, and "he" is resolved."""
    resign = Turn("Why did Boris Johnson resign?", entities=(Mention("London", "GPE"),
                                                              Mention("Conservative Party", "ORG")))
    assert analyse("When did he announce it?", [resign]).search == "When did Boris Johnson announce it?"
    assert analyse("What did it announce?", [TWITTER]).search == "What did Twitter announce?"  # "it" as the subject


def test_it_is_the_short_answer_when_that_is_a_thing_of_a_fitting_kind():
    school = Turn("Which school will eliminate student loans?", short_answer="Princeton University",
                  entities=(Mention("New Jersey", "GPE"), Mention("Princeton University", "ORG")))
    assert analyse("When does it start?", [school]).search == "When does Princeton University start?"


def test_the_answer_to_a_who_question_is_a_person_whatever_the_recogniser_labelled_it():
    """"he" after "Who won?" means the winner even when the recogniser took the name for an organisation."""
    turn = Turn("Who won the Colombian presidential election?", short_answer="Gustavo Petro",
                entities=(Mention("Gustavo Petro", "ORG"), Mention("Rodolfo Hernandez", "PERSON")))
    assert analyse("how old is he?", [turn]).search == "how old is Gustavo Petro?"


def test_an_ellipsis_opener_is_not_the_question_word_of_its_asked_phrase():
    """"what about the chancellor?" asks nothing with its "what": it never replaces the earlier question's
    "how many votes" ("by what about the chancellor?")."""
    turns = [Turn("Who is the new UK prime minister?", short_answer="Liz Truss",
                  entities=(Mention("Liz Truss", "PERSON"),)),
             Turn("by how many votes did she win?", query="by how many votes did Liz Truss win?")]
    assert "by what about" not in analyse("what about the chancellor?", turns).search


@pytest.mark.parametrize(("question", "expected"), [
    ("when is the funeral?", "when is Elizabeth II's funeral?"),
    ("where will the funeral be held?", "where will Elizabeth II's funeral be held?"),
    ("When is the funeral of Queen Elizabeth?", "When is the funeral of Queen Elizabeth?"),  # says whose
])
def test_an_event_the_conversation_is_about_is_that_persons(question, expected):
    turn = Turn("Who died at Balmoral?", short_answer="Elizabeth II",
                entities=(Mention("Elizabeth II", "PERSON"), Mention("Balmoral Castle", "ORG")))
    assert analyse(question, [turn]).search == expected


@pytest.mark.parametrize("question", ["who qualifies?", "what happened?", "Who won?", "when does it start?"])
def test_a_bare_verb_question_without_a_subject_is_searched_with_the_topic(question):
    earlier = "What did Biden announce about student loans?"
    q = analyse(question, [Turn(earlier)])
    assert q.search == f"{question} ({earlier})" and q.answer_type == analyse(question).answer_type


def test_what_happened_is_an_event_never_a_place_or_a_company():
    turn = Turn("What happened at the Super Bowl?", entities=(Mention("Los Angeles", "GPE"),
                                                             Mention("Super Bowl LVI", "EVENT")))
    assert analyse("when did it happen?", [turn]).search == "when did Super Bowl LVI happen?"
    place_only = Turn("Who won the election in California?", entities=(Mention("California", "GPE"),))
    assert "California happen" not in analyse("when did it happen?", [place_only]).search
