/* newsrag Q&A widget. Embed: <script src="https://HOST/widget.js" data-api="https://HOST" async></script>
   Options: data-title, data-placeholder, data-article="URL", data-theme="light|dark|auto".
   Self-contained: no external requests (only data-api), everything inside a shadow root, server text only
   ever inserted as text (never parsed as HTML). The empty panel shows example questions (/api/examples);
   an answer shows its short answer, numbered citations that open their source (headline, source, date, the
   passage with the supporting sentence marked) and any notices; follow-ups send the earlier turns. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__newsragWidget) return;
  window.__newsragWidget = 1;

  var ds = me.dataset;
  var page = ds.mode === "page"; // /embed: the panel fills the page; options may come from its URL
  var params = page ? new URLSearchParams(location.search) : null;
  function opt(name, fallback) {
    var v = (params && params.get(name)) || ds[name];
    return v ? String(v).slice(0, 2000) : fallback;
  }
  var api = (ds.api || new URL(me.src, location.href).origin).replace(/\/+$/, "");
  var title = opt("title", "Ask the archive");
  var placeholder = opt("placeholder", "Ask a question about the news");
  var article = opt("article", "");
  var theme = opt("theme", "auto");
  if (!/^(light|dark|auto)$/.test(theme)) theme = "auto";

  // Host styles cannot reach inside the shadow root; inherited values and rules on the host element
  // itself can, so the host resets everything with !important (inner !important wins over outer).
  var CSS =
    ":host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;" +
    "right:16px!important;bottom:16px!important;top:auto!important;left:auto!important;width:auto!important;" +
    "height:auto!important;margin:0!important;padding:0!important;border:0!important;opacity:1!important;" +
    "visibility:visible!important;transform:none!important;filter:none!important;clip-path:none!important;" +
    "pointer-events:auto!important}" +
    "*{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}" +
    ".w{--bg:#fff;--fg:#1b1b1f;--mut:#5b5f6a;--line:#d9dbe1;--acc:#1f5fbf;--acc-fg:#fff;--q:#eef2f8;--nf:#fff7e0;" +
    "--err:#b3261e;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:var(--fg);text-align:left}" +
    ".dark{--bg:#1c1d21;--fg:#ececf0;--mut:#a3a7b3;--line:#3a3c44;--acc:#8ab4f8;--acc-fg:#10131a;--q:#2a2d35;--nf:#3a3420;--err:#f2b8b5}" +
    "@media (prefers-color-scheme:dark){.auto{--bg:#1c1d21;--fg:#ececf0;--mut:#a3a7b3;--line:#3a3c44;--acc:#8ab4f8;" +
    "--acc-fg:#10131a;--q:#2a2d35;--nf:#3a3420;--err:#f2b8b5}}" +
    "button{cursor:pointer;border:0;background:none}" +
    ".fab{display:block;background:var(--acc);color:var(--acc-fg);font-weight:600;padding:12px 20px;" +
    "border-radius:24px;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ":focus-visible{outline:3px solid var(--acc);outline-offset:2px}" +
    ".p{position:fixed;right:16px;bottom:76px;width:min(400px,calc(100vw - 32px));height:min(600px,calc(100vh - 100px));" +
    "display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--line);border-radius:12px;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}" +
    ".p[hidden]{display:none}" +
    ".pg{position:fixed;inset:0;width:auto;height:auto;border:0;border-radius:0;box-shadow:none}" +
    "header{display:flex;align-items:center;gap:8px;padding:10px 14px;border-bottom:1px solid var(--line)}" +
    "h2{flex:1;font-size:16px;font-weight:650}" +
    ".x{font-size:22px;line-height:1;padding:2px 8px;border-radius:6px;color:var(--mut)}" +
    ".log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:10px}" +
    ".q{align-self:flex-end;max-width:85%;background:var(--q);padding:8px 12px;border-radius:12px;white-space:pre-wrap;" +
    "overflow-wrap:anywhere}" +
    ".a{white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".st{color:var(--mut);font-style:italic}" +
    ".nf{background:var(--nf);padding:8px 12px;border-radius:8px}" +
    ".nf b,.er b{display:block;font-weight:650}" +
    ".er{color:var(--err)}" +
    ".note{color:var(--mut);font-size:13px}" +
    "ol{list-style:none;display:flex;flex-direction:column;gap:6px;font-size:13px}" +
    "li{border-left:3px solid var(--line);padding-left:8px;overflow-wrap:anywhere}" +
    "a{color:var(--acc);text-decoration:underline}" +
    ".m{color:var(--mut)}" +
    "form{display:flex;gap:8px;padding:10px 14px;border-top:1px solid var(--line)}" +
    "input{flex:1;min-width:0;padding:9px 10px;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}" +
    ".go{background:var(--acc);color:var(--acc-fg);font-weight:600;padding:9px 14px;border-radius:8px}" +
    ".go:disabled{opacity:.6;cursor:default}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    ".in{color:var(--mut)}.ex{display:flex;flex-direction:column;align-items:flex-start;gap:6px;margin-top:10px}" +
    ".ex button{border:1px solid var(--line);border-radius:14px;padding:5px 12px;color:var(--acc);text-align:left}" +
    ".sa{font-size:17px;font-weight:700}" +
    ".c{color:var(--acc);font-weight:700;font-size:.9em;padding:0 2px;border-radius:4px}" +
    "li{scroll-margin:12px}.n{font-weight:700;color:var(--acc);padding-right:2px}" +
    "blockquote{margin-top:4px;padding-left:8px;border-left:2px solid var(--line);white-space:pre-line}" +
    "mark{background:#fde68a;color:#1b1b1f;border-radius:2px}.fl{outline:2px solid var(--acc)}" +
    "@media (max-width:480px){.p{right:0;left:0;bottom:0;width:auto;height:88vh;border-radius:12px 12px 0 0}}";

  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    for (var k in attrs || {}) n.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { if (c != null) n.append(c); }); // strings become text nodes
    return n;
  }

  var host = document.createElement("newsrag-widget");
  var root = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.append(el("style", {}, [CSS]));
  }

  var uid = "nrw" + Math.random().toString(36).slice(2, 8);
  var log = el("div", { class: "log", "aria-live": "polite", "aria-relevant": "additions text" });
  var input = el("input", { id: uid + "i", type: "text", maxlength: "1000", autocomplete: "off", placeholder: placeholder });
  var go = el("button", { class: "go", type: "submit" }, ["Ask"]);
  var form = el("form", {}, [el("label", { class: "sr", for: uid + "i" }, ["Your question"]), input, go]);
  var close = el("button", { class: "x", type: "button", "aria-label": "Close" }, ["\u00d7"]);
  var panel = el("section", { class: "p" + (page ? " pg" : ""), id: uid, role: page ? "region" : "dialog",
    "aria-label": title }, [el("header", {}, [el("h2", {}, [title]), page ? null : close]), log, form]);
  var fab = el("button", { class: "fab", type: "button", "aria-expanded": "false", "aria-controls": uid }, ["Ask"]);
  var wrap = el("div", { class: "w " + theme }, page ? [panel] : [fab, panel]);
  root.append(wrap);

  function setOpen(open) {
    panel.hidden = !open;
    fab.setAttribute("aria-expanded", String(open));
    if (open) { examples(); input.focus(); } else fab.focus();
  }
  if (!page) {
    panel.hidden = true;
    fab.addEventListener("click", function () { setOpen(panel.hidden); });
    close.addEventListener("click", function () { setOpen(false); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); setOpen(false); } });
  }

  function safeHref(url) {
    try {
      var u = new URL(url);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function day(iso) { // "2025-01-06" -> "6 January 2025", as the chat shows dates
    var d = /^\d{4}-\d\d-\d\d$/.test(iso || "") && new Date(iso + "T00:00:00Z");
    return d ? d.toLocaleDateString("en-GB", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" }) : iso;
  }

  // The passage around the supporting sentence (found by its text: the server's offsets count code points,
  // JavaScript's UTF-16 units), with the sentence in <mark>.
  function passage(c, id) {
    var t = c.text || "", s = c.sentence ? t.indexOf(c.sentence) : -1, e = s + (c.sentence || "").length, W = 220;
    if (s < 0) s = e = 0;
    var lo = Math.max(0, s - W), hi = Math.min(t.length, e + W), sp;
    if (lo > 0 && (sp = t.indexOf(" ", lo)) >= 0 && sp < s) lo = sp + 1;
    if (hi < t.length && (sp = t.lastIndexOf(" ", hi)) > e) hi = sp;
    var q = el("blockquote", { id: id }, [lo > 0 ? "\u2026" : "", t.slice(lo, s), e > s ? el("mark", {}, [t.slice(s, e)]) : null,
      t.slice(e, hi), hi < t.length ? "\u2026" : ""]);
    q.hidden = true;
    return q;
  }

  var turnNo = 0;
  // One entry per article, in the order the answer first cites it: its headline, source and date once, then a
  // number for each sentence it supports, each opening that sentence's passage.
  function sources(cites, tid) {
    var articles = [], byDoc = {};
    cites.forEach(function (c) {
      var k = c.doc_id ? "d" + c.doc_id : "n" + c.n;
      if (!byDoc[k]) articles.push(byDoc[k] = []);
      byDoc[k].push(c);
    });
    return el("ol", { "aria-label": "Sources" }, articles.map(function (cs) {
      var c = cs[0], href = c.url && safeHref(c.url), name = c.title || "Untitled article", head = [];
      cs.forEach(function (x) {
        var id = tid + "-" + x.n;
        var tog = el("button", { class: "n", type: "button", id: id + "t", "aria-expanded": "false",
          "aria-controls": id + "p", "aria-label": "Source " + x.n + ": show the cited passage" }, ["[" + x.n + "]"]);
        tog.addEventListener("click", function () { openSource(id, tog.getAttribute("aria-expanded") !== "true"); });
        head.push(tog, " ");
      });
      head.push(href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [name]) : el("span", {}, [name]));
      var meta = [c.source, day(c.date)].filter(Boolean).join(" \u00b7 ");
      return el("li", { tabindex: "-1" }, [el("div", {}, head), meta ? el("div", { class: "m" }, [meta]) : null]
        .concat(cs.map(function (x) { return passage(x, tid + "-" + x.n + "p"); })));
    }));
  }

  function openSource(id, open, jump) {
    var q = root.getElementById(id + "p"), tog = root.getElementById(id + "t");
    if (!q || !tog) return;
    q.hidden = !open;
    tog.setAttribute("aria-expanded", String(open));
    if (!jump) return;
    var li = q.closest("li");
    li.scrollIntoView({ block: "nearest" });
    li.focus({ preventScroll: true });
    li.classList.add("fl");
    setTimeout(function () { li.classList.remove("fl"); }, 1200);
  }

  // The answer text with each [n] that has a citation as a button opening that source.
  function answerText(text, cites, tid) {
    var p = el("p"), by = {}, last = 0, re = /\[(\d{1,3})\]/g, m;
    cites.forEach(function (c) { by[c.n] = c; });
    while ((m = re.exec(text))) {
      var c = by[m[1]];
      if (!c) continue;
      var b = el("button", { class: "c", type: "button", "aria-controls": tid + "-" + c.n + "p",
        "aria-label": "Source " + c.n + ": " + (c.title || "untitled") }, [m[0]]);
      b.addEventListener("click", openSource.bind(null, tid + "-" + c.n, true, true));
      p.append(text.slice(last, m.index), b);
      last = re.lastIndex;
    }
    p.append(text.slice(last));
    return p;
  }

  function notes(d) {
    var out = (d.notices || []).map(function (n) { return el("p", { class: "note", role: "note" }, [n.message]); });
    if (d.fallback_reason && !(d.notices || []).some(function (n) { return n.code === "fallback"; }))
      out.push(el("p", { class: "note", role: "note" }, ["Quoted from the articles: the language model was not used (" + d.fallback_reason + ")."]));
    return out;
  }

  // Example questions in the empty panel, fetched once when it first opens; a failure here may mean this
  // site's origin is refused, which the reader is then told before asking anything.
  var intro = el("div", { class: "in" }, [el("p", {}, ["Ask about the news in this archive. Answers quote the articles and number their sources: select a number to read the passage."])]);
  log.append(intro);
  var exLoaded = false;
  function examples() {
    if (exLoaded) return;
    exLoaded = true;
    fetch(api + "/api/examples", { mode: "cors", credentials: "omit" }).then(function (r) {
      return r.ok ? r.json() : { examples: [] };
    }).then(function (j) {
      var qs = (j.examples || []).filter(function (q) { return typeof q === "string" && q; }).slice(0, 3);
      if (!qs.length || !intro.isConnected) return;
      intro.append(el("div", { class: "ex", role: "group", "aria-label": "Example questions" }, qs.map(function (q) {
        var b = el("button", { type: "button" }, [q]);
        b.addEventListener("click", function () { ask(q); });
        return b;
      })));
    }).catch(function () {
      refused(function (why) { if (why && intro.isConnected) intro.append(el("p", { class: "er", role: "alert" }, why)); });
    });
  }

  // After a request the browser would not let us read: ask the server (a CORS-open endpoint) whether it
  // refuses this page's origin. It logs the origin and the setting for the site's operators.
  var refusal = null;
  function refused(cb) {
    if (refusal) return refusal.then(cb);
    refusal = fetch(api + "/widget/origin", { mode: "cors", credentials: "omit", cache: "no-store" }).then(function (r) {
      return r.json();
    }).then(function (j) {
      return j.allowed === false ? [el("b", {}, ["This site is not allowed to use the answer service."]),
        "Its operators can allow " + (j.origin || location.origin) + " with the " + (j.setting || "RAG_ALLOWED_ORIGINS") + " setting of the service."] : null;
    }).catch(function () { return null; });
    refusal.then(cb);
  }

  var turns = [], ctrl = null;

  function ask(question) {
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    intro.remove();
    var tid = uid + "t" + ++turnNo;
    log.append(el("div", { class: "q" }, [question]));
    var box = el("div", { class: "a", "aria-busy": "true" }), text = el("p", { class: "st" }, ["Searching the archive\u2026"]);
    var started = false, finished = false, cites = [];
    box.append(text);
    log.append(box);
    log.scrollTop = log.scrollHeight;
    go.disabled = true;

    function end() { box.setAttribute("aria-busy", "false"); go.disabled = false; log.scrollTop = log.scrollHeight; }
    function fail(message, hint) {
      finished = true;
      box.textContent = "";
      box.className = "a er";
      box.setAttribute("role", "alert");
      box.append.apply(box, Array.isArray(message) ? message : [el("b", {}, ["Sorry, no answer could be fetched."]), message, hint ? " " + hint : ""]);
      end();
    }
    var handlers = {
      citations: function (d) { cites = d.citations || []; },
      text: function (d) {
        if (!started) { started = true; text.textContent = ""; text.className = ""; }
        text.append(d.delta || "");
        log.scrollTop = log.scrollHeight;
      },
      done: function (d) {
        finished = true;
        var cs = d.citations || cites;
        // What a follow-up ("when did he take over?") is resolved against (COMMON.md's turn schema).
        turns.push({ question: question, answer: d.answer || "", short_answer: d.short_answer || null,
          entities: d.entities || [], date: (cs[0] && cs[0].date) || null, query: d.query || question });
        box.textContent = "";
        if (d.query && d.query !== question) box.append(el("p", { class: "note" }, ["Searched: " + d.query]));
        if (d.abstained) {
          box.className = "a nf";
          box.append(el("b", {}, ["Not found in the archive"]), d.answer || "The articles do not answer this question.");
          box.append.apply(box, notes(d));
        } else {
          if (d.short_answer) box.append(el("p", { class: "sa" }, [d.short_answer]));
          box.append(answerText(d.answer || "", cs, tid));
          if (article && d.scope === "archive") box.append(el("p", { class: "note" }, ["Not covered by this article; answered from the archive."]));
          box.append.apply(box, notes(d));
          if (cs.length) box.append(sources(cs, tid));
        }
        end();
      },
      error: function (d) { fail((d.error && d.error.message) || "The answer failed.", d.error && d.error.hint); }
    };
    function dispatch(block) {
      var name = "message", data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (!handlers[name] || !data.length || finished) return;
      try { handlers[name](JSON.parse(data.join("\n"))); } catch (e) { fail("The answer could not be read."); }
    }

    var body = { question: question, history: turns.slice(-5) };
    if (article) body.article = article;
    fetch(api + "/api/ask/stream", {
      method: "POST", mode: "cors", credentials: "omit", signal: ctrl.signal,
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (j) {
          var m = (j.error && j.error.message) || "The server answered " + res.status + ".";
          var wait = res.headers.get("Retry-After");
          fail(wait ? m + " Try again in " + wait + " s." : m, j.error && j.error.hint);
        });
      }
      var reader = res.body.getReader(), dec = new TextDecoder(), buf = "";
      return (function pump() {
        return reader.read().then(function (r) {
          if (r.done) { if (!finished) fail("The answer stopped before it was complete."); return; }
          buf = (buf + dec.decode(r.value, { stream: true })).replace(/\r\n?/g, "\n");
          for (var i; (i = buf.indexOf("\n\n")) >= 0; buf = buf.slice(i + 2)) dispatch(buf.slice(0, i));
          return pump();
        });
      })();
    }).catch(function (e) {
      if (e && e.name === "AbortError") return;
      refused(function (why) { fail(why || "The answer service could not be reached from this page."); });
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) return input.focus();
    input.value = "";
    ask(q);
  });

  function mount() { document.body.appendChild(host); if (page) examples(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
