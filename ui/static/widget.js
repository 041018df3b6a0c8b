/* newsrag Q&A widget. Embed: <script src="https://HOST/widget.js" data-api="https://HOST" async></script>
   Options: data-title, data-placeholder, data-article="URL", data-theme="light|dark|auto".
   Self-contained: no external requests, everything inside a shadow root, server text only ever
   inserted as text (never parsed as HTML). */
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
    if (open) input.focus(); else fab.focus();
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

  function citationList(cites) {
    return el("ol", { "aria-label": "Sources" }, cites.map(function (c) {
      var href = c.url && safeHref(c.url);
      var name = "[" + c.n + "] " + (c.title || c.doc_id || "Untitled");
      var link = href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [name]) : el("span", {}, [name]);
      var meta = [c.source, c.date].filter(Boolean).join(" \u00b7 ");
      return el("li", {}, [link, meta ? el("div", { class: "m" }, [meta]) : null]);
    }));
  }

  var asked = [], ctrl = null;

  function ask(question) {
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    log.append(el("div", { class: "q" }, [question]));
    var box = el("div", { class: "a", "aria-busy": "true" }), text = el("p", { class: "st" }, ["Searching the archive\u2026"]);
    var started = false, finished = false, cites = [];
    box.append(text);
    log.append(box);
    log.scrollTop = log.scrollHeight;
    go.disabled = true;

    function end() { box.setAttribute("aria-busy", "false"); go.disabled = false; log.scrollTop = log.scrollHeight; }
    function fail(message) {
      finished = true;
      box.textContent = "";
      box.className = "a er";
      box.setAttribute("role", "alert");
      box.append(el("b", {}, ["Sorry, no answer could be fetched."]), message);
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
        asked.push(question); // only answered questions are context for follow-ups
        box.textContent = "";
        if (d.abstained) {
          box.className = "a nf";
          box.append(el("b", {}, ["Not found in the archive"]), d.answer || "The articles do not answer this question.");
        } else {
          box.append(el("p", {}, [d.answer || ""]));
          if (article && d.scope === "archive") box.append(el("p", { class: "note" }, ["Not covered by this article; answered from the archive."]));
          if ((d.citations || cites).length) box.append(citationList(d.citations || cites));
        }
        end();
      },
      error: function (d) { fail((d.error && d.error.message) || "The answer failed."); }
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

    var body = { question: question, history: asked.slice(-5) };
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
          fail(wait ? m + " Try again in " + wait + " s." : m);
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
      fail("The answer service could not be reached from this page.");
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) return input.focus();
    input.value = "";
    ask(q);
  });

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
