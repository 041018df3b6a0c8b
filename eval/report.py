"""report.md and report.html (self-contained: PNG plots beside it, no scripts, no CDN).

Both are rendered from one list of blocks (headings, paragraphs, tables, images) so they say the
same thing; every piece of dataset or model text is escaped for the format it lands in.
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BASELINE = "langchain-naive"
WORST_N = 8
SNIPPET = 320

# (key, label, higher_is_better, kind) - kind: "rate" shown as %, "ms" as milliseconds, "words" as a count.
QUALITY = (
    ("hit@1", "hit@1", True, "rate"), ("hit@3", "hit@3", True, "rate"), ("hit@5", "hit@5", True, "rate"),
    ("hit@10", "hit@10", True, "rate"), ("mrr@10", "MRR@10", True, "num"),
    ("contains_gold", "answer contains gold", True, "rate"),
    ("answer_words", "words per answer (answers given)", False, "words"),
    ("em", "EM (short answers)", True, "rate"), ("f1", "F1 (short answers)", True, "rate"),
    ("short_answer_precision", "short answer right when shown (precision)", True, "rate"),
    ("short_answer_coverage", "short answer shown (coverage)", True, "rate"),
    ("rewrite_rate_standalone", "self-contained questions rewritten after an earlier turn (lower is better)",
     False, "rate"),
    ("followup_contains_gold", "follow-ups: answer contains gold", True, "rate"),
    ("mc_accuracy", "MC accuracy", True, "rate"),
    ("citation_precision_evidence", "citation precision (evidence doc)", True, "rate"),
    ("citation_precision_answer", "citation precision (contains gold)", True, "rate"),
    ("first_citation_evidence", "first citation is evidence", True, "rate"),
    ("top_doc_answers", "top article contains gold (any article)", True, "rate"),
    ("rival_share", "questions with a rival same-week report in the top 10", False, "rate"),
    ("rival_chance_hit@1", "hit@1 if tied with rival reports", True, "rate"),
    ("abstention_precision", "abstention precision", True, "rate"),
    ("abstention_recall", "abstention recall", True, "rate"),
    ("wrong_abstention_rate", "wrong-abstention rate (lower is better)", False, "rate"),
    ("retrieve_p50_ms", "retrieve p50 ms", False, "ms"), ("retrieve_p95_ms", "retrieve p95 ms", False, "ms"),
    ("answer_p50_ms", "answer p50 ms", False, "ms"), ("answer_p95_ms", "answer p95 ms", False, "ms"),
    ("total_p50_ms", "total p50 ms", False, "ms"), ("total_p95_ms", "total p95 ms", False, "ms"),
    # generated answers (the llm config)
    ("citation_validity", "answer sentences with valid citations", True, "rate"),
    ("groundedness", "generated sentences kept by verification", True, "rate"),
    ("llm_answered", "answers written by the LLM", True, "rate"),
    ("fallback_rate", "extractive fallback rate", False, "rate"),
    ("llm_first_token_p50_ms", "LLM first token p50 ms", False, "ms"),
    ("llm_first_token_p95_ms", "LLM first token p95 ms", False, "ms"),
    ("llm_total_p50_ms", "LLM total p50 ms", False, "ms"), ("llm_total_p95_ms", "LLM total p95 ms", False, "ms"),
)
COUNTS = ("questions", "answerable", "unanswerable", "retrieval_n", "short_answers_n", "mc_n", "errors")


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    path: str
    alt: str


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str


@dataclass
class Quote:
    text: str


Block = Heading | Para | Table | Image | Quote


# -- formatting ------------------------------------------------------------------------------
def fmt(value: object, kind: str = "rate") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "rate":
        return f"{100 * float(value):.1f}"
    if kind in ("ms", "words"):
        return f"{float(value):.0f}"
    if kind == "num":
        return f"{float(value):.3f}"
    return str(value)


def ratio(ours: object, naive: object) -> str:
    if ours is None or naive is None or float(naive) == 0:
        return "–"
    return f"{float(ours) / float(naive):.2f}×"


def config_order(entry: dict) -> list[str]:
    names = list(entry["configs"])
    return [n for n in names if n != BASELINE] + [n for n in names if n == BASELINE]


def metrics_table(entry: dict) -> Table:
    """Rows: metrics. Columns: each config, then ours / langchain-naive for each other config."""
    names = config_order(entry)
    ours = [n for n in names if n != BASELINE]
    has_naive = BASELINE in names
    headers = ["metric", *names, *([f"{n} / naive" for n in ours] if has_naive else [])]
    rows = []
    for key, label, _, kind in QUALITY:
        values = [entry["configs"][n]["metrics"].get(key) for n in names]
        if all(v is None for v in values):
            continue
        row = [label, *(fmt(v, kind) for v in values)]
        if has_naive:
            naive = entry["configs"][BASELINE]["metrics"].get(key)
            row += [ratio(entry["configs"][n]["metrics"].get(key), naive) for n in ours]
        rows.append(row)
    for key in COUNTS:
        row = [f"n {key}", *(str(entry["configs"][n]["metrics"].get(key, "–")) for n in names)]
        rows.append(row + ([""] * len(ours) if has_naive else []))
    rows.append(["index chunks", *(str(entry["configs"][n]["index"]["chunks"]) for n in names)]
                + ([""] * len(ours) if has_naive else []))
    return Table(headers, rows)


def summary_table(entry: dict) -> str:
    return render_md([metrics_table(entry)])


def paper_table(entry: dict) -> Table | None:
    base = entry.get("paper_baselines") or []
    if not base:
        return None
    rows = []
    for name in config_order(entry):
        m = entry["configs"][name]["metrics"]
        rows.append([f"ours: {name}", fmt(m.get("mc_accuracy")), fmt(m.get("em")), fmt(m.get("f1")),
                     f"{m.get('short_answers_n', 0)}", fmt(m.get("contains_gold")), str(m.get("mc_n", "–"))])
    for b in base:
        rows.append([f"paper: {b['baseline']} ({b['description']})", fmt(b["mc_accuracy"]), fmt(b["em"]),
                     fmt(b["f1"]), str(b["gen_n"]), fmt(b["contains_gold"]), str(b["mc_n"])])
    return Table(["system", "MC acc", "EM", "F1", "n EM/F1", "contains gold", "n MC"], rows)


def paper_retrieval_table(entry: dict) -> Table | None:
    ref = entry.get("paper_retrieval")
    if not ref:
        return None
    keys = [f"hit@{k}" for k in (1, 3, 5, 10)]
    rows = []
    for n in config_order(entry):
        m = entry["configs"][n]["metrics"]
        rows.append([f"ours: {n}", *(fmt(m.get(k)) for k in keys), fmt(m.get("mrr@10"), "num"),
                     str(m.get("retrieval_n"))])
    rows.append(["paper: Google custom search results (live web)", *(fmt(ref.get(k)) for k in keys),
                 fmt(ref.get("mrr@10"), "num"), str(ref["n"])])
    return Table(["retrieval", *keys, "MRR@10", "n"], rows)


SPLIT_KEYS = ("hit@1", "hit@5", "mrr@10", "top_doc_answers", "contains_gold", "answer_words", "short_answer_precision",
              "short_answer_coverage", "mc_accuracy", "first_citation_evidence", "citation_precision_evidence",
              "wrong_abstention_rate")


def split_table(entry: dict) -> Table | None:
    """Each config on the questions its settings were tuned on (dev) and on the held-out ones (test)."""
    names = [n for n in config_order(entry) if entry["configs"][n].get("by_split")]
    if not names:
        return None
    splits = sorted({sp for n in names for sp in entry["configs"][n]["by_split"]})
    labels = {key: (label, kind) for key, label, _, kind in QUALITY}
    headers = ["metric", *(f"{n}: {sp}" for n in names for sp in splits)]
    rows = [[labels[key][0], *(fmt(entry["configs"][n]["by_split"].get(sp, {}).get(key), labels[key][1])
                               for n in names for sp in splits)] for key in SPLIT_KEYS]
    rows.append(["n questions", *(str(entry["configs"][n]["by_split"].get(sp, {}).get("questions", "–"))
                                  for n in names for sp in splits)])
    return Table(headers, rows)


def gap_table(entry: dict) -> Table | None:
    """Each rate's dev minus held-out gap with its 95% interval: whether the gap exceeds what chance gives at
    this many questions."""
    labels = {key: label for key, label, _, _ in QUALITY}
    rows = []
    for n in config_order(entry):
        for key, g in entry["configs"][n].get("split_gap", {}).items():
            (ka, na), (kb, nb) = g["dev"], g["test"]
            lo, hi = g["ci95"]
            rows.append([n, labels.get(key, key), f"{ka}/{na} = {fmt(ka / na)}", f"{kb}/{nb} = {fmt(kb / nb)}",
                         f"{100 * g['gap']:+.1f}", f"{100 * lo:+.1f} to {100 * hi:+.1f}",
                         "yes" if lo > 0 or hi < 0 else "no"])
    if not rows:
        return None
    return Table(["config", "metric", "dev", "held-out", "gap (points)", "95% interval of the gap",
                  "beyond chance"], rows)


def winner(entry: dict) -> str:
    names = list(entry["configs"])
    if not names:
        return "No config ran."

    def key(n: str) -> tuple:
        m = entry["configs"][n]["metrics"]
        return tuple(-1 if m.get(k) is None else m[k] for k in ("contains_gold", "mc_accuracy", "mrr@10"))

    best = max(names, key=key)
    m = entry["configs"][best]["metrics"]
    return (f"Best config here by answer-contains-gold (then MC accuracy, then MRR@10): **{best}** "
            f"(contains gold {fmt(m.get('contains_gold'))}%, MC {fmt(m.get('mc_accuracy'))}%, "
            f"MRR@10 {fmt(m.get('mrr@10'), 'num')}).")


def by_type_table(entry: dict, records: list[dict]) -> Table | None:
    names = config_order(entry)
    groups: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r["dataset"] == entry["name"] and r.get("result"):
            groups[r.get("type") or "-"][r["config"]].append(r)
    if len(groups) < 2:
        return None
    rows = []
    for t in sorted(groups):
        row = [t, str(max(len(v) for v in groups[t].values()))]
        for n in names:
            rs = groups[t].get(n, [])
            cg = [r["metrics"]["contains_gold"] for r in rs if r["metrics"].get("contains_gold") is not None]
            ab = [r["metrics"]["abstained"] for r in rs]
            row.append(f"{fmt(sum(cg) / len(cg)) if cg else '–'} / {fmt(sum(ab) / len(ab)) if ab else '–'}")
        rows.append(row)
    return Table(["question type", "n", *[f"{n}: contains gold % / abstained %" for n in names]], rows)


def worst(records: list[dict], dataset: str, config: str) -> list[dict]:
    """Answerable questions not answered with the gold (worst evidence rank first), then
    unanswerable questions the pipeline answered anyway."""
    rs = [r for r in records if r["dataset"] == dataset and r["config"] == config and r.get("result")]
    missed = [r for r in rs if r["metrics"].get("contains_gold") is False]
    missed.sort(key=lambda r: (-(r["metrics"].get("evidence_rank") or 99), r["metrics"].get("f1") or 0.0))
    overconfident = [r for r in rs if r.get("unanswerable") and not r["metrics"]["abstained"]]
    return (missed[:WORST_N] + overconfident[:max(2, WORST_N - len(missed))])[:WORST_N + 2]


def worst_blocks(records: list[dict], entry: dict) -> list[Block]:
    blocks: list[Block] = []
    for config in config_order(entry):
        items = worst(records, entry["name"], config)
        blocks.append(Heading(f"Worst questions: {entry['name']} / {config}", 3))
        if not items:
            blocks.append(Para("None: every answerable question's answer contains the gold answer and every "
                               "unanswerable one was declined."))
            continue
        for r in items:
            m = r["metrics"]
            gold = "; ".join(r.get("answers") or []) or "(unanswerable)"
            blocks.append(Para(f"**{r['id']}** ({r.get('type') or '-'}) {r['question']}"))
            blocks.append(Para(f"gold: {gold} · evidence rank: {m.get('evidence_rank') or 'not in top 10'} · "
                               f"abstained: {fmt(m['abstained'])} · as of: {r.get('as_of') or '-'}"))
            blocks.append(Quote("answer: " + r["result"]["answer"]))
            rows = []
            for i, p in enumerate(r.get("retrieved") or [], 1):
                ev = "✓" if p["doc_id"] in (r.get("evidence_ids") or []) else ""
                text = " ".join(p["text"].split())
                rows.append([str(i), ev, f"{p['score']:.3f}", p.get("date") or "", p.get("title") or p["doc_id"],
                             text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")])
            blocks.append(Table(["#", "evidence", "score", "date", "title", "passage"], rows))
    return blocks


# -- plots -----------------------------------------------------------------------------------
def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a display
    import matplotlib.pyplot as plt

    return plt


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def plot_hitk(entry: dict, out: Path) -> str | None:
    names = config_order(entry)
    if not any(entry["configs"][n]["metrics"].get("hit@1") is not None for n in names):
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [1, 3, 5, 10]
    for n in names:
        m = entry["configs"][n]["metrics"]
        ax.plot(ks, [100 * (m.get(f"hit@{k}") or 0) for k in ks], marker="o", label=n)
    ref = entry.get("paper_retrieval")
    if ref:
        ax.plot(ks, [100 * (ref.get(f"hit@{k}") or 0) for k in ks], linestyle="--", color="gray",
                label="paper: Google search results")
    ax.set(xlabel="k (distinct documents)", ylabel="hit@k (%)", title=f"hit@k: {entry['name']}", xticks=ks,
           ylim=(0, 102))
    ax.grid(alpha=0.3)
    ax.legend()
    name = f"{slug(entry['name'])}-hitk.png"
    return save_figure(plt, fig, out / name)


def save_figure(plt, fig, path: Path) -> str:
    """Write one plot as PNG beside the report, free its memory, and return its file name."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def plot_latency(entry: dict, records: list[dict], out: Path) -> str | None:
    series = {n: [r["metrics"]["total_ms"] for r in records
                  if r["dataset"] == entry["name"] and r["config"] == n and r["metrics"].get("total_ms") is not None]
              for n in config_order(entry)}
    series = {n: v for n, v in series.items() if v}
    if not series:
        return None
    import numpy as np

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.histogram_bin_edges([v for vals in series.values() for v in vals], bins=30)  # one scale for all
    for n, vals in series.items():
        ax.hist(vals, bins=bins, alpha=0.5, label=n)
    ax.set(xlabel="total latency per question (ms)", ylabel="questions", title=f"latency: {entry['name']}")
    ax.legend()
    name = f"{slug(entry['name'])}-latency.png"
    return save_figure(plt, fig, out / name)


BAR_KEYS = (("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("contains_gold", "contains gold"),
            ("mc_accuracy", "MC acc"), ("citation_precision_evidence", "cit. prec."),
            ("abstention_recall", "abst. recall"), ("wrong_abstention_rate", "wrong abst."))


def plot_bars(entry: dict, out: Path) -> str | None:
    names = config_order(entry)
    keys = [(k, label) for k, label in BAR_KEYS
            if any(entry["configs"][n]["metrics"].get(k) is not None for n in names)]
    if not names or not keys:
        return None
    plt = _plt()
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(keys))
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        m = entry["configs"][n]["metrics"]
        ax.bar(x + i * width, [100 * (m.get(k) or 0) for k, _ in keys], width, label=n)
    ax.set_xticks(x + width * (len(names) - 1) / 2, [label for _, label in keys], rotation=20)
    ax.set(ylabel="%", title=f"per-config metrics: {entry['name']}", ylim=(0, 105))
    ax.legend()
    name = f"{slug(entry['name'])}-bars.png"
    return save_figure(plt, fig, out / name)


# -- the report ------------------------------------------------------------------------------
def build_blocks(summary: dict, records: list[dict], out: Path, plots: bool = True) -> list[Block]:
    blocks: list[Block] = [
        Heading("newsrag evaluation report", 1),
        Para(f"Created {summary['created']} at commit `{summary.get('git_commit') or 'unknown'}`. "
             f"Command: `{' '.join(summary.get('command') or [])}`."),
        Para("Rates are percentages; MRR@10 is a fraction; latencies are the pipeline's own `timings_ms`. "
             "`X / naive` columns divide a config's value by langchain-naive's (above 1× is higher). "
             "Latency depends on the machine and on what else it runs: compare configs within one run. "
             "Metric definitions: eval/README.md."),
    ]
    for entry in summary["datasets"]:
        blocks.append(Heading(f"Dataset: {entry['name']}"))
        blocks.append(Para(f"{entry['description']} Corpus: {entry['corpus_articles']} articles; "
                           f"{entry['questions']} questions."
                           + (f" Weeks: {', '.join(entry['weeks'])}." if entry.get("weeks") else "")))
        if entry.get("notes"):
            blocks.append(Para("Counts: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in entry["notes"].items())))
        for name, reason in entry.get("skipped_configs", {}).items():
            blocks.append(Para(f"Skipped {name}: {reason}."))
        if not entry["configs"]:
            continue
        blocks.append(Para(winner(entry)))
        blocks.append(metrics_table(entry))
        st = split_table(entry)
        if st:
            blocks.append(Heading("Tuned-on (dev) and held-out (test) questions", 3))
            blocks.append(Para("Retrieval and answering settings were chosen on the dev questions only; the test "
                               "questions (later weeks) were held out, so the gap between the two columns shows how "
                               "much of a gain is tuning."))
            blocks.append(st)
            gt = gap_table(entry)
            if gt:
                blocks.append(Para("The gap with its 95% interval (Newcombe's score interval for two independent "
                                   "proportions): where the interval holds 0, dev and held-out differ by no more "
                                   "than two samples of this size do by chance."))
                blocks.append(gt)
        pt = paper_table(entry)
        if pt:
            blocks.append(Heading("Against the RealTime QA paper's baselines", 3))
            blocks.append(Para(entry.get("closed_corpus_note", "") + " Paper rows are the authors' own prediction "
                               "files scored with our metric code on the same questions. Our EM/F1 is over "
                               "answers that carry a short answer only (n shown); contains-gold is over all."))
            blocks.append(pt)
            rt = paper_retrieval_table(entry)
            if rt:
                blocks.append(Para("Retrieval against the paper's search results: rank of the gold article among the "
                                   "distinct URLs Google custom search returned for the question (same metric code)."))
                blocks.append(rt)
        tt = by_type_table(entry, records)
        if tt:
            blocks.append(Heading("By question type", 3))
            blocks.append(tt)
        if plots:
            for made in (plot_hitk(entry, out), plot_latency(entry, records, out), plot_bars(entry, out)):
                if made:
                    blocks.append(Image(made, made.removesuffix(".png")))
        blocks.extend(worst_blocks(records, entry))
    return blocks


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            lines += [b.text, ""]
        elif isinstance(b, Quote):
            lines += ["> " + " ".join(b.text.split()), ""]
        elif isinstance(b, Image):
            lines += [f"![{b.alt}]({b.path})", ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            lines.append("|" + "|".join("---" for _ in b.headers) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines)


def _inline_html(text: str) -> str:
    """Escape, then render the two bits of markdown our own paragraphs use (**bold**, `code`)."""
    out = html.escape(text)
    parts = out.split("**")
    out = "".join(p if i % 2 == 0 else f"<b>{p}</b>" for i, p in enumerate(parts))
    parts = out.split("`")
    return "".join(p if i % 2 == 0 else f"<code>{p}</code>" for i, p in enumerate(parts))


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 7px;
vertical-align:top}th{background:#f3f3f3}td:not(:first-child){text-align:right}
td:last-child{text-align:left}blockquote{border-left:3px solid #aaa;margin:0.5em 0;padding-left:1em;color:#444}
img{max-width:100%;margin:0.5em 0;border:1px solid #eee}"""


def render_html(blocks: list[Block]) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f"<p>{_inline_html(b.text)}</p>")
        elif isinstance(b, Quote):
            body.append(f"<blockquote>{html.escape(b.text)}</blockquote>")
        elif isinstance(b, Image):
            body.append(f'<img src="{html.escape(b.path, quote=True)}" alt="{html.escape(b.alt, quote=True)}">')
        elif isinstance(b, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>newsrag evaluation report</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(summary: dict, records: list[dict], out: Path) -> None:
    blocks = build_blocks(summary, records, out)
    (out / "report.md").write_text(render_md(blocks), encoding="utf-8")
    (out / "report.html").write_text(render_html(blocks), encoding="utf-8")
