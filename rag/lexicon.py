"""Every English word list the library uses, once.

The language model (rag.nlp) finds names, dates and numbers and tags words; what it cannot know is
what a question *means* by its words: that "which leader" asks for a person, that "the company"
points back at a named organisation, that "this week" asks for the latest news. Those are lists of
English words, and they all live here so that no module keeps a private copy of months or titles.
All entries are lower case unless a comment says otherwise.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: ignored as search terms and as the content of a question.
STOPWORDS = _words("""
a an and are as at be been but by can could did do does for from had has have he her his how i if in
into is it its me my no not of on or our she so than that the their them then there these they this to
up was we were what when where which who whom whose why will with would you your about after before
over under again also any all just more most other some such only own same very s t now
""")

# Words that open a phrase, never a name: "Another Truss ..." is a sentence opening, not a person.
DETERMINERS = _words("another every each both either neither this that these those some any")

# The question words, and the auxiliaries that follow one in a question ("when did ...", "where is ...").
QUESTION_WORDS = _words("who whom whose what which when where why how")
AUXILIARIES = ("did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could",
               "should")
# What a reader may add to a bare question word: "and where?", "when exactly?", "how many?"
BARE_QUESTION_OPENERS = ("and", "but", "so")
BARE_QUESTION_TAILS = ("exactly", "then")
HOW_WORDS = ("many", "much", "long", "old", "often")  # "how many", "how old": one question word

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)
# Words that put a sentence's event after the report: "will", "is set to", "next", "plans to", "scheduled".
FUTURE_MARKERS = ("will", "shall", "'ll", "’ll", "set to", "due to", "plan to", "plans to", "planning to", "scheduled",
                  "expected to", "next", "upcoming", "going to")
# Verbs that put the act they govern ahead ("expected to hit", "scheduled for Friday", "set to visit").
FUTURE_VERBS = _words("expect schedule set plan due aim intend prepare")
# Auxiliaries of a past form: "has said", "was killed", "did not".
PAST_AUXILIARIES = _words("did has had have was were")
# The words between "of" and the noun a number is a part of: "12 of the last 13 competitions".
PART_OF_DETERMINERS = ("the", "its", "his", "her", "their", "these", "those", "last", "past", "first", "next")
# Days the calendar names: a date answer in their words names its day ("Christmas", "the Fourth of July").
HOLIDAYS = ("christmas", "thanksgiving", "easter", "halloween", "new year", "independence day", "fourth of july",
            "memorial day", "labor day", "labour day", "valentine", "hanukkah", "ramadan", "diwali", "boxing day")
# Months as datelines abbreviate them ("Sept. 19"); kept apart from CALENDAR_WORDS, since "Jan" is also a name.
MONTH_ABBREVIATIONS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
MONTH_NAMES = {**{m[:3]: m for m in MONTHS}, "sept": "september"}  # "dec" -> "december"

# Titles and the words that make them up ("Deputy Prime Minister", "U.S. Secretary of State"): dropped in front of a
# name when the name stands in for a pronoun, and never a person's name themselves.
TITLE_WORDS = _words("""
acting interim former deputy vice prime minister president secretary foreign defense defence interior finance trade
state chancellor governor mayor senator sen. rep. representative judge justice chief king queen prince princess pope
dr. mr. mrs. ms. general gen. ceo chairman chairwoman chairperson chair speaker commissioner attorney ambassador
director leader spokesperson spokesman spokeswoman envoy premier president-elect sheriff coach officer lt. col. capt.
sgt. sir dame lord lady minority majority whip executive head
""")
# Nouns that name a post someone holds ("who is the foreign minister?").
ROLE_NOUNS = _words("""
minister secretary president chairman chairwoman chairperson chair chief head director leader ceo executive governor
commander mayor premier chancellor king queen monarch emperor speaker coach manager captain commissioner
administrator dean ruler pope editor principal boss founder owner spokesperson spokesman spokeswoman ambassador envoy
lawyer attorney doctor physician judge prosecutor cfo coo cto mvp
""")
# Nouns that ask for someone by their office ("which official ...?", "which head of state ...?"): the answer names
# the office too.
OFFICE_NOUNS = _words("official officeholder head leader politician lawmaker legislator statesman")
# The small words inside a title or between a title and its holder: "Secretary of State", "Minister for the Economy",
# "designed by Jean Louis".
TITLE_JOINS = _words("of the for by")
# The endings of a noun naming whoever does something ("designer", "inventor", "novelist"), asked like a post:
# "Who was the designer of the gown?" is answered by the one the sentence gives that role ("designed by ...").
DOER_SUFFIXES = ("er", "or", "ist")
# Country names that are also common first names: "Jordan" tagged as a person may well be one.
COUNTRIES_ALSO_NAMES = _words("jordan chad georgia")
# The words that may stand between a name and the post given to it after it: "Choi has taken over as the acting
# president", "Miller, the spokesperson", "Smith, who was named the new coach".
ROLE_LINKS = _words("""is was are were has have had been be will would become becomes became take takes taken took
over as the a an his her their its our new now also currently still then named appointed elected chosen sworn in serve
serves served serving who and to of""")
# A post news names in other words: "Who is Biden's doctor?" -> "Dr. Kevin O'Connor, the president's physician".
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "doctor": ("physician", "dr"), "physician": ("doctor", "dr"), "lawyer": ("attorney", "counsel"),
    "attorney": ("lawyer", "counsel"),
}
# "Who heads / leads / runs X?" (present tense) asks who holds a post, not about an act.
ROLE_VERBS = _words("head lead run chair direct manage govern helm oversee command coach captain rule")

# What the noun after "which"/"what" asks for. Keys are lemmas; see rag.query.AnswerType.
PERSON_NOUNS = _words("""
head person people man woman boy girl child player athlete star actor actress singer rapper musician artist director
author writer poet journalist reporter anchor host comedian celebrity politician leader candidate lawmaker senator
official officer minister president secretary governor mayor king queen prince princess monarch ruler dictator judge
justice lawyer attorney prosecutor suspect victim hostage soldier general commander coach manager ceo founder
billionaire entrepreneur executive scientist doctor astronaut pilot driver champion winner nominee contestant
spokesperson spokesman spokeswoman ambassador envoy pope bishop activist businessman businesswoman heir son daughter
wife husband mother father brother sister designer chef quarterback pitcher golfer tennis boxer swimmer
mp legislator congressman congresswoman representative frontbencher backbencher chancellor premier chairman
chairwoman commissioner sheriff aide adviser advisor staffer diplomat spy detective firefighter referee umpire
footballer cricketer striker goalkeeper batter sprinter runner skater gymnast cyclist jockey wrestler fighter
teammate opponent rival challenger successor predecessor owner boss tycoon mogul magnate investor banker economist
professor researcher teacher student nurse surgeon physician survivor witness defendant plaintiff inmate prisoner
detainee gunman shooter attacker assassin killer murderer terrorist militant rebel veteran hero icon legend
influencer dancer drummer guitarist vocalist composer conductor producer filmmaker screenwriter novelist playwright
presenter commentator pundit columnist editor photographer architect engineer inventor explorer mountaineer
duke duchess earl lord lady emperor empress sultan sheikh emir heiress grandson granddaughter grandmother
grandfather nephew niece cousin uncle aunt twin sibling partner girlfriend boyfriend fiance fiancee spouse widow
celeb protagonist character villain
""")
ORG_NOUNS = _words("""
company firm business brand retailer chain store restaurant airline automaker carmaker bank lender insurer network
channel broadcaster studio label publisher newspaper magazine agency organization organisation group party union
team club league university college school hospital charity court committee council ministry department government
administration military army navy police church band startup manufacturer maker supplier platform service app
streamer exchange fund federation association
supermarket grocer carrier operator provider developer regulator watchdog institute institution foundation
corporation conglomerate outlet tabloid website railway railroad utility coalition alliance bloc cartel gang
parliament congress senate legislature cabinet franchise
""")
# Places, and the finer kind each noun asks for ("which country" is answered by a country, not its capital).
COUNTRY_NOUNS = _words("country nation")
US_STATE_NOUNS = _words("state")
CITY_NOUNS = _words("city town village capital")
FACILITY_NOUNS = _words("park stadium venue arena airport port site building bridge street school campus landmark "
                        "attraction monument museum palace castle cathedral tower resort hotel prison zoo mall theater "
                        "theatre gallery temple mosque highway canal")
NATURE_NOUNS = _words("river lake sea ocean mountain volcano desert island continent peninsula bay gulf")
REGION_NOUNS = _words("region area")
PLACE_NOUNS = COUNTRY_NOUNS | US_STATE_NOUNS | CITY_NOUNS | FACILITY_NOUNS | NATURE_NOUNS | REGION_NOUNS | _words(
    "province territory county district neighborhood neighbourhood place location area border")
# What a name ending in one of these is: an honour, not a person ("Ted Lindsay Award", "Hart Trophy").
AWARD_WORDS = _words("award awards prize trophy medal cup")
# Verbs whose subject is an event ("when did it happen?"), never a place or a company.
HAPPEN_VERBS = _words("happen occur take unfold erupt")
EVENT_NOUNS = _words("event tournament championship festival ceremony election race game match war summit conference "
                     "competition contest award awards prize storm hurricane disaster")
WORK_NOUNS = _words("show series film movie documentary book novel song album play musical episode game podcast "
                    "painting sculpture opera")
PRODUCT_NOUNS = _words("product phone device car vehicle model drug vaccine medicine pill treatment aircraft plane "
                       "jet ship satellite rocket telescope weapon missile food drink pastry sandwich burger dish "
                       "snack dessert toy")
# The kind of thing a name names, shared by many names of that kind ("Hart Trophy", "Vezina Trophy"): a name is not
# mentioned by another that shares only these (rag.abstain.missing_names).
NAME_HEADS = _words("trophy cup prize award awards medal series championship championships tournament bowl games "
                    "festival summit conference")
# Nouns for a law ("which law did Biden sign?"): answered by the recogniser's LAW names.
LAW_NOUNS = _words("law act legislation statute treaty amendment")  # not "bill": also a sum
# "What is the name of X?" asks for an X.
NAME_NOUNS = _words("name identity")
PERCENT_NOUNS = _words("percent percentage rate share proportion")
MONEY_NOUNS = _words("price cost amount sum fine fee salary budget deal bill value revenue profit loss debt fund "
                     "funding bail ransom reward")
# Verbs after "how much" that ask for a sum of money ("how much was he fined?", "how much will it pay?").
MONEY_VERBS = _words("pay cost spend raise earn worth charge sell buy owe fine donate invest lend borrow bid offer "
                     "award")
DATE_NOUNS = _words("year day date month week time decade century season")
# Nouns after which/what that ask for a count or a measured figure ("what was the magnitude", "which figure").
NUMBER_NOUNS = _words("number amount total count figure magnitude tally")
# Nouns that ask for a share of something ("what percent of cases ...?"), unlike a rate or a change.
SHARE_NOUNS = _words("percent percentage share proportion fraction")
# Kinds of points a figure means nothing without ("raised rates by 75 basis points").
POINT_KINDS = _words("basis percentage")
# Comparatives after a figure: "30% more transmissible" compares, it is no share of anything (rag.short_answer).
COMPARATIVES = _words("more less fewer higher lower greater smaller bigger larger faster slower cheaper costlier")
# Nouns for a count's size or change, which a figure after "of" gives for whatever is counted ("a toll of 73").
CHANGE_NOUNS = _words("toll estimate average increase rise gain drop decline fall jump loss growth surge high low "
                      "record peak maximum minimum")
# A compound modifier naming a measure makes the compound a class of that measure, not a named thing: "which age
# group" asks for an age range, not an organisation; "which price range", "which weight class".
MEASURE_MODIFIERS = _words("age price income size weight height time date number")
DURATION_NOUNS = _words("long")  # "how long"
# "How <adjective>" questions that ask for a quantity with a unit.
QUANTITY_ADJECTIVES = _words("far big large high tall deep heavy wide fast hot cold")

# Words before a title that say its holder no longer holds it.
FORMER_WORDS = _words("former ex late then previous outgoing ousted impeached")
# The words that report someone taking a post: "has taken over as the acting president", "was sworn in as ...".
TOOK_POST_WORDS = ("as", "became", "become", "becomes", "named", "appointed", "elected", "sworn in as")
# Verbs that end a holder's time in a post, said right after the name: "Prime Minister Mahinda Rajapaksa resigned".
DEPARTURE_WORDS = _words("resigned resigns quit quits ousted fired impeached removed died dies")

# Pronouns that point back at something said before, by the kind of thing they can mean.
MALE_PRONOUNS = _words("he him his himself")
FEMALE_PRONOUNS = _words("she her hers herself")
PERSON_PRONOUNS = MALE_PRONOUNS | FEMALE_PRONOUNS
GROUP_PRONOUNS = _words("they them their theirs themselves")
THING_PRONOUNS = _words("it its itself")
PLACE_WORDS = _words("there")
# "that day", "that week", "the same day", "then": a time an earlier answer gave.
TIME_REFERENCE_NOUNS = _words("day week weekend month year time morning night evening")
DEMONSTRATIVES = _words("that those same")  # "this week" is the as-of week, not an earlier turn's
# Definite noun phrases that stand for something named before: "the company", "the country".
GENERIC_NOUNS = ORG_NOUNS | PLACE_NOUNS | WORK_NOUNS | PRODUCT_NOUNS | EVENT_NOUNS

# Definite nouns for what an earlier turn was about that name no entity of their own ("how much is the deal
# worth?" after a question about a player's contract): the deal of whom the last answer named.
TOPIC_NOUNS = _words("""deal contract extension agreement trial lawsuit settlement visit trip merger acquisition
takeover purchase sale offer bid proposal plan ruling verdict decision investigation probe funeral wedding election
summit hearing ceremony talks speech tour concert strike launch""")

# Words that open a sentence by pointing back at something the sentence before named ("She was 96.").
BACK_POINTERS = PERSON_PRONOUNS | GROUP_PRONOUNS | THING_PRONOUNS | _words("we our this these")

# Openers that keep the previous question but change its subject ("and what about Japan?").
SWITCH_OPENERS = ("what about", "how about", "and what about", "and how about", "what of", "and")

# Verbs of saying: "what did X say/tell/announce?" asks for reported words.
SPEECH_VERBS = _words("say tell announce reveal claim state write tweet declare explain warn")
# Words and phrases in evidence that report speech.
REPORTING_WORDS = _words("""said says say told tells announced announces announcing announcement stated statement
declared wrote writes tweeted revealed explained added claimed claims warned noted insisted reported reports""")
# Forms of reporting verbs that do an act when an act's noun is their object ("Albanese claimed victory", "Williams
# announced her retirement"); "claims the retailer cut it" and "said the ..." only report (rag.short_answer).
ACTING_REPORTS = _words("claimed claims announced announces declared revealed")
ACT_OBJECTS = _words("victory responsibility credit retirement resignation candidacy engagement bid departure win")
POSSESSIVE_DETERMINERS = _words("his her its their")
# The forms that follow a speaker directly ("Miller said", "she told"): a name before one is who spoke.
SPEAKER_VERB_FORMS = ("said", "says", "told", "announced", "wrote", "added", "warned")
# Evidence that states a cause or purpose ("why ...?").
CAUSE_MARKERS = ("because", "due to", "owing to", "as a result", "result of", "thanks to", "caused by", "blamed",
                 "citing", "amid", "in order to", "so that", "in an effort to", "aimed at", "reason", "after",
                 "following", "over his", "over her", "over its", "over their", "over the", "over a", "over alleged",
                 "to protest", "to avoid", "to help", "to prevent", "to stop")
# Ages: "91", "a 33-year-old", "18 months old"; no one in the news is older than this.
AGE_UNITS = _words("year years month months week weeks day days")
# Words that make a span of years an age ("children ages 5 to 11", "5-year-olds", "aged 12"), not a date or how long.
AGE_WORDS = _words("age ages aged old olds")
OLDEST_AGE = 130

# "How long is the bridge?" asks for a length, which news gives with one of these units ("18-foot-long", "1.2 miles").
LENGTH_UNITS = _words("""foot feet ft inch inches yard yards mile miles meter meters metre metres km kilometer
kilometers kilometre kilometres centimeter centimeters cm""")

# "two weeks after X" dates something; it does not explain it.
SPAN_UNITS = _words("seconds minutes hours days weeks months years decades")

# "Who won ...?" may be answered by a team, a company or a country as well as a person.
CONTEST_VERBS = _words("win beat defeat lose top clinch capture claim buy acquire sue")

# Verbs news uses for one act ("who broke the record?" / "he smashed two world records"): a question's verb is
# reported by any verb of its group. Only verbs that are rarely anything else: "top", "edge", "name" and "better"
# are more often nouns and adjectives ("the top seed") and would report acts that are not there.
SAME_ACTS: tuple[frozenset[str], ...] = (
    _words("break smash shatter eclipse surpass"),
    _words("beat defeat overcome rout"),
    _words("kill assassinate murder slay"),
    _words("buy acquire purchase acquisition takeover sale"),
    _words("arrest detain"),
    _words("fire dismiss sack oust"),
    _words("appoint nominate"),
    _words("replace succeed"),
    _words("sue lawsuit"),
    _words("win victory victorious triumph"),
)

# Copulas and auxiliaries: "who is ...?" asks for an identity, not an act.
NOT_ACTS = _words("be do have will would can could should may might must shall")
# Light verbs ("who came to Seoul?") that news reports in other words ("arrived", "visited"): not an act to look for.
LIGHT_VERBS = _words("come go get")

# Irregular past forms -> base form (the stemmer cannot map "won" to "win").
IRREGULAR_VERBS = {
    "won": "win", "met": "meet", "told": "tell", "said": "say", "paid": "pay", "led": "lead", "took": "take",
    "taken": "take", "gave": "give", "given": "give", "made": "make", "ran": "run", "left": "leave",
    "held": "hold", "sold": "sell", "bought": "buy", "became": "become", "chose": "choose", "chosen": "choose",
    "fled": "flee", "struck": "strike", "got": "get", "went": "go", "gone": "go", "came": "come", "saw": "see",
    "seen": "see", "found": "find", "brought": "bring", "sent": "send", "spent": "spend", "built": "build",
    "lost": "lose", "fell": "fall", "fallen": "fall", "rose": "rise", "risen": "rise", "wrote": "write",
    "written": "write", "spoke": "speak", "spoken": "speak", "broke": "break", "broken": "break",
    "stole": "steal", "stolen": "steal", "drove": "drive", "driven": "drive", "shot": "shoot",
    "fought": "fight", "caught": "catch", "sought": "seek", "knew": "know", "known": "know", "grew": "grow",
    "grown": "grow", "threw": "throw", "thrown": "throw", "flew": "fly", "flown": "fly", "drew": "draw",
    "drawn": "draw", "wore": "wear", "worn": "wear", "sank": "sink", "beat": "beat", "beaten": "beat",
    "hit": "hit", "set": "set", "quit": "quit", "hung": "hang", "sat": "sit", "stood": "stand", "began": "begin",
    "begun": "begin", "swore": "swear", "sworn": "swear", "sang": "sing", "sung": "sing", "rode": "ride",
    "fed": "feed", "killed": "kill", "died": "die", "dead": "die", "death": "die",
}

# News copy often names countries by abbreviation; matched lower-cased with dots removed ("U.S." -> "us").
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "america": ("us", "united states", "american"),
    "united states": ("us", "america", "american"),
    "us": ("united states", "america", "american"),
    "britain": ("uk", "united kingdom", "british"),
    "united kingdom": ("uk", "britain", "british"),
    "uk": ("united kingdom", "britain", "british"),
    "england": ("uk", "english"),
    "holland": ("netherlands", "dutch"),
}

NUMBER_WORDS = _words("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million
billion trillion dozen""")
SCALE_WORDS = _words("thousand million billion trillion")
# Number words news writes for small numbers ("six months"), with their values.
SMALL_NUMBER_VALUES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split())}
# Words after a count that say what happened to the counted, not what they are ("37 died", "12 remain").
COUNT_VERBS = _words("died killed dead injured wounded remain remained missing left arrested were are")
# Words that qualify a title ("acting president", "deputy prime minister").
TITLE_MODIFIERS = ("acting", "interim", "deputy", "vice", "prime", "foreign", "defense", "defence", "finance",
                   "interior", "trade", "chief", "executive", "general")

# Prepositions that place a name inside a longer phrase ("officials in Virginia"). Not "from" or "of": "a report
# from Bank of America claims" names its source.
PLACE_PREPOSITIONS = _words("in at near outside inside across throughout")
# Families of counted things news words differently ("how many customers" -> "2.5 million residences and
# businesses"): a count of one member may answer a question about another.
COUNTED_FAMILIES: tuple[frozenset[str], ...] = (
    _words("customer residence home household business user subscriber account consumer client"),
    _words("people person resident citizen civilian inhabitant individual adult"),
    _words("soldier troop service member personnel"),
    _words("job position role post"),
)
# Plurals that do not begin with their singular ("31 men" counts the asked "man"; "feet" is a unit already).
IRREGULAR_PLURALS = {"men": "man", "women": "woman", "mice": "mouse", "geese": "goose", "teeth": "tooth",
                     "lice": "louse", "oxen": "ox", "dice": "die"}
# Signs written before a sum of money ("$12,600,000", "£3m").
CURRENCY_SIGNS = frozenset("$€£¥₩₹")
# Units of measure after a number: "2.5 million residences" counts residences, "3 miles" measures a distance.
UNIT_WORDS = _words("""percent mile kilometer kilometre meter metre foot feet inch yard acre hectare pound ton tonne
kilogram kg gram ounce gallon liter litre barrel degree point dollar cent euro yen pound mph km""")

# Words that may stand before a figure as part of it ("more than 1.9 million", "an estimated $4 billion"); any other
# word the recogniser puts in front ("a married couple $233,610") is not part of the amount.
AMOUNT_MODIFIERS = _words("""more less fewer than at least most nearly almost about around roughly approximately
some over under up to just only estimated record additional another a an""")

# A quiz's statement to judge, not a question: no answer type.
TRUE_OR_FALSE = ("true or false", "true/false", "fact or fiction")

# Plural number words say "many", not how many ("millions of swings were recalled").
VAGUE_COUNTS = _words("dozens hundreds thousands millions billions trillions several many few")

# Questions that ask for the latest news ("this week", "currently"); phrases, not single words like "new" or "now":
# "New York" and "now-defunct" are not cues. Each cue names the period the news it asks for lies in (see
# PERIOD_DAYS): "this week" is this week's news, so a 2016 report of another earthquake does not answer "Which
# country was shaken by an earthquake this week?"; "currently" and "latest" ask for the newest state of things,
# however old the newest report is ("now": no bound). The longest cue wins where cues overlap: "the most recent
# World Cup" is the latest one, not one of the last 60 days.
LATEST_CUES = {"this week": "week", "last week": "week", "this weekend": "week", "last weekend": "week",
               "today": "week", "tonight": "week", "yesterday": "week", "this morning": "week",
               "this past week": "week", "this past weekend": "week", "earlier this week": "week",
               "this month": "month", "earlier this month": "month",
               "recently": "recent", "recent": "recent", "in recent days": "recent", "in recent weeks": "recent",
               "this year": "year", "so far this year": "year", "earlier this year": "year",
               "this season": "season", "last season": "season",
               "latest": "now", "currently": "now", "right now": "now", "as of now": "now", "at the moment": "now",
               "these days": "now", "earlier this": "now", "this past": "now", "most recent": "now",
               "recent years": "now", "recent decades": "now", "recent history": "now", "recent months": "now"}
# How far before the as-of day each period reaches, in days ("year" is the as-of day's calendar year). A week's
# news reaches back two: a weekly quiz's "this week" and a reader's "last week" both do. Narrowest first: a
# question with two cues ("this week ... recent") asks for the narrower period.
PERIOD_DAYS = {"week": 14, "month": 31, "recent": 60, "season": 365}  # a sports season and the one before it
PERIODS = ("week", "month", "recent", "year", "season", "now")

# spaCy entity labels of names (a person, an organisation, a place, a work ...) and of places.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# A place named to say where another one is: "northwest of Denver", "near Kyiv", "outside Paris".
DIRECTION_WORDS = _words("north south east west northeast northwest southeast southwest northern southern eastern "
                         "western miles kilometers km outskirts")
NEAR_WORDS = _words("near outside nearby neighboring neighbouring")

# Conjunctions that open a sentence only to join it to the one before ("But the CEO said ..."); a quote that follows
# "According to X," drops them. Not "So" ("So far, ...") nor "Yet" ("Yet another storm ...").
JOINING_OPENERS = frozenset({"But", "And"})

# Labels before a link to another story that news pages set inline as a paragraph of their own ("More:Ned
# Eisenberg ... dead at 65", "VISUAL EXPLAINER: Go inside NASA's plan ...", "READ MORE: Why ...";
# rag.articles.linked_headline).
TEASER_LABELS = frozenset(label.strip() for label in (
    "more|related|read more|also read|read|see also|watch|video|videos|visual explainer|interactive|"
    "previously|opinion|fact check|review|analysis|live updates|podcasts|learn more|you may like|read this|"
    "read the whole story here|read the rest here|newsletter|sign up").split("|"))

# Agencies named in the datelines that open wire copy ("New York CNN —", "SEOUL, Jan. 6 (Yonhap) --"), which are
# never a headline nor an answer; longer names first, as alternatives of one pattern (rag.articles).
DATELINE_AGENCIES = ("CNN Business", "CNN", "Reuters", "AP", "AFP", "Yonhap", "Xinhua", "UPI", "Bloomberg", "dpa",
                     "Kyodo", "ANSA", "EFE", "PTI", "IANS", "ANI", "TASS", "AAP", "CNA", "NHK", "BBC")

# Frequent function words of other languages written in Latin script (language detection, rag.language).
FOREIGN_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "Spanish": _words("el la los las que de del es un una por para con qué quién cuándo dónde cómo cuál cuántos "
                      "fue está son y se su al lo como más pero"),
    "French": _words("le la les des que qui est une un du dans pour avec sur quel quelle quand où comment "
                     "combien et au aux ce sont pas ne"),
    "German": _words("der die das und ist nicht ein eine wer wie wann wo warum welche welcher mit von den dem "
                     "zu im auf für sich auch"),
    "Portuguese": _words("o os as que de do da dos das é um uma por para com quem quando onde como qual "
                         "quantos foi e não em no na"),
    "Italian": _words("il lo la gli le che di del della è un una per con chi quando dove come quale quanti "
                      "perché e non nel nella"),
    "Dutch": _words("de het een en van is dat wie wat wanneer waar hoe waarom welke niet met op voor zijn"),
}
ENGLISH_FUNCTION_WORDS = _words("""the a an of to in is are was were who what when where which why how did does do
has have had will would can could should that this these those and or for on at by with from about it he she they
his her their its be been being there than then as if not""")

# Country names as news writes them (lower case), for "which country" questions: a capital or a region is no answer.
COUNTRIES = frozenset(x.strip() for x in """
afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia, australia, austria,
azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan, bolivia,
bosnia and herzegovina, bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi, cabo verde, cambodia,
cameroon, canada, central african republic, chad, chile, china, colombia, comoros, congo, costa rica, croatia, cuba,
cyprus, czech republic, czechia, denmark, djibouti, dominica, dominican republic, ecuador, egypt, el salvador,
equatorial guinea, eritrea, estonia, eswatini, ethiopia, fiji, finland, france, gabon, gambia, georgia, germany,
ghana, greece, grenada, guatemala, guinea, guinea-bissau, guyana, haiti, honduras, hungary, iceland, india,
indonesia, iran, iraq, ireland, israel, italy, ivory coast, jamaica, japan, jordan, kazakhstan, kenya, kiribati,
kosovo, kuwait, kyrgyzstan, laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg,
madagascar, malawi, malaysia, maldives, mali, malta, marshall islands, mauritania, mauritius, mexico, micronesia,
moldova, monaco, mongolia, montenegro, morocco, mozambique, myanmar, burma, namibia, nauru, nepal, netherlands,
new zealand, nicaragua, niger, nigeria, north korea, north macedonia, norway, oman, pakistan, palau, palestine,
panama, papua new guinea, paraguay, peru, philippines, poland, portugal, qatar, romania, russia, rwanda,
saint kitts and nevis, saint lucia, samoa, san marino, saudi arabia, senegal, serbia, seychelles, sierra leone,
singapore, slovakia, slovenia, solomon islands, somalia, south africa, south korea, korea, south sudan, spain,
sri lanka, sudan, suriname, sweden, switzerland, syria, taiwan, tajikistan, tanzania, thailand, timor-leste, togo,
tonga, trinidad and tobago, tunisia, turkey, turkiye, turkmenistan, tuvalu, uganda, ukraine, united arab emirates,
uae, united kingdom, uk, britain, great britain, england, scotland, wales, united states, us, usa, america,
uruguay, uzbekistan, vanuatu, vatican, venezuela, vietnam, yemen, zambia, zimbabwe
""".split(","))
US_STATES = frozenset(x.strip() for x in """
alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida, georgia, hawaii, idaho,
illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland, massachusetts, michigan, minnesota,
mississippi, missouri, montana, nebraska, nevada, new hampshire, new jersey, new mexico, new york, north carolina,
north dakota, ohio, oklahoma, oregon, pennsylvania, rhode island, south carolina, south dakota, tennessee, texas,
utah, vermont, virginia, washington, west virginia, wisconsin, wyoming
""".split(","))
