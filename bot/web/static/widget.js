/*
 * policybot support widget.
 *
 *   <script src="http://HOST:PORT/widget.js" data-policy="bellacor" defer></script>
 *
 * Adds a chat button to the page; the panel answers questions about the privacy policy by
 * calling this server's POST /api/answer. Everything lives in a Shadow DOM (the page's CSS
 * cannot reach in, the widget's cannot leak out), text is only ever set with textContent,
 * and nothing is loaded from anywhere but the policybot server.
 *
 * Optional attributes: data-policy (default: every policy), data-title (panel title).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__policybotWidget) return;
  window.__policybotWidget = true;

  var base = new URL(script.src, location.href).origin;
  var policy = script.getAttribute("data-policy") || null;
  var title = script.getAttribute("data-title") || "Privacy questions";
  var examples = ["Do you sell my data?", "How do I stop marketing emails?", "Do you use cookies?"];
  var contacts = {};
  var THUMB = '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" ' +
    'd="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.4-1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 ' +
    '0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>';

  var CSS = [
    ":host{all:initial}",
    ".root{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;}",
    ".root *{box-sizing:border-box;font:inherit;color:inherit;margin:0;letter-spacing:normal;text-transform:none}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "border:0;padding:0;background:#2457d6;color:#fff;cursor:pointer;box-shadow:0 6px 18px rgba(0,0,0,.25);",
    "display:flex;align-items:center;justify-content:center}",
    ".launcher svg{width:28px;height:28px;fill:#fff}",
    ".launcher:focus-visible,.root button:focus-visible,.root a:focus-visible,.root input:focus-visible{",
    "outline:3px solid #ffb020;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:380px;max-width:calc(100vw - 24px);",
    "height:min(600px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;",
    "border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;",
    "background:#2457d6;color:#fff}",
    "h2{font-size:16px;font-weight:600}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;width:36px;height:36px;",
    "border-radius:8px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:10px;background:#f6f7f9}",
    ".hint{color:#52606d}",
    ".chips{display:flex;flex-wrap:wrap;gap:6px}",
    ".chip{background:#fff;border:1px solid #c9d2dc;border-radius:999px;padding:5px 10px;cursor:pointer;",
    "color:#2457d6}",
    ".msg{max-width:92%;padding:9px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:#2457d6;color:#fff}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #e1e6ec}",
    ".answer{font-weight:600}",
    ".muted{color:#52606d;margin-top:6px}",
    "ol{margin:8px 0 0;padding-left:20px}",
    "li{margin:8px 0;white-space:normal}",
    "q{display:block;margin:2px 0}",
    "details{margin:2px 0;color:#52606d}",
    "summary{cursor:pointer;color:#2457d6}",
    ".passage{margin:4px 0;color:#1f2933}",
    ".section{font-weight:600;display:block}",
    "mark{background:#fff3b0;color:inherit}",
    "a{color:#2457d6;text-decoration:underline}",
    ".votes{display:flex;gap:6px;margin-top:8px}",
    ".vote{background:#fff;border:1px solid #c9d2dc;border-radius:8px;padding:4px 8px;cursor:pointer;color:#52606d;",
    "display:inline-flex;align-items:center}",
    ".vote[aria-pressed=true]{background:#e6eeff;border-color:#2457d6}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e1e6ec;background:#fff}",
    "input{flex:1;min-width:0;border:1px solid #c9d2dc;border-radius:8px;padding:9px 10px;background:#fff}",
    ".send{background:#2457d6;color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{right:0;left:0;bottom:0;top:0;width:100vw;max-width:100vw;height:100%;",
    "border-radius:0}.launcher{right:14px;bottom:14px}}"
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  // Text with its http(s) URLs made into links, built from DOM nodes (never innerHTML).
  function linked(tag, attrs, text) {
    var node = el(tag, attrs), at = 0, found, urls = /https?:\/\/[^\s()<>"]+[^\s()<>".,;:!?]/g;
    while ((found = urls.exec(text))) {
      node.appendChild(document.createTextNode(text.slice(at, found.index)));
      node.appendChild(el("a", { href: found[0], target: "_blank", rel: "noopener" }, found[0]));
      at = found.index + found[0].length;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
    return node;
  }

  function start() {
    var host = el("policybot-widget");
    document.body.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    var style = el("style", null, CSS);
    var root = el("div", { "class": "root" });
    shadow.appendChild(style);
    shadow.appendChild(root);

    var launcher = el("button", { "class": "launcher", type: "button", "aria-label": "Ask about our privacy policy",
                                  "aria-expanded": "false", "aria-controls": "pb-panel" });
    launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 ' +
      '2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>';
    var panel = el("div", { "class": "panel", id: "pb-panel", role: "dialog", "aria-modal": "true",
                            "aria-labelledby": "pb-title", hidden: "" });
    var header = el("header");
    header.appendChild(el("h2", { id: "pb-title" }, title));
    var close = el("button", { "class": "close", type: "button", "aria-label": "Close" }, "×");
    header.appendChild(close);
    var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    log.appendChild(el("p", { "class": "hint" }, "Ask anything about our privacy policy. Answers quote the policy itself."));
    var chips = el("div", { "class": "chips" });
    examples.forEach(function (q) {
      var chip = el("button", { "class": "chip", type: "button" }, q);
      chip.addEventListener("click", function () { ask(q); });
      chips.appendChild(chip);
    });
    log.appendChild(chips);
    var form = el("form");
    form.appendChild(el("label", { "class": "sr", "for": "pb-input" }, "Your question"));
    var input = el("input", { id: "pb-input", type: "text", maxlength: "%MAX_QUESTION_CHARS%", autocomplete: "off",
                              placeholder: "Ask a question…" });
    form.appendChild(input);
    form.appendChild(el("button", { "class": "send", type: "submit" }, "Send"));
    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(form);
    root.appendChild(launcher);
    root.appendChild(panel);

    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      input.focus();
    }
    function shut() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
    launcher.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); shut(); return; }
      if (event.key !== "Tab") return;
      var items = Array.prototype.filter.call(panel.querySelectorAll("button, a[href], input"), function (n) {
        return !n.disabled && n.getClientRects().length;
      });
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1], current = shadow.activeElement;
      if (event.shiftKey && current === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && current === last) { event.preventDefault(); first.focus(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = input.value.trim();
      if (q) ask(q);
    });

    function say(role, text) {
      var bubble = el("div", { "class": "msg " + role }, text);
      log.appendChild(bubble);
      log.scrollTop = log.scrollHeight;
      return bubble;
    }

    function contactFor(name) {
      if (!name) return Promise.resolve(null);
      if (!(name in contacts)) {
        contacts[name] = fetch(base + "/api/policies/" + encodeURIComponent(name))
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (d) { return d.contact || null; }, function () { return null; });
      }
      return contacts[name];
    }

    function vote(answerId, up, buttons) {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === (up ? buttons[0] : buttons[1]))); });
      fetch(base + "/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify({ answer_id: answerId, vote: up ? "up" : "down" }) })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); })
        .catch(function () {  // not recorded: show it as not pressed, so the reader can try again
          buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        });
    }

    // An error the server explained (its JSON "error"), as opposed to a network failure, whose
    // message differs by browser ("Failed to fetch", "Load failed", "NetworkError ...").
    function serverError(message) {
      var err = new Error(message);
      err.fromServer = true;
      return err;
    }

    function render(bubble, data, answerId) {
      bubble.textContent = "";
      bubble.removeAttribute("aria-busy");
      bubble.appendChild(linked("p", { "class": "answer" }, data.answer));
      var extra = el("p", { "class": "muted" });
      if (data.kind === "not_found") {
        extra.textContent = data.citations.length ? "The closest passages:" : "";
        contactFor(data.policy).then(function (c) {
          if (c) bubble.insertBefore(linked("p", { "class": "muted" }, "To ask us directly: " + c), extra);
        });
      }
      bubble.appendChild(extra);
      var list = el("ol", { "aria-label": data.answered ? "Sources" : "Closest passages" });
      data.citations.forEach(function (c) {
        var item = el("li");
        item.appendChild(el("span", { "class": "section" }, c.section));
        item.appendChild(linked("q", null, c.sentence));
        var more = el("details");
        more.appendChild(el("summary", null, "Whole passage"));
        var at = c.text.indexOf(c.sentence), full = el("p", { "class": "passage" });
        if (at < 0) { full.textContent = c.text; }
        else {
          full.appendChild(document.createTextNode(c.text.slice(0, at)));
          full.appendChild(el("mark", null, c.sentence));
          full.appendChild(document.createTextNode(c.text.slice(at + c.sentence.length)));
        }
        more.appendChild(full);
        item.appendChild(more);
        var pinned = c.policy === data.policy && data.policy_version ? "&v=" + data.policy_version.slice(0, 12) : "";
        item.appendChild(el("a", { href: base + "/policy/" + encodeURIComponent(c.policy) + "?start=" + c.start +
                                   "&end=" + c.end + pinned + "#cite-1", target: "_blank", rel: "noopener" },
                            "View in policy"));
        list.appendChild(item);
      });
      if (data.citations.length) bubble.appendChild(list);
      if (answerId) {
        var votes = el("div", { "class": "votes" });
        var up = el("button", { "class": "vote", type: "button", "aria-label": "Helpful", "aria-pressed": "false" });
        var down = el("button", { "class": "vote", type: "button", "aria-label": "Not helpful",
                                  "aria-pressed": "false" });
        up.innerHTML = THUMB;
        down.innerHTML = THUMB.replace("<svg ", '<svg style="transform:rotate(180deg)" ');
        up.addEventListener("click", function () { vote(answerId, true, [up, down]); });
        down.addEventListener("click", function () { vote(answerId, false, [up, down]); });
        votes.appendChild(up);
        votes.appendChild(down);
        bubble.appendChild(votes);
      }
      log.scrollTop = bubble.offsetTop - log.offsetTop - 8;  // the answer's start, not the list's end
    }

    function ask(question) {
      input.value = "";
      say("user", question);
      var bubble = say("bot", "Looking in the policy…");
      bubble.setAttribute("aria-busy", "true");
      fetch(base + "/api/answer", { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify({ question: question, policy: policy }) })
        .then(function (r) {
          return r.json()
            .catch(function () { throw serverError("The server answered " + r.status + "."); })
            .then(function (data) {
              if (!r.ok) throw serverError(data.error || ("The server answered " + r.status + "."));
              render(bubble, data, r.headers.get("X-Answer-Id"));
            });
        })
        .catch(function (err) {
          bubble.removeAttribute("aria-busy");
          bubble.textContent = err && err.fromServer
            ? "Sorry: " + err.message : "Sorry, the assistant can't be reached right now.";
        });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
