"""All settings in one place, read from the environment with the prefix RAG_.

Every knob the library reads lives here so that tests can isolate state with one
variable (RAG_HOME) and a deployment can be described by its environment alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

RetrieverMode = Literal["dense", "bm25", "hybrid"]
USER_AGENT = "newsrag/0.1 (news archive ingest; respects robots.txt)"


def default_home() -> Path:
    """The per-user data folder (~/.local/share/newsrag on Linux, ~/Library/Application Support/newsrag on macOS),
    so every `rag` command in every folder sees the same archive."""
    import platformdirs

    return platformdirs.user_data_path("newsrag", appauthor=False)


def _split_list(value: object) -> object:
    # "a, b" or "a b" (or a JSON list) -> ["a", "b"]: lists in the environment are plain text, not JSON.
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else value.replace(",", " ").split()
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Folder for the embedded Chroma store, its indexes "
                       "and the web fetch cache (default: the per-user data folder, see default_home).")
    chroma_url: str | None = Field(None, description="Chroma server URL, e.g. http://127.0.0.1:8000.")
    collection: str = Field("news", description="Collection name prefix inside Chroma.")
    model_path: Path | None = Field(None, description="Sentence-transformers model folder (default: bundled).")

    # Chunking: all-MiniLM-L6-v2 truncates at 256 word pieces; keep chunks well inside it.
    chunk_tokens: int = Field(200, ge=32, le=256)
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)

    ingest_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Number format of the model's forward pass at ingest. bfloat16 encodes ~1.7x faster on "
        "CPUs with native bfloat16 (AVX-512 BF16 or AMX), with vectors within cosine 0.9999 of float32's; auto "
        "uses it only there (elsewhere it would be emulated, and slower). Questions are always float32.")

    k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    retriever: RetrieverMode = "hybrid"  # won on hit@1 in the harness (eval/results/ablation.md)
    # Retrieval: candidates from each source, fused, re-ranked by their best sentence, de-duplicated.
    fusion: Literal["rrf", "weighted"] = Field("rrf", description="How hybrid mode fuses dense and BM25 lists.")
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Weight of the dense list in fusion (BM25: 1-w).")
    candidates: int = Field(30, ge=1, le=200, description="Passages taken from each retriever before re-ranking.")
    rescore_sentences: bool = Field(True, description="Re-rank candidates by their best sentence's evidence.")
    rescore_top: int = Field(15, ge=1, le=200, description="How many fused candidates are re-scored by sentence.")
    sentence_weight: float = Field(0.5, ge=0.0, le=1.0,
                                   description="Share of the best-sentence score in a re-ranked passage's score.")
    dedup: bool = Field(True, description="Collapse near-duplicate passages and diversify them (MMR).")
    dedup_threshold: float = Field(0.8, ge=0.0, le=1.0, description="Word-shingle Jaccard at which passages merge.")
    mmr_lambda: float = Field(0.75, ge=0.0, le=1.0, description="MMR: relevance vs novelty (1 = relevance only).")
    # Measured (eval/results/ablation.md): +6.7 points hit@1, +2 MC on RealTime QA with distractors. Chosen on
    # those same questions (no held-out split), so treat the gain as optimistic.
    recency_weight: float = Field(0.1, ge=0.0, le=1.0,
                                  description="Recency prior: score bonus for the newest passages (0 = off).")
    index_check_seconds: float = Field(0.0, ge=0.0, description="How long a process trusts its BM25/vector index "
                                       "before re-reading the store's write generation (writes by other processes "
                                       "show up within this time; writes through this process at once). "
                                       "0: check on every query, which also notices a store that went away.")
    compute_threads: int = Field(1, ge=1, le=256, description="torch/BLAS threads of a serving process (`rag "
                                 "serve`, `rag ask`, the harness's questions), set once at its start: small "
                                 "per-request work gains nothing from more, and spinning threads slow a busy CPU.")
    write_wait_seconds: float = Field(5.0, ge=0.0, le=3600.0, description="Embedded store: how long a writer "
                                      "waits for another process's write to finish before giving up with a "
                                      "message (a Chroma server takes several writers at once).")
    recency_half_life_days: float = Field(30.0, gt=0.0, description="Age at which the recency bonus halves.")
    # Chosen on RealTime QA's first 8 weeks (dev) and checked on the last 8 (held out), with distractors:
    # hit@1 dev 0.645 -> 0.789, held-out 0.685 -> 0.726 (eval/results/ablation.md).
    recency_latest_weight: float = Field(0.3, ge=0.0, le=1.0, description="Recency prior for questions that ask "
                                         "for the latest news (\"this week\", \"currently\", ...).")
    recency_latest_half_life_days: float = Field(14.0, gt=0.0, description="Its half-life in days.")
    # RealTime QA with all distractor pages, dev weeks: hit@5 0.878 -> 0.932 (7 days; 14: same, 30: 0.919).
    keep_to_period: bool = Field(True, description="Questions naming a period (\"this week\", \"recently\", \"this "
                                 "year\": rag.lexicon.LATEST_CUES) are answered only from reports of that period.")
    recent_window_days: int = Field(7, ge=0, le=365, description="For 'latest news' questions, also search "
                                    "the last N days before the as-of date (0 = off).")
    article_weight: float = Field(0.15, ge=0.0, le=1.0, description="Score bonus per unit of cosine similarity "
                                  "between the question and a passage's whole article (0 = off).")
    # Below this evidence score (without the answer bonus) the answerer says the articles do not hold the answer.
    # 0.35, since the bonus no longer counts towards it: on the RealTime QA dev weeks (gold articles) 0.4 -> 0.35
    # moved wrong abstentions 6.8% -> 1.4% and contains gold 0.595 -> 0.608 (held-out 1.4% -> 0%, 0.557 -> 0.571),
    # while the gold set keeps abstention recall 0.929 (0.3: 0.786) with no wrong abstention (eval/results/tuning.md).
    min_evidence: float = Field(0.35, ge=0.0, le=1.0)

    # Sentences near the best that hold an answer of the asked type (a person for "who") gain answer_bonus: quiz-style
    # questions paraphrase their answer's sentence minus the answer. The short answer is shown only when the evidence
    # agrees on it (rag.short_answer.confident): this share of the retrieved statements' weight behind it, or it is
    # the supporting sentence's only candidate and that sentence scores at least short_answer_score; both weigh the
    # sentences without the bonus, which would otherwise vouch for any candidate a second time.
    # Chosen together on the RealTime QA dev weeks, full distractor corpus (eval/results/tuning.md): bonus 0.1 -> 0.25
    # and short-answer score 0.55 -> 0.45 moved dev contains gold / short precision / coverage 0.703 / 0.900 / 0.405
    # -> 0.743 / 0.903 / 0.419; held-out 0.543 / 0.655 / 0.414 -> 0.586 / 0.667 / 0.429. No bonus for a sentence that
    # puts another name where the question has one (rag/scoring.py) changed none of those answers.
    answer_bonus: float = Field(0.25, ge=0.0, le=1.0, description="Score bonus of a sentence that holds an answer of "
                                "the asked type.")
    # The answerer adds answer_recency_weight * 0.5 ** (age / recency_half_life_days) to a sentence for choosing what
    # to quote (never as evidence): the retriever's prior ranks passages, but within them a years-old background
    # piece matching a few more of the question's words was quoted over this week's report. RealTime QA dev weeks,
    # full distractor corpus (eval/results/tuning.md): 0 -> 0.1 moved contains gold / short precision / coverage
    # 0.743 / 0.903 / 0.419 -> 0.743 / 0.909 / 0.446 (0.05 and 0.1 tie on dev, 0.2 loses contains gold); held-out
    # 0.586 / 0.667 / 0.429 -> 0.614 / 0.667 / 0.429. Half-lives 30 and 90 days tie on dev: it shares the 30.
    answer_recency_weight: float = Field(0.1, ge=0.0, le=1.0, description="Recency prior added to sentences when "
                                         "the answerer chooses what to quote (0 = off); never counted as evidence.")
    # The bold short answer reads as today's fact; from a report older than this before the as-of day (and a question
    # naming no period of its own) it is withheld, the dated sentence still quoted. RealTime QA dev weeks (full
    # corpus and the open set, eval/results/tuning.md), short precision / coverage: 0 -> 60 days moved full 0.914 /
    # 0.473 -> 0.941 / 0.459 and open 0.690 / 0.177 -> 0.741 / 0.165 (180 and 365 gain less); held-out full 0.677 /
    # 0.443 -> 0.700 / 0.429, open 0.579 / 0.257 -> 0.568 / 0.250 (together 43 of 69 right -> 42 of 67).
    short_answer_max_age_days: int = Field(60, ge=0, description="No short answer from a report older than this "
                                           "many days before the as-of day (0 = any age).")
    # A lone candidate in a well-matched sentence was shown even when the rest of the retrieved evidence put more of
    # its weight behind another name: the lead was a background mention. Only reports within
    # short_answer_max_age_days before the lead's may outvote it (the newest reporting wins over what it replaced).
    # Chosen by the objective in eval/results/tuning.md (the largest pooled dev coverage at short precision >= 0.90):
    # pooled dev 52/60 -> 45/49 right; held-out full 21/30 -> 15/20, open 21/37 -> 18/29.
    short_answer_rivals: bool = Field(True, description="Withhold a lone candidate's short answer when another "
                                      "candidate has more of the recent retrieved evidence behind it.")
    short_answer_support: float = Field(0.5, ge=0.0, le=1.0, description="Evidence share behind a short answer.")
    short_answer_score: float = Field(0.45, ge=0.0, le=2.0, description="Sentence score (without the answer bonus) at "
                                      "which a lone candidate is shown as the short answer.")

    max_question_chars: int = Field(1000, ge=10)

    # Generated answers (rag/llm.py): any OpenAI-compatible endpoint; unset = the extractive answerer alone.
    llm_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1 "
                                "(llama.cpp, vLLM, Ollama) or https://api.openai.com/v1; unset = extractive only.")
    llm_model: str | None = Field(None, description="Model name sent to the endpoint; unset = the first model "
                                  "its /models lists.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the endpoint (local servers need none).")
    llm_timeout: float = Field(30.0, gt=0.0, le=600.0, description="Seconds the LLM has for its first token and "
                               "for the whole answer; past either, the extractive answer is given instead.")
    llm_max_tokens: int = Field(300, ge=16, le=8192, description="Longest generated answer, in tokens.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0: deterministic).")
    llm_min_support: float = Field(0.5, ge=0.0, le=1.0, description="A generated sentence is kept only when its "
                                   "sentence-scorer score against the best sentence of a passage it cites reaches "
                                   "this (measured on the gold set: eval/README.md).")

    # HTTP API
    api_key: str | None = Field(None, description="Bearer key for POST/DELETE /api/articles; unset = writes off.")
    # NoDecode: RAG_ALLOWED_ORIGINS is a plain comma-separated list, not JSON (see _split_origins).
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (CORS) and frame /embed.")
    rate_limit_per_minute: int = Field(30, ge=1, description="Questions per client IP per sliding minute.")
    max_body_bytes: int = Field(5_000_000, ge=1024, description="Largest request body the API reads.")
    max_concurrent_answers: int = Field(4, ge=1, description="Answers computed at once; more wait their turn.")

    # Fetching feeds, sitemaps and article pages (rag ingest URL, rag watch).
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Feed, sitemap or article URLs of the archive (comma or space separated): "
        "`rag ingest --feeds` and run.sh ingest them, `rag watch` without URLs keeps them current.")
    fetch_user_agent: str = Field(USER_AGENT, min_length=3, description="User-Agent sent with every request (add "
                                  "a contact URL or address for the sites you fetch from); robots.txt rules for "
                                  "'newsrag' apply.")
    fetch_timeout_seconds: float = Field(20.0, gt=0.0, le=600.0, description="Longest wait for one response, "
                                         "connecting and reading included.")
    fetch_delay_seconds: float = Field(1.0, ge=0.0, le=600.0, description="Pause between two requests to the "
                                       "same host (a longer robots.txt Crawl-delay wins).")
    fetch_max_bytes: int = Field(10_000_000, ge=10_000, description="Largest response read; bigger ones fail.")
    fetch_max_articles: int = Field(500, ge=1, le=100_000, description="Article pages fetched per feed or "
                                    "sitemap in one run, newest first; the rest are fetched by the next run.")

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # "https://a.example, https://b.example" (or a JSON list) -> two origins; a trailing slash would never match
        # the browser's Origin header, so it is dropped.
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        if isinstance(value, list | tuple):
            return [str(v).strip().rstrip("/") for v in value if str(v).strip()]
        return value

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def web_cache_path(self) -> Path:
        """What fetching remembers between runs: validators (ETag, Last-Modified), robots.txt, links seen."""
        return self.home / "web-cache.sqlite3"

    @property
    def store_location(self) -> str:
        return self.chroma_url or str(self.chroma_path.resolve())


def get_settings() -> Settings:
    """Read settings fresh from the environment (cheap; no caching so tests can change env)."""
    return Settings()
