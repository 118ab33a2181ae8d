/*
 * policybot support widget.
 *
 *   <script src="http://HOST:PORT/widget.js" data-policy="bellacor" defer></script>
 *
 * Adds a chat button to the page; the panel answers questions about the privacy policy by
 * calling this server's POST /api/answer. Everything lives in a Shadow DOM (the page's CSS
 * cannot reach in, the widget's cannot leak out), text is only ever set with textContent
 * (links are made from the policy's own web and e-mail addresses, as DOM nodes), and nothing is
 * loaded from anywhere but the policybot server, and only once the panel is opened.
 *
 * Options, all on the script tag (README.md has the table):
 *   data-policy    answer from this policy only (default: every policy)
 *   data-title     the panel's title ("Privacy questions")
 *   data-greeting  the first message in the panel
 *   data-examples  example questions shown before the first one, separated by "|"
 *   data-color     accent colour, any CSS colour; text on it is white or near-black, whichever reads
 *   data-theme     light, dark or auto (default: follows the visitor's system setting)
 *   data-position  right (default) or left
 *   data-company   the name in the "Contact ..." link (default: from the policy's contact address)
 *
 * "At a glance" in the header shows the policy topic by topic (GET /api/policies/{name}/overview):
 * each topic's quote with a link to it in the policy page, or "Not found in this policy".
 *
 * After a thumbs down, an optional "What was wrong?" box sends a comment with the same vote
 * (POST /api/feedback {"answer_id", "vote": "down", "comment"}); the owner reads it on /insights.
 *
 * The conversation is kept for the tab's life in sessionStorage (never cookies or localStorage).
 * Ctrl+K (Cmd+K on a Mac) opens the panel; Escape or a click outside it (on a wide screen)
 * closes it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__policybotWidget) return;
  window.__policybotWidget = true;

  var DEFAULT_COLOR = "#2457d6";
  var DEFAULT_EXAMPLES = ["Do you sell my data?", "How do I stop marketing emails?", "Do you use cookies?"];
  var MAX_TURNS = 30;  // kept in sessionStorage: the latest questions and their answers
  var MAX_COMMENT = "%MAX_COMMENT_CHARS%";  // a thumbs down's comment, at most (the server fills it in)

  function option(name) {
    var value = script.getAttribute("data-" + name);
    return value == null ? "" : value.trim();
  }

  var base = new URL(script.src, location.href).origin;
  var policy = option("policy") || null;
  var title = option("title") || "Privacy questions";
  var greeting = option("greeting") || "Hi! Ask me anything about our privacy policy. Answers quote the policy itself.";
  var examples = option("examples") ? option("examples").split("|").map(function (q) { return q.trim(); })
    .filter(Boolean).slice(0, 6) : DEFAULT_EXAMPLES;
  var position = option("position").toLowerCase() === "left" ? "left" : "right";
  var theme = /^(light|dark|auto)$/i.test(option("theme")) ? option("theme").toLowerCase() : "auto";
  var company = option("company");
  var accent = parseColor(option("color"));
  if (!accent) {
    if (option("color")) console.warn("policybot: data-color=\"" + option("color") + "\" is not a CSS colour; " +
                                      "using the default");
    accent = parseColor(DEFAULT_COLOR) || [36, 87, 214];
  }
  var storeKey = "policybot:" + base + ":" + (policy || "*");

  // ------------------------------------------------------------------ colours

  // A CSS colour as opaque sRGB bytes, or null: anything the browser cannot paint solid is refused.
  function parseColor(value) {
    if (!value || /^(currentcolor|inherit|initial|unset|revert|revert-layer|transparent)$/i.test(value)) return null;
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    var ctx = canvas.getContext && canvas.getContext("2d");
    if (!ctx) return null;
    ctx.fillStyle = "#010203";
    ctx.fillStyle = value;
    var first = ctx.fillStyle;
    ctx.fillStyle = "#040506";
    ctx.fillStyle = value;
    if (first === "#010203" && ctx.fillStyle === "#040506") return null;  // not a colour: both left alone
    ctx.fillRect(0, 0, 1, 1);
    var px = ctx.getImageData(0, 0, 1, 1).data;
    return px[3] === 255 ? [px[0], px[1], px[2]] : null;  // see-through: text on it could not be checked
  }

  function channel(v) {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }
  function luminance(c) { return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]); }
  // WCAG 2.1 contrast ratio, 1 to 21.
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function mix(a, b, t) { return a.map(function (v, i) { return Math.round(v + (b[i] - v) * t); }); }
  function hex(c) { return "#" + c.map(function (v) { return (v < 16 ? "0" : "") + v.toString(16); }).join(""); }

  var WHITE = [255, 255, 255], NEAR_BLACK = [17, 17, 17], BLACK = [0, 0, 0];
  // Text on a coloured background: white if it reads (4.5:1), else near-black, else black.
  function textOn(bg) {
    var choices = [WHITE, NEAR_BLACK, BLACK];
    for (var i = 0; i < choices.length; i++) if (contrast(choices[i], bg) >= 4.6) return choices[i];
    return BLACK;
  }
  // The colour itself if it reads as text on every background, else the nearest shade towards
  // ``toward`` (black on a light theme, white on a dark one) that does.
  function readableOn(color, backs, toward) {
    for (var step = 0; step <= 20; step++) {
      var c = mix(color, toward, step / 20);
      if (backs.every(function (b) { return contrast(c, b) >= 4.6; })) return c;
    }
    return toward;
  }

  // Every colour pair used is at least 4.5:1 for text and 3:1 for controls and focus rings
  // (tests/test_widget.py measures them in the browser, light and dark).
  function palette(dark) {
    var p = dark
      ? { bg: [28, 33, 40], log: [20, 24, 29], ink: [230, 233, 238], muted: [169, 180, 192], line: [58, 66, 77],
          control: [133, 146, 160], mark: [74, 63, 11] }
      : { bg: WHITE, log: [244, 246, 248], ink: [31, 41, 51], muted: [75, 87, 99], line: [213, 219, 225],
          control: [107, 119, 133], mark: [255, 241, 168] };
    p.accent = accent;
    p.onAccent = textOn(accent);
    p.link = readableOn(accent, [p.bg, p.log, p.mark], dark ? WHITE : BLACK);
    p.ring = p.ink;
    var out = "color-scheme:" + (dark ? "dark" : "light") + ";";
    Object.keys(p).forEach(function (k) { out += "--" + k + ":" + hex(p[k]) + ";"; });
    return out;
  }

  var CSS = [
    ":host{all:initial}",
    ".root{" + palette(false) + "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);",
    "letter-spacing:normal;text-transform:none;text-align:left}",
    ".root.dark{" + palette(true) + "}",
    "@media (prefers-color-scheme:dark){.root.auto{" + palette(true) + "}}",
    // The reset has no specificity (:where), so every rule below wins over it.
    ":where(.root *){box-sizing:border-box;font:inherit;color:inherit;margin:0;padding:0;border:0;background:none;",
    "letter-spacing:inherit;text-transform:inherit}",
    ":where(.root) :focus-visible{outline:3px solid var(--ring);outline-offset:2px}",
    ".head :focus-visible{outline-color:var(--onAccent)}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "background:var(--accent);color:var(--onAccent);cursor:pointer;box-shadow:0 6px 18px rgba(0,0,0,.25);",
    "display:flex;align-items:center;justify-content:center}",
    // On the shop's page, whatever its colours: a dark ring with a white one inside it.
    ".launcher:focus-visible{outline:3px solid #1f2933;outline-offset:2px;box-shadow:0 0 0 2px #fff,0 6px 18px rgba(0,0,0,.25)}",
    ".launcher svg{width:28px;height:28px;fill:currentColor}",
    ".left .launcher{right:auto;left:20px}",
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:400px;max-width:calc(100vw - 24px);",
    "height:min(640px,calc(100vh - 112px));display:flex;flex-direction:column;background:var(--bg);color:var(--ink);",
    "border:1px solid var(--line);border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}",
    ".left .panel{right:auto;left:20px}",
    ".panel[hidden]{display:none}",
    // The header: title and close button, then a row with "At a glance" and the contact link.
    ".head{display:flex;flex-wrap:wrap;align-items:center;gap:0 6px;padding:8px 8px 10px 16px;background:var(--accent);",
    "color:var(--onAccent)}",
    ".links{flex-basis:100%;display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;margin-left:-2px}",
    ".glance-toggle{color:var(--onAccent);font-size:14px;font-weight:600;padding:3px 12px;border:1px solid var(--onAccent);",
    "border-radius:999px;cursor:pointer}",
    ".glance-toggle[aria-expanded=true]{background:var(--onAccent);color:var(--accent)}",
    "h2{flex:1;font-size:17px;font-weight:600;line-height:1.3;overflow-wrap:anywhere}",
    ".contact{color:var(--onAccent);text-decoration:underline;text-underline-offset:3px;font-size:14px;",
    "padding:6px;border-radius:6px;white-space:nowrap}",
    ".contact[hidden]{display:none}",
    ".close{flex:none;width:40px;height:40px;border-radius:8px;color:var(--onAccent);cursor:pointer;display:flex;",
    "align-items:center;justify-content:center}",
    ".close svg{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2.4;stroke-linecap:round}",
    ".log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:12px;background:var(--log)}",
    ".log:focus-visible{outline-offset:-3px}",
    ".log[hidden],.glance[hidden]{display:none}",
    ".glance{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;background:var(--log)}",
    ".glance-top{display:flex;align-items:center;justify-content:space-between;gap:8px}",
    "h3{font-size:17px;font-weight:600;border-radius:4px}",
    ".glance-body{display:flex;flex-direction:column;gap:10px}",
    ".facts{font-size:14px;color:var(--muted)}",
    ".topics{list-style:none;display:flex;flex-direction:column;gap:10px}",
    ".topics li{background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:10px 12px;font-size:14px}",
    "h4{font-size:15px;font-weight:600}",
    ".none{margin-top:2px;color:var(--muted)}",
    ".msg{max-width:88%;padding:10px 12px;border-radius:12px;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:var(--accent);color:var(--onAccent);white-space:pre-wrap}",
    ".bot{align-self:stretch;max-width:100%;background:var(--bg);border:1px solid var(--line)}",
    ".answer{font-weight:600}",
    ".chips{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}",
    ".chip{background:var(--bg);border:1px solid var(--control);border-radius:999px;padding:6px 12px;cursor:pointer;",
    "color:var(--link);font-size:14px;text-align:left}",
    ".chip:hover{border-color:var(--link)}",
    ".from{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 8px;margin-top:6px;font-size:14px;color:var(--muted)}",
    ".section{font-weight:600;color:var(--ink)}",
    ".match{padding:0 8px;border:1px solid var(--control);border-radius:999px;color:var(--muted);white-space:nowrap}",
    ".refs{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 18px;margin-top:4px;font-size:14px}",
    ".refs details[open]{flex-basis:100%}",
    ".label{margin-top:14px;font-size:14px;font-weight:600;color:var(--muted)}",
    "ol{margin-top:6px;padding-left:22px;display:flex;flex-direction:column;gap:12px;font-size:14px}",
    "ol .from{margin-top:0}",
    "q{display:block;margin-top:4px;color:var(--ink)}",
    "details{font-size:14px}",
    "summary{cursor:pointer;color:var(--link);width:fit-content;border-radius:4px}",
    ".passage{margin-top:6px;padding:8px 10px;background:var(--log);border-radius:8px;color:var(--ink)}",
    "mark{background:var(--mark);color:var(--ink);border-radius:3px;padding:0 2px}",
    "a{color:var(--link);text-decoration:underline;text-underline-offset:2px;border-radius:3px}",
    ".cta{display:inline-block;margin-top:10px;padding:8px 14px;border-radius:8px;background:var(--accent);",
    "color:var(--onAccent);text-decoration:none;font-weight:600}",
    ".actions{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-top:12px}",
    ".tool{display:inline-flex;align-items:center;gap:6px;min-height:34px;padding:4px 10px;border:1px solid var(--control);",
    "border-radius:8px;background:var(--bg);color:var(--ink);cursor:pointer;font-size:14px}",
    ".vote{color:var(--muted)}",
    ".vote[aria-pressed=true]{background:var(--link);border-color:var(--link);color:var(--bg)}",
    ".tool svg{width:16px;height:16px;fill:currentColor;flex:none}",
    // The comment box under a thumbs down: inside the answer's bubble, not like the question form.
    "form.why{flex-direction:column;align-items:stretch;gap:6px;margin-top:10px;padding:0;border:0;background:none}",
    ".why label{font-size:14px;color:var(--muted)}",
    ".why textarea{width:100%;min-height:60px;resize:vertical;border:1px solid var(--control);border-radius:8px;",
    "padding:8px 10px;background:var(--bg);color:var(--ink);font-size:15px}",
    ".why-row{display:flex;flex-wrap:wrap;align-items:center;gap:8px}",
    ".why-note{font-size:14px;color:var(--muted)}",
    "p.why{margin-top:10px}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid var(--line);background:var(--bg)}",
    "input{flex:1;min-width:0;border:1px solid var(--control);border-radius:8px;padding:9px 12px;background:var(--bg);",
    "color:var(--ink);font-size:16px}",
    "input::placeholder{color:var(--muted);opacity:1}",
    ".send{background:var(--accent);color:var(--onAccent);border-radius:8px;padding:0 16px;cursor:pointer;font-weight:600}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.root .panel{left:0;right:0;top:0;bottom:0;width:100vw;max-width:100vw;height:100%;",
    "border:0;border-radius:0}.root .launcher{right:14px;bottom:14px}.root.left .launcher{right:auto;left:14px}}"
  ].join("");

  // The widget's own icons: the only markup it ever writes (innerHTML gets nothing else).
  var ICONS = {
    chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 " +
      "0v2h2V9h-2z",
    close: "M7 7l10 10M17 7L7 17",
    thumb: "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.4-1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 0 0 0 " +
      "2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z",
    copy: "M16 1H4a2 2 0 0 0-2 2v14h2V3h12V1zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 " +
      "16H8V7h11v14z"
  };

  // Appends icon ``name`` (a key of ICONS) to ``node``, upside down if ``turned``.
  function icon(node, name, turned) {
    var holder = document.createElement("span");
    holder.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"' +
      (turned ? ' style="transform:rotate(180deg)"' : "") + '><path d="' + ICONS[name] + '"/></svg>';
    node.appendChild(holder.firstChild);
  }

  // ------------------------------------------------------------------ text

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  // Who says a message, for screen readers only ("You: ", "Assistant: "): sighted people see it by
  // the bubble's side and colour. Text, not an aria-label: every screen reader reads it in order.
  function speaker(role) { return el("span", { "class": "sr who" }, role === "user" ? "You: " : "Assistant: "); }

  // A bubble's content: who says it, then ``text`` (as text, never markup).
  function fill(bubble, role, text) {
    bubble.textContent = "";
    bubble.appendChild(speaker(role));
    if (text) bubble.appendChild(document.createTextNode(text));
  }

  function norm(text) { return String(text || "").replace(/\s+/g, " ").trim().toLowerCase(); }

  // A web address (not its closing punctuation) or an e-mail address, in policy text.
  var ADDRESS = /https?:\/\/[^\s<>()"]*[^\s<>()".,;:!?'\u2019\u201d]|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;
  // "click here (http://…)": the words a policy's link had before it was turned into text.
  var LINK_WORDS = /^([\s\S]*?)\b(here|this (?:page|link|form|site|website))\s*\($/i;

  function hrefOf(address) { return /^https?:/i.test(address) ? address : "mailto:" + address; }
  function link(href, text, attrs) {
    var a = el("a", attrs || {}, text);
    a.setAttribute("href", href);
    if (/^https?:/i.test(href)) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener"); }
    return a;
  }

  // Appends policy text to ``node`` with its addresses made into links (DOM nodes, never HTML).
  // "click here (http://…)" becomes "click here" with "here" the link.
  function addText(node, text) {
    var at = 0, found;
    text = String(text || "");
    ADDRESS.lastIndex = 0;
    while ((found = ADDRESS.exec(text))) {
      var address = found[0], end = found.index + address.length, before = text.slice(at, found.index);
      var label = address, words = before.match(LINK_WORDS);
      if (words && text.charAt(end) === ")") { before = words[1]; label = words[2]; end += 1; }
      node.appendChild(document.createTextNode(before));
      node.appendChild(link(hrefOf(address), label));
      at = end;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
    return node;
  }

  function firstAddress(text) {
    ADDRESS.lastIndex = 0;
    var found = ADDRESS.exec(String(text || ""));
    return found ? hrefOf(found[0]) : null;
  }

  function safeHref(url) {
    return typeof url === "string" && /^(https?:\/\/|mailto:)\S+$/i.test(url) ? url : null;
  }

  // ------------------------------------------------------------------ storage

  function loadTurns() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storeKey) || "[]");
      return Array.isArray(saved) ? saved.filter(function (t) {
        return t && typeof t.q === "string" && t.data && typeof t.data.answer === "string";
      }) : [];
    } catch (e) {
      return [];  // storage blocked or damaged: start afresh
    }
  }

  function saveTurns(turns) {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify(turns.slice(-MAX_TURNS)));
    } catch (e) { /* storage full or blocked: the conversation is simply not kept */ }
  }

  // ------------------------------------------------------------------ clipboard

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  // For browsers without the Clipboard API (or pages that deny it): the copy command, with the
  // text put on the clipboard by its copy event.
  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var done = false;
      function onCopy(event) {
        event.clipboardData.setData("text/plain", text);
        event.preventDefault();
        done = true;
      }
      document.addEventListener("copy", onCopy, true);
      try { document.execCommand("copy"); } catch (e) { /* refused: done stays false */ }
      document.removeEventListener("copy", onCopy, true);
      if (done) resolve(); else reject(new Error("copy refused"));
    });
  }

  // ------------------------------------------------------------------ at a glance

  // Each topic's name for people; the server fills it in from bot.overview.TOPIC_NAMES.
  var TOPIC_NAMES = "%TOPIC_NAMES%";

  function topicName(key) {
    var known = TOPIC_NAMES && typeof TOPIC_NAMES === "object" ? TOPIC_NAMES[key] : null;
    return typeof known === "string" ? known : key.charAt(0).toUpperCase() + key.slice(1);
  }

  // "Last Modified: 15th August 2025 · 1,006 words, about 5 min to read, reading grade 11.8"
  function glanceFacts(data) {
    var stats = data.stats || {};
    var facts = Number(stats.words || 0).toLocaleString("en-US") + " words, about " + stats.reading_minutes +
      " min to read, reading grade " + Math.round(Number(stats.grade) * 10) / 10;
    var updated = data.updated;
    return updated && updated.label && updated.date ? updated.label + ": " + updated.date + " · " + facts : facts;
  }

  // Each topic with its quote and a link to it in the policy page (pinned to the version quoted),
  // or "Not found in this policy": never more than the policy says.
  function glanceList(data) {
    var list = el("ul", { "class": "topics", "aria-label": "Topics" });
    Object.keys(data.topics || {}).forEach(function (key) {
      var view = data.topics[key] || {}, name = topicName(key), item = el("li");
      var quote = view.addressed && Array.isArray(view.quotes) ? view.quotes[0] : null;
      item.appendChild(el("h4", null, name));
      if (quote && typeof quote.sentence === "string") {
        item.appendChild(addText(el("q"), quote.sentence));
        var refs = el("div", { "class": "refs" });
        refs.appendChild(link(base + "/policy/" + encodeURIComponent(data.policy) + "?start=" + quote.start + "&end=" +
                              quote.end + "&v=" + String(data.version || "").slice(0, 12) + "#cite-1",
                              "View in policy", { "aria-label": "View in policy: " + name }));
        item.appendChild(refs);
      } else {
        item.appendChild(el("p", { "class": "none" }, view.summary || "Not found in this policy"));
      }
      list.appendChild(item);
    });
    return list;
  }

  // ------------------------------------------------------------------ the widget

  function start() {
    var host = el("policybot-widget");
    document.body.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    var root = el("div", { "class": "root " + theme + " " + position });
    shadow.appendChild(el("style", null, CSS));
    shadow.appendChild(root);

    var launcher = el("button", { "class": "launcher", type: "button", "aria-label": "Ask about our privacy policy",
                                  "aria-expanded": "false", "aria-controls": "pb-panel",
                                  "aria-keyshortcuts": "Control+K Meta+K",
                                  title: title + (/Mac|iPhone|iPad/.test(navigator.platform) ? " (⌘K)" : " (Ctrl+K)") });
    icon(launcher, "chat");
    var panel = el("div", { "class": "panel", id: "pb-panel", role: "dialog", "aria-modal": "true",
                            "aria-labelledby": "pb-title", hidden: "" });
    var header = el("div", { "class": "head" });
    header.appendChild(el("h2", { id: "pb-title" }, title));
    var close = el("button", { "class": "close", type: "button", "aria-label": "Close" });
    icon(close, "close");
    header.appendChild(close);
    var links = el("div", { "class": "links" });
    var glanceToggle = el("button", { "class": "glance-toggle", type: "button", "aria-expanded": "false",
                                      "aria-controls": "pb-glance" }, "At a glance");
    links.appendChild(glanceToggle);
    var contact = el("a", { "class": "contact", hidden: "" });
    links.appendChild(contact);
    header.appendChild(links);
    var log = el("div", { "class": "log", role: "region", "aria-label": "Conversation", tabindex: "0" });
    var welcome = el("div", { "class": "msg bot" });
    welcome.appendChild(speaker("bot"));
    welcome.appendChild(el("p", null, greeting));
    var chips = el("div", { "class": "chips", role: "group", "aria-label": "Example questions" });
    examples.forEach(function (q) {
      var chip = el("button", { "class": "chip", type: "button" }, q);
      chip.addEventListener("click", function () { ask(q); });
      chips.appendChild(chip);
    });
    if (examples.length) welcome.appendChild(chips);
    log.appendChild(welcome);
    // The policy at a glance, in place of the conversation while it is shown.
    var glance = el("section", { "class": "glance", id: "pb-glance", "aria-labelledby": "pb-glance-title", hidden: "" });
    var glanceTop = el("div", { "class": "glance-top" });
    var glanceTitle = el("h3", { id: "pb-glance-title", tabindex: "-1" }, "At a glance");
    glanceTop.appendChild(glanceTitle);
    var back = el("button", { "class": "tool", type: "button" }, "Back to questions");
    glanceTop.appendChild(back);
    glance.appendChild(glanceTop);
    var glanceBody = el("div", { "class": "glance-body" });
    glance.appendChild(glanceBody);
    // The one live region: each answer is announced once, briefly (the answer and how many sources).
    var status = el("div", { "class": "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    var form = el("form");
    form.appendChild(el("label", { "class": "sr", "for": "pb-input" }, "Your question"));
    var input = el("input", { id: "pb-input", type: "text", maxlength: "%MAX_QUESTION_CHARS%", autocomplete: "off",
                              placeholder: "Ask a question…" });
    form.appendChild(input);
    form.appendChild(el("button", { "class": "send", type: "submit" }, "Send"));
    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(glance);
    panel.appendChild(status);
    panel.appendChild(form);
    root.appendChild(launcher);
    root.appendChild(panel);

    // The demo page shows the one line to paste, with this server's real address.
    var snippet = document.querySelector("[data-policybot-snippet]");
    if (snippet) {
      snippet.textContent = "<script src=\"" + base + "/widget.js\"" + (policy ? " data-policy=\"" + policy + "\"" : "") +
        " defer></script>";
    }

    var turns = loadTurns();
    var contacts = {};
    var wide = window.matchMedia ? window.matchMedia("(min-width: 481px)") : { matches: true };

    function announce(text) {
      status.textContent = "";
      setTimeout(function () { status.textContent = text; }, 50);  // a change, even for the same words
    }

    var waiting = [], opened = false;  // work that needs the network waits until the panel is first opened
    function whenOpened(task) { if (opened) task(); else waiting.push(task); }
    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      if (!opened) {
        opened = true;
        showContact(policy || (turns.length ? turns[turns.length - 1].data.policy : null));
        waiting.splice(0).forEach(function (task) { task(); });
        log.scrollTop = log.scrollHeight;  // a conversation kept from an earlier page: its latest answer
      }
      input.focus();
    }
    function shut(refocus) {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      if (refocus !== false) launcher.focus();
    }
    launcher.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", function () { shut(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); shut(); return; }
      if (event.key !== "Tab") return;
      var items = Array.prototype.filter.call(
        panel.querySelectorAll("button, a[href], input, textarea, summary, [tabindex='0']"),
        function (n) { return !n.disabled && n.getClientRects().length; });
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1], current = shadow.activeElement;
      if (event.shiftKey && current === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && current === last) { event.preventDefault(); first.focus(); }
    });
    document.addEventListener("keydown", function (event) {  // Ctrl+K / Cmd+K, from anywhere on the page
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && /^k$/i.test(event.key)) {
        event.preventDefault();
        if (panel.hidden) open(); else input.focus();
      }
    });
    document.addEventListener("pointerdown", function (event) {  // a click outside closes it (not on a phone,
      if (panel.hidden || !wide.matches) return;                  // where the panel fills the screen)
      var path = event.composedPath ? event.composedPath() : [event.target];
      if (path.indexOf(host) < 0) shut(false);
    }, true);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = input.value.trim();
      if (q) ask(q);
    });

    // "At a glance": the policy of data-policy, else of the latest answer, else the server's first.
    var overviews = {};  // policy name -> its overview (a promise), fetched once a page
    function glancePolicy() {
      var last = turns.length ? turns[turns.length - 1].data.policy : null;
      if (policy || last) return Promise.resolve(policy || last);
      return fetch(base + "/api/policies").then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { return list.length ? list[0].name : null; });
    }
    function overviewOf(name) {
      if (!overviews[name]) {
        overviews[name] = fetch(base + "/api/policies/" + encodeURIComponent(name) + "/overview").then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        });
        overviews[name].catch(function () { delete overviews[name]; });  // a failure is tried again next time
      }
      return overviews[name];
    }
    function loadGlance() {
      glanceBody.textContent = "";
      glanceBody.appendChild(el("p", { "class": "facts" }, "Loading…"));
      glanceBody.setAttribute("aria-busy", "true");
      glancePolicy().then(function (name) {
        if (!name) throw new Error("no policy");
        return overviewOf(name);
      }).then(function (data) {
        glanceBody.textContent = "";
        glanceBody.appendChild(el("p", { "class": "facts" }, glanceFacts(data)));
        glanceBody.appendChild(glanceList(data));
      }, function () {
        glanceBody.textContent = "";
        glanceBody.appendChild(el("p", null, "Sorry, the overview can't be loaded right now."));
      }).then(function () { glanceBody.removeAttribute("aria-busy"); });
    }
    // Shows the overview in place of the conversation (focus on its heading), or the conversation
    // again (focus on ``then``, if given).
    function showGlance(show, then) {
      if (show === !glance.hidden) return;
      glance.hidden = !show;
      log.hidden = show;
      glanceToggle.setAttribute("aria-expanded", String(show));
      if (show) {
        loadGlance();
        glanceTitle.focus();
      } else if (then) then.focus();
    }
    glanceToggle.addEventListener("click", function () { showGlance(glance.hidden, glanceToggle); });
    back.addEventListener("click", function () { showGlance(false, input); });

    function say(role, text) {
      var bubble = el("div", { "class": "msg " + role });
      fill(bubble, role, text);
      log.appendChild(bubble);
      log.scrollTop = log.scrollHeight;
      return bubble;
    }

    // ``{href, label}`` for a policy's contact route, or null: the API's contact_url, else the
    // first web or e-mail address in its contact sentence.
    function contactFor(name) {
      if (!name) return Promise.resolve(null);
      if (!(name in contacts)) {
        contacts[name] = fetch(base + "/api/policies/" + encodeURIComponent(name))
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (d) {
            var href = safeHref(d.contact_url) || firstAddress(d.contact);
            return href ? { href: href, label: "Contact " + companyName(href, d) } : null;
          }, function () { return null; });
      }
      return contacts[name];
    }

    // The shop's name: data-company, else the contact address's domain when the policy names it
    // (www.bellacor.com for the "bellacor" policy: "Bellacor"), else "us".
    function companyName(href, info) {
      if (company) return company;
      var domain = "";
      try {
        domain = /^mailto:/i.test(href) ? href.split("@")[1] || "" : new URL(href).hostname;
      } catch (e) { domain = ""; }
      var word = domain.replace(/^www\./i, "").split(".")[0].toLowerCase();
      var known = word.length > 1 && (norm(info.name) === word || norm(info.title).indexOf(word) >= 0);
      return known ? word.charAt(0).toUpperCase() + word.slice(1) : "us";
    }

    function showContact(name) {
      if (!contact.hidden) return;
      var found = name ? contactFor(name) : fetch(base + "/api/policies")
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { return list.length === 1 ? contactFor(list[0].name) : null; }, function () { return null; });
      found.then(function (c) {
        if (!c || !contact.hidden) return;
        contact.textContent = c.label;
        contact.setAttribute("href", c.href);
        if (/^https?:/i.test(c.href)) { contact.setAttribute("target", "_blank"); contact.setAttribute("rel", "noopener"); }
        contact.hidden = false;
      });
    }

    function vote(turn, up, buttons) {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === (up ? buttons[0] : buttons[1]))); });
      fetch(base + "/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify({ answer_id: turn.id, vote: up ? "up" : "down" }) })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          turn.vote = up ? "up" : "down";
          if (up) turn.commented = false;  // a thumbs up drops the comment on the server too
          saveTurns(turns);
          showComment(turn, buttons[1]);
          if (!up && !turn.commented) announce("Thanks. You can say what was wrong below; it is optional.");
        })
        .catch(function () {  // not recorded: show it as not pressed, so the reader can try again
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        });
    }

    // Under a thumbs down (once recorded), the optional comment box; gone after a thumbs up.
    function showComment(turn, down) {
      var actions = down.parentNode, next = actions.nextSibling;
      var shown = next && next.classList && next.classList.contains("why");
      if (turn.vote === "down" && !turn.commented && !shown) actions.parentNode.insertBefore(commentForm(turn, down), next);
      else if (turn.vote !== "down" && shown) actions.parentNode.removeChild(next);
    }

    var whyCount = 0;  // each comment box's id, for its label
    function commentForm(turn, down) {
      var id = "pb-why-" + (++whyCount);
      var form = el("form", { "class": "why" });
      form.appendChild(el("label", { "for": id }, "What was wrong? (optional, " + MAX_COMMENT + " characters max)"));
      var box = el("textarea", { id: id, maxlength: MAX_COMMENT, rows: "2" });
      form.appendChild(box);
      var row = el("div", { "class": "why-row" });
      var send = el("button", { "class": "tool", type: "submit" }, "Send comment");
      var note = el("p", { "class": "why-note" });
      row.appendChild(send);
      row.appendChild(note);
      form.appendChild(row);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = box.value.trim();
        if (!text) { note.textContent = "Type what was wrong first."; box.focus(); return; }
        send.disabled = true;
        fetch(base + "/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify({ answer_id: turn.id, vote: "down", comment: text }) })
          .then(function (r) {
            if (r.ok) return null;
            return r.json().catch(function () { return {}; }).then(function (d) {
              throw serverError(d.error || ("The server answered " + r.status + "."));
            });
          })
          .then(function () {
            turn.commented = true;
            saveTurns(turns);
            form.parentNode.replaceChild(el("p", { "class": "why why-note" }, "Thanks: your comment was sent."), form);
            down.focus();  // the box and its button are gone: focus goes back to the thumbs down
            announce("Thanks: your comment was sent.");
          })
          .catch(function (err) {
            send.disabled = false;
            note.textContent = "Not sent: " + (err && err.fromServer ? err.message : "the assistant can't be reached " +
                                               "right now.");
            announce(note.textContent);
          });
      });
      return form;
    }

    // An error the server explained (its JSON "error"), as opposed to a network failure, whose
    // message differs by browser ("Failed to fetch", "Load failed", "NetworkError ...").
    function serverError(message) {
      var err = new Error(message);
      err.fromServer = true;
      return err;
    }

    function policyLink(c, data) {
      var pinned = c.policy === data.policy && data.policy_version ? "&v=" + data.policy_version.slice(0, 12) : "";
      return base + "/policy/" + encodeURIComponent(c.policy) + "?start=" + c.start + "&end=" + c.end + pinned +
        "#cite-1";
    }

    // Section and match in words ("Strong match"; nothing when the API gives none).
    function sourceLine(c) {
      var line = el("p", { "class": "from" });
      line.appendChild(el("span", { "class": "section" }, c.section));
      if (c.match === "strong" || c.match === "partial") {
        line.appendChild(document.createTextNode(" "));  // read and copied as two words, not run together
        line.appendChild(el("span", { "class": "match" }, c.match === "strong" ? "Strong match" : "Partial match"));
      }
      return line;
    }

    function viewLink(c, data) {
      return link(policyLink(c, data), "View in policy", { "aria-label": "View in policy: " + c.section });
    }

    // The passage with its key sentence marked, folded away: the context around a quote.
    function passage(c) {
      var more = el("details");
      more.appendChild(el("summary", null, "Show the passage"));
      var full = el("p", { "class": "passage" }), at = c.text.indexOf(c.sentence);
      if (at < 0) addText(full, c.text);
      else {
        addText(full, c.text.slice(0, at));
        full.appendChild(addText(el("mark"), c.sentence));
        addText(full, c.text.slice(at + c.sentence.length));
      }
      more.appendChild(full);
      return more;
    }

    // The citations that add something: each key sentence once, none repeating ``skip``.
    function distinct(citations, skip) {
      var seen = {}, spans = {};
      skip.forEach(function (s) { seen[norm(s)] = true; });
      return citations.filter(function (c) {
        var key = norm(c.sentence), span = c.policy + ":" + c.start + ":" + c.end;
        if (!key || seen[key] || spans[span]) return false;
        seen[key] = spans[span] = true;
        return true;
      });
    }

    function sourceList(name, citations, data) {
      var list = el("ol", { "aria-label": name });
      citations.forEach(function (c) {
        var item = el("li");
        item.appendChild(sourceLine(c));
        item.appendChild(addText(el("q"), c.sentence));
        var refs = el("div", { "class": "refs" });
        refs.appendChild(viewLink(c, data));
        item.appendChild(refs);
        list.appendChild(item);
      });
      return list;
    }

    function count(n, one, many) { return n + " " + (n === 1 ? one : many); }

    function copyButton(text) {
      var button = el("button", { "class": "tool copy", type: "button" });
      icon(button, "copy");
      var label = el("span", null, "Copy answer");
      button.appendChild(label);
      var timer = null;
      button.addEventListener("click", function () {
        copyText(text).then(function () {
          label.textContent = "Copied";
          announce("Copied");
        }, function () {
          label.textContent = "Copy failed";
          announce("Could not copy the answer");
        });
        clearTimeout(timer);
        timer = setTimeout(function () { label.textContent = "Copy answer"; }, 2500);
      });
      return button;
    }

    // Draws an answer in ``bubble``; returns what a screen reader should hear of it.
    function render(bubble, turn) {
      var data = turn.data, citations = Array.isArray(data.citations) ? data.citations : [];
      fill(bubble, "bot", "");
      bubble.removeAttribute("aria-busy");
      var answer = addText(el("p", { "class": "answer" }), data.answer);
      bubble.appendChild(answer);
      var spoken = answer.textContent, shown = 0, copied = null;
      if (data.kind === "answer" && citations.length) {
        var top = citations[0];
        bubble.appendChild(sourceLine(top));  // the answer's own section, right under it
        var refs = el("div", { "class": "refs" });
        refs.appendChild(viewLink(top, data));
        if (norm(top.text) !== norm(top.sentence)) refs.appendChild(passage(top));  // else it is all quoted above
        bubble.appendChild(refs);
        var more = distinct(citations.slice(1), [data.answer, top.sentence]);
        if (more.length) {
          bubble.appendChild(el("p", { "class": "label", "aria-hidden": "true" }, "More sources"));
          bubble.appendChild(sourceList("More sources", more, data));
        }
        shown = 1 + more.length;
        spoken += " " + count(shown, "source.", "sources.");
        copied = answer.textContent + "\n(" + top.section + ": " + policyLink(top, data) + ")";
      } else if (data.kind === "not_found") {
        var cta = el("p");
        bubble.appendChild(cta);
        whenOpened(function () {
          contactFor(data.policy).then(function (c) {
            if (c) cta.appendChild(link(c.href, c.label, { "class": "cta" }));
          });
        });
        var closest = distinct(citations, []);
        if (closest.length) {
          bubble.appendChild(el("p", { "class": "label", "aria-hidden": "true" }, "Closest passages"));
          bubble.appendChild(sourceList("Closest passages", closest, data));
          spoken += " " + count(closest.length, "closest passage.", "closest passages.");
        }
      }
      var actions = el("div", { "class": "actions" });
      if (copied) actions.appendChild(copyButton(copied));
      if (turn.id) {
        var up = el("button", { "class": "tool vote", type: "button", "aria-label": "Helpful",
                                "aria-pressed": String(turn.vote === "up") });
        var down = el("button", { "class": "tool vote", type: "button", "aria-label": "Not helpful",
                                  "aria-pressed": String(turn.vote === "down") });
        icon(up, "thumb");
        icon(down, "thumb", true);
        up.addEventListener("click", function () { vote(turn, true, [up, down]); });
        down.addEventListener("click", function () { vote(turn, false, [up, down]); });
        actions.appendChild(up);
        actions.appendChild(down);
      }
      if (actions.childNodes.length) bubble.appendChild(actions);
      if (turn.id) showComment(turn, down);  // a thumbs down kept from an earlier page, not commented on yet
      var suggestions = Array.isArray(data.suggestions) ? data.suggestions.filter(function (s) {
        return typeof s === "string" && s.trim();
      }).slice(0, 3) : [];
      if (suggestions.length) {
        bubble.appendChild(el("p", { "class": "label", "aria-hidden": "true" }, "You could also ask"));
        var group = el("div", { "class": "chips", role: "group", "aria-label": "You could also ask" });
        suggestions.forEach(function (q) {
          var chip = el("button", { "class": "chip", type: "button" }, q);
          chip.addEventListener("click", function () { ask(q); });
          group.appendChild(chip);
        });
        bubble.appendChild(group);
      }
      return spoken;
    }

    function asked() {
      if (chips.parentNode) chips.parentNode.removeChild(chips);  // examples are for before the first question
    }

    function ask(question) {
      input.value = "";
      showGlance(false);
      asked();
      var mine = say("user", question);
      var bubble = say("bot", "Looking in the policy…");
      bubble.setAttribute("aria-busy", "true");
      fetch(base + "/api/answer", { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify({ question: question, policy: policy }) })
        .then(function (r) {
          return r.json()
            .catch(function () { throw serverError("The server answered " + r.status + "."); })
            .then(function (data) {
              if (!r.ok) throw serverError(data.error || ("The server answered " + r.status + "."));
              var turn = { q: question, data: data, id: r.headers.get("X-Answer-Id"), vote: null };
              turns.push(turn);
              saveTurns(turns);
              announce(render(bubble, turn));
              if (data.policy) showContact(data.policy);
              log.scrollTop = mine.offsetTop - log.offsetTop - 8;  // the question and the answer's start
            });
        })
        .catch(function (err) {
          bubble.removeAttribute("aria-busy");
          var sorry = err && err.fromServer
            ? "Sorry: " + err.message : "Sorry, the assistant can't be reached right now.";
          fill(bubble, "bot", sorry);
          announce(sorry);
        });
    }

    // The conversation so far in this tab, as it was.
    turns.forEach(function (turn) {
      try {
        say("user", turn.q);
        render(say("bot", ""), turn);
      } catch (e) { /* a damaged entry is left out */ }
    });
    if (turns.length) asked();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
