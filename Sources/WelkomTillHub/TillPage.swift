/// `GET /till/{id}`: the till display page, one self-contained document (no external resources,
/// so it works on a till with no internet and the Content-Security-Policy can forbid them).
///
/// Stable hooks for browser tests: `#prompts` holds one `<article class="prompt"
/// data-prompt-id="…">` per prompt, newest on top, with `.prompt-text`, `button.ack` and
/// `button.dismiss`; a customer's prompt also has `.prompt-scopes[data-scopes]` (the scopes
/// given) and `button.withdraw`, which opens `.withdraw-confirm` with `button.withdraw-yes` and
/// `button.withdraw-no`; `#notice` says when a withdrawal has been carried out;
/// `#connection[data-state]` is `open`, `closed` or `unpaired` (the pairing was revoked: the
/// page clears every card); `#empty` shows when there are no prompts.
///
/// Keyboard: Enter acknowledges the focused prompt (focus sits on its Acknowledge button),
/// Escape dismisses it (or the first prompt when none has focus), arrow keys move between
/// prompts. Buttons are large enough for touch.
///
/// The script inserts prompt text with `textContent` only, never as HTML.
enum TillPage {
    static func render(till: TillInfo, reconnectMilliseconds: Int) -> String {
        let name = HTMLText.escape(till.name)
        let base = "/till/" + HTMLText.pathSegment(till.id)
        let events = HTMLText.escape(base + "/events")
        let actions = HTMLText.escape(base + "/prompts/")
        let renew = HTMLText.escape(base + "/renew")
        let t = TillPageText.for(till.language)
        let js = TillPageText.js
        return #"""
        <!doctype html>
        <html lang="\#(t.lang)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\#(name) — Welkom</title>
        <style>
        :root { color-scheme: dark; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #000; color: #fff; font: 24px/1.3 system-ui, "Segoe UI", Roboto, sans-serif; }
        header { display: flex; justify-content: space-between; align-items: center; gap: 16px;
                 padding: 12px 24px; background: #111; border-bottom: 2px solid #555; }
        h1 { font-size: 34px; margin: 0; }
        #connection { font-size: 22px; font-weight: 700; padding: 6px 14px; border-radius: 8px; white-space: nowrap; }
        #connection[data-state="open"] { background: #0b6b00; color: #fff; }
        #connection[data-state="closed"] { background: #ffd400; color: #000; }
        #connection[data-state="unpaired"] { background: #a00000; color: #fff; }
        main { padding: 24px; }
        #prompts { display: flex; flex-direction: column; gap: 24px; }
        .prompt { background: #fff; color: #000; border-radius: 16px; padding: 20px 28px;
                  border-left: 20px solid #0050b3; }
        .prompt[data-kind="offer"] { border-left-color: #c43d00; }
        .prompt[data-kind="note"] { border-left-color: #5b2591; }
        .prompt-kind { font-size: 22px; font-weight: 700; letter-spacing: .06em; text-transform: uppercase; color: #222; }
        .prompt-text { font-size: 56px; line-height: 1.15; font-weight: 800; margin: 6px 0 20px; overflow-wrap: anywhere; }
        .actions { display: flex; flex-wrap: wrap; gap: 16px; }
        button { font: inherit; font-size: 30px; font-weight: 800; padding: 16px 28px; min-width: 13em;
                 border-radius: 12px; border: 4px solid #000; cursor: pointer; }
        button.ack { background: #0b6b00; color: #fff; }
        button.dismiss { background: #fff; color: #000; }
        button:focus-visible { outline: 6px solid #ffd400; outline-offset: 3px; }
        button:disabled { opacity: .55; cursor: wait; }
        .prompt-error { margin: 14px 0 0; font-size: 26px; font-weight: 800; color: #a00000; }
        #empty { margin-top: 12vh; text-align: center; font-size: 44px; color: #ccc; }
        .prompt-head { display: flex; justify-content: space-between; align-items: center; gap: 12px; flex-wrap: wrap; }
        .prompt-scopes { font-size: 20px; font-weight: 700; color: #0b4b00; }
        button.withdraw { font-size: 20px; padding: 8px 14px; min-width: 0; background: #fff; color: #a00000; border-color: #a00000; }
        .withdraw-confirm { margin-top: 8px; padding: 12px; background: #ffe9e9; border-radius: 10px;
                            display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
        .withdraw-confirm[hidden], .actions[hidden] { display: none; }
        .withdraw-confirm p { margin: 0; flex-basis: 100%; font-size: 26px; font-weight: 800; }
        button.withdraw-yes { background: #a00000; color: #fff; }
        button.withdraw-no { background: #fff; color: #000; }
        #notice { position: fixed; left: 24px; right: 24px; bottom: 16px; padding: 14px 20px; border-radius: 12px;
                  background: #0b6b00; color: #fff; font-size: 28px; font-weight: 800; text-align: center; }
        #notice[hidden] { display: none; }
        /* A 7" till screen (800×480): the newest prompt, on top, fits whole. */
        @media (max-height: 560px) {
          body { font-size: 18px; }
          header { padding: 4px 14px; }
          h1 { font-size: 22px; }
          #connection { font-size: 16px; padding: 3px 10px; }
          main { padding: 8px 12px; }
          #prompts { gap: 10px; }
          .prompt { padding: 8px 14px; border-left-width: 12px; border-radius: 10px; }
          .prompt-kind, .prompt-scopes { font-size: 16px; }
          .prompt-text { font-size: 34px; margin: 2px 0 8px; }
          button { font-size: 22px; padding: 8px 14px; min-width: 8em; border-width: 3px; }
          button.withdraw { font-size: 16px; padding: 4px 10px; min-width: 0; }
          .withdraw-confirm p { font-size: 20px; }
          #notice { font-size: 20px; padding: 8px 12px; bottom: 8px; }
        }
        </style>
        </head>
        <body data-events="\#(events)" data-actions="\#(actions)" data-renew="\#(renew)">
        <header>
        <h1 id="till-name">\#(name)</h1>
        <span id="connection" data-state="closed" role="status" aria-live="polite">\#(HTMLText.escape(t.reconnecting))</span>
        </header>
        <main>
        <section id="prompts" aria-label="\#(HTMLText.escape(t.prompts))" aria-live="polite"></section>
        <p id="empty">\#(HTMLText.escape(t.noPrompts))</p>
        <p id="notice" role="status" aria-live="assertive" hidden></p>
        </main>
        <script>
        "use strict";
        (function () {
          const eventsURL = document.body.dataset.events;
          const actionsURL = document.body.dataset.actions;
          const list = document.getElementById("prompts");
          const empty = document.getElementById("empty");
          const connection = document.getElementById("connection");
          const reconnectMs = \#(reconnectMilliseconds);
          const kindLabels = { greeting: \#(js(t.greeting)), offer: \#(js(t.offer)), note: \#(js(t.note)) };
          const scopeNames = \#(TillPageText.jsObject(t.scopeNames));
          const notice = document.getElementById("notice");
          let noticeTimer;
          const expiryTimers = new Map();
          let clockOffset = 0;      // hub time minus this display's time, from the reset event
          let lastEventId = "";
          let source = null;

          function setConnection(open) {
            if (connection.dataset.state === "unpaired" && !open) { return; }
            connection.dataset.state = open ? "open" : "closed";
            connection.textContent = open ? \#(js(t.connected)) : \#(js(t.reconnecting));
          }
          function setUnpaired() {
            // Revoked: nothing about any customer stays on a display that is no longer trusted.
            clearCards();
            connection.dataset.state = "unpaired";
            connection.textContent = \#(js(t.notPaired));
          }
          function updateEmpty() { empty.hidden = list.children.length > 0; }
          function cardFor(id) {
            for (const card of list.children) { if (card.dataset.promptId === id) { return card; } }
            return null;
          }
          function removeCard(id) {
            const timer = expiryTimers.get(id);
            if (timer !== undefined) { clearTimeout(timer); expiryTimers.delete(id); }
            const card = cardFor(id);
            if (!card) { return; }
            // A pressed button is disabled while its request runs and so loses focus; the card
            // remembers it had it, and staff land on the next card, ready to press Enter again.
            const hadFocus = card.dataset.hadFocus === "true" || card.contains(document.activeElement);
            const neighbour = card.nextElementSibling || card.previousElementSibling;
            card.remove();
            if (hadFocus && neighbour) { neighbour.querySelector("button.ack").focus(); }
            updateEmpty();
          }
          function clearCards() {
            for (const timer of expiryTimers.values()) { clearTimeout(timer); }
            expiryTimers.clear();
            list.replaceChildren();
            updateEmpty();
          }
          function makeButton(className, label, action) {
            const button = document.createElement("button");
            button.type = "button";
            button.className = className;
            button.textContent = label;
            button.addEventListener("click", function () { act(button, action); });
            return button;
          }
          function showPrompt(p) {
            const remaining = Date.parse(p.expires) - (Date.now() + clockOffset);
            if (!(remaining > 0)) { removeCard(p.id); return; }
            let card = cardFor(p.id);
            if (!card) {
              card = document.createElement("article");
              card.className = "prompt";
              card.dataset.promptId = p.id;
              card.dataset.created = p.created;
              const head = document.createElement("div");
              head.className = "prompt-head";
              const kind = document.createElement("div");
              kind.className = "prompt-kind";
              head.append(kind);
              const text = document.createElement("p");
              text.className = "prompt-text";
              const actions = document.createElement("div");
              actions.className = "actions";
              actions.append(makeButton("ack", \#(js(t.acknowledge)), "ack"),
                             makeButton("dismiss", \#(js(t.dismiss)), "dismiss"));
              const error = document.createElement("p");
              error.className = "prompt-error";
              error.setAttribute("role", "alert");
              error.hidden = true;
              card.append(head, text, actions);
              if (Array.isArray(p.scopes)) {
                // A customer's prompt: what they allowed, and their one-tap withdrawal behind a confirmation.
                const scopes = document.createElement("div");
                scopes.className = "prompt-scopes";
                const withdraw = document.createElement("button");
                withdraw.type = "button";
                withdraw.className = "withdraw";
                withdraw.textContent = \#(js(t.withdraw));
                withdraw.addEventListener("click", function () { askWithdraw(card, true); });
                head.append(scopes, withdraw);
                const confirm = document.createElement("div");
                confirm.className = "withdraw-confirm";
                confirm.hidden = true;
                const question = document.createElement("p");
                question.textContent = \#(js(t.withdrawQuestion));
                const yes = document.createElement("button");
                yes.type = "button";
                yes.className = "withdraw-yes";
                yes.textContent = \#(js(t.withdrawConfirm));
                yes.addEventListener("click", function () { act(yes, "withdraw"); });
                const no = document.createElement("button");
                no.type = "button";
                no.className = "withdraw-no";
                no.textContent = \#(js(t.withdrawCancel));
                no.addEventListener("click", function () { askWithdraw(card, false); });
                confirm.append(question, yes, no);
                card.append(confirm);
              }
              card.append(error);
              // Newest on top: before the first card created earlier (one recognition's prompts keep their order).
              let before = null;
              for (const other of list.children) {
                if (Date.parse(other.dataset.created) < Date.parse(p.created)) { before = other; break; }
              }
              list.insertBefore(card, before);
              // Nothing focused yet: put focus on the first card so Enter acknowledges it.
              if (document.activeElement === document.body || document.activeElement === null) {
                card.querySelector("button.ack").focus();
              }
            }
            card.dataset.kind = p.kind;
            card.querySelector(".prompt-kind").textContent = kindLabels[p.kind] || p.kind;
            card.querySelector(".prompt-text").textContent = p.text;
            const scopeLine = card.querySelector(".prompt-scopes");
            if (scopeLine && Array.isArray(p.scopes)) {
              scopeLine.dataset.scopes = p.scopes.join(",");
              scopeLine.textContent = \#(js(t.scopesLabel)) + " " + p.scopes.map(function (s) { return scopeNames[s] || s; }).join(", ");
            }
            const old = expiryTimers.get(p.id);
            if (old !== undefined) { clearTimeout(old); }
            expiryTimers.set(p.id, setTimeout(function () { removeCard(p.id); }, Math.min(remaining, 2147483647)));
            updateEmpty();
          }
          function askWithdraw(card, open) {
            card.querySelector(".withdraw-confirm").hidden = !open;
            card.querySelector(".actions").hidden = open;
            card.querySelector(open ? "button.withdraw-no" : "button.ack").focus();
          }
          function showNotice(message) {
            notice.textContent = message;
            notice.hidden = false;
            clearTimeout(noticeTimer);
            noticeTimer = setTimeout(function () { notice.hidden = true; }, 8000);
          }
          async function act(button, action) {
            const card = button.closest("article.prompt");
            if (!card) { return; }
            const id = card.dataset.promptId;
            const buttons = card.querySelectorAll("button");
            const error = card.querySelector(".prompt-error");
            card.dataset.hadFocus = String(card.contains(document.activeElement));
            buttons.forEach(function (b) { b.disabled = true; });
            let message;
            try {
              const init = action === "withdraw"
                ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ confirm: true }) }
                : { method: "POST" };
              const response = await fetch(actionsURL + encodeURIComponent(id) + "/" + action, init);
              if (action === "withdraw" && response.status === 204) {
                // Said only now: the agent answers once the withdrawal is in effect.
                removeCard(id);
                showNotice(\#(js(t.withdrawn)));
                return;
              }
              if (action !== "withdraw" && (response.status === 204 || response.status === 404)) { removeCard(id); return; }
              message = response.status === 409 ? \#(js(t.alreadySaving))
                                                : \#(js(t.notSaved));
            } catch (e) {
              message = \#(js(t.noConnection));
            }
            error.textContent = message;
            error.hidden = false;
            card.dataset.hadFocus = "false";
            buttons.forEach(function (b) { b.disabled = false; });
            button.focus();
          }
          function parse(event) {
            if (event.lastEventId) { lastEventId = event.lastEventId; }
            try { return JSON.parse(event.data); } catch (e) { return null; }
          }
          function connect() {
            // EventSource sends Last-Event-ID itself when it reconnects; the query parameter
            // covers a fresh EventSource after the browser gave up on the old one.
            const url = lastEventId ? eventsURL + "?lastEventId=" + encodeURIComponent(lastEventId) : eventsURL;
            source = new EventSource(url);
            source.onopen = function () { setConnection(true); };
            source.onerror = function () {
              setConnection(false);
              if (source.readyState === EventSource.CLOSED) {
                source.close();
                // EventSource hides the status; ask once whether this display is still paired.
                fetch(eventsURL, { method: "HEAD", cache: "no-store" }).then(function (r) {
                  if (r.status === 401 || r.status === 403) { setUnpaired(); }
                }).catch(function () {});
                setTimeout(connect, reconnectMs);
              }
            };
            source.addEventListener("reset", function (event) {
              const data = parse(event);
              if (data && data.serverTime) { clockOffset = Date.parse(data.serverTime) - Date.now(); }
              clearCards();
            });
            source.addEventListener("prompt", function (event) {
              const data = parse(event);
              if (data && typeof data.id === "string") { showPrompt(data); }
            });
            source.addEventListener("remove", function (event) {
              const data = parse(event);
              if (data && typeof data.id === "string") { removeCard(data.id); }
            });
          }
          document.addEventListener("keydown", function (event) {
            const cards = Array.from(list.children);
            if (cards.length === 0) { return; }
            const focused = cards.find(function (c) { return c.contains(document.activeElement); });
            if (event.key === "Escape") {
              const card = focused || cards[0];
              const button = card.querySelector("button.dismiss");
              if (!button.disabled) { event.preventDefault(); button.click(); }
            } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
              const at = focused ? cards.indexOf(focused) : -1;
              const next = cards[Math.max(0, Math.min(cards.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
              event.preventDefault();
              next.querySelector("button.ack").focus();
            } else if (event.key === "Enter" && !focused) {
              event.preventDefault();
              cards[0].querySelector("button.ack").click();
            }
          });
          // Twice a day the pairing is renewed, so a display left open for months stays paired
          // (connecting renews it too); the answer carries the cookie with a fresh Max-Age.
          setInterval(function () {
            fetch(document.body.dataset.renew, { method: "POST", cache: "no-store" }).catch(function () {});
          }, 12 * 3600 * 1000);
          updateEmpty();
          setConnection(false);
          connect();
        })();
        </script>
        </body>
        </html>

        """#
    }
}
