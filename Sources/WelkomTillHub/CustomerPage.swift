/// `GET /desk/{id}/customer`: the customer's side of an enrolment at the desk, on a second display
/// or the desk's own turned around. While staff wait for the card it greets; then it shows the
/// consent text (its version, Dutch or English) and the choices, none ticked beforehand; the
/// customer confirms, declines, or declines and asks not to be asked again. A new key for a phone
/// or fob is shown here once, as a QR code, and gone when the customer presses Done.
///
/// Hooks for browser tests: `#waiting`, `#consent` with `button.lang[data-lang]`, `#text-version`,
/// `#consent-text`, `input[name=scope][value=…]`, `input#name`, `input#key`, `button#confirm`,
/// `button#decline`, `button#do-not-ask`, `#done` with `#done-message`, `#qr` (an SVG) and
/// `button#finish`, `#error`.
enum CustomerPage {
    static func render(till: TillInfo) -> String {
        let base = HTMLText.escape("/desk/" + HTMLText.pathSegment(till.id))
        let initial = till.language?.rawValue ?? "nl"
        return #"""
        <!doctype html>
        <html lang="\#(initial)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Welkom</title>
        <style>
        * { box-sizing: border-box; }
        body { margin: 0; background: #fff; color: #000; font: 22px/1.35 system-ui, "Segoe UI", Roboto, sans-serif; }
        main { padding: 14px 20px; }
        h1 { margin: 0 0 8px; font-size: 30px; }
        #waiting { margin-top: 20vh; text-align: center; font-size: 40px; font-weight: 800; color: #0050b3; }
        #consent { display: grid; grid-template-columns: 3fr 2fr; gap: 18px; }
        .langs { display: flex; gap: 8px; margin-bottom: 6px; }
        button { font: inherit; font-weight: 800; padding: 10px 18px; border-radius: 10px; border: 3px solid #000; background: #fff; cursor: pointer; }
        button.lang[aria-pressed="true"] { background: #0050b3; color: #fff; }
        #text-version { font-size: 16px; color: #444; margin: 0 0 4px; }
        #consent-text { white-space: pre-wrap; border: 2px solid #888; border-radius: 8px; padding: 10px;
                        max-height: 52vh; overflow-y: auto; margin: 0; font-size: 20px; }
        fieldset { border: 2px solid #888; border-radius: 8px; margin: 0 0 10px; padding: 6px 12px; }
        label { display: block; padding: 5px 0; }
        input[type=checkbox] { width: 26px; height: 26px; vertical-align: middle; margin-right: 8px; }
        input#name { font: inherit; padding: 6px; width: 100%; border: 2px solid #000; border-radius: 6px; }
        .answers { display: flex; flex-wrap: wrap; gap: 8px; }
        button#confirm { background: #0b6b00; color: #fff; }
        #done { text-align: center; }
        #done-message { font-size: 34px; font-weight: 800; color: #0b6b00; }
        #qr svg { width: min(60vh, 90vw); height: auto; }
        #error { color: #a00000; font-weight: 800; }
        [hidden] { display: none !important; }
        @media (max-width: 900px), (max-height: 560px) {
          body { font-size: 17px; } main { padding: 6px 10px; } h1 { font-size: 22px; margin: 0 0 4px; }
          #consent { grid-template-columns: 1fr 1fr; gap: 10px; }
          #consent-text { max-height: 300px; font-size: 16px; padding: 6px; }
          button { padding: 6px 12px; border-width: 2px; }
          fieldset { padding: 2px 8px; margin-bottom: 6px; } label { padding: 2px 0; }
          input[type=checkbox] { width: 20px; height: 20px; }
          #waiting { font-size: 30px; }
          #done-message { font-size: 22px; margin: 0; }
          /* The code beside the words, so the whole of it fits a 7" screen. */
          #done:not([hidden]) { display: grid; grid-template-columns: auto 1fr; grid-template-areas: "qr msg" "qr finish";
                                gap: 10px 18px; align-items: center; text-align: left; }
          #done-message { grid-area: msg; } #qr { grid-area: qr; } #finish { grid-area: finish; justify-self: start; }
          #qr svg { width: min(calc(100vh - 24px), 55vw); display: block; }
        }
        </style>
        </head>
        <body data-base="\#(base)" data-language="\#(initial)">
        <main>
        <p id="waiting">Welkom / Welcome</p>
        <section id="consent" hidden>
          <div>
            <div class="langs">
              <button type="button" class="lang" data-lang="nl" aria-pressed="false">Nederlands</button>
              <button type="button" class="lang" data-lang="en" aria-pressed="false">English</button>
            </div>
            <p id="text-version"></p>
            <p id="consent-text"></p>
          </div>
          <form id="choices">
            <fieldset>
              <legend id="scopes-legend"></legend>
              <label><input type="checkbox" name="scope" value="greeting"><span data-nl="Mij begroeten als ik binnenkom" data-en="Greet me when I come in"></span></label>
              <label><input type="checkbox" name="scope" value="name"><span data-nl="Mijn naam gebruiken" data-en="Use my name"></span></label>
              <label id="name-row" hidden><input id="name" name="name" autocomplete="off" maxlength="100"></label>
              <label><input type="checkbox" name="scope" value="offers"><span data-nl="Persoonlijke aanbiedingen" data-en="Personal offers"></span></label>
              <label><input type="checkbox" name="scope" value="notes"><span data-nl="Notities voor het personeel" data-en="Notes for staff"></span></label>
            </fieldset>
            <label><input type="checkbox" id="key" name="key" value="1"><span data-nl="Maak een sleutel voor mijn telefoon of sleutelhanger" data-en="Make a key for my phone or fob"></span></label>
            <div class="answers">
              <button type="submit" id="confirm"><span data-nl="Ik ga akkoord" data-en="I agree"></span></button>
              <button type="button" id="decline"><span data-nl="Nee, bedankt" data-en="No, thank you"></span></button>
              <button type="button" id="do-not-ask"><span data-nl="Nee, en vraag het me niet meer" data-en="No, and don't ask me again"></span></button>
            </div>
          </form>
        </section>
        <section id="done" hidden>
          <p id="done-message"></p>
          <div id="qr"></div>
          <button type="button" id="finish"><span data-nl="Klaar" data-en="Done"></span></button>
        </section>
        <p id="error" role="alert" hidden></p>
        </main>
        <script>
        "use strict";
        (function () {
          const base = document.body.dataset.base;
          const waiting = document.getElementById("waiting");
          const consent = document.getElementById("consent");
          const choices = document.getElementById("choices");
          const done = document.getElementById("done");
          const doneMessage = document.getElementById("done-message");
          const qr = document.getElementById("qr");
          const error = document.getElementById("error");
          const textVersion = document.getElementById("text-version");
          const consentText = document.getElementById("consent-text");
          const nameRow = document.getElementById("name-row");
          const nameInput = document.getElementById("name");
          const words = {
            nl: { legend: "Waarvoor geeft u toestemming?", version: "Versie", name: "Naam",
                  enrolled: "Dank u wel, het is vastgelegd", declined: "Prima, er is niets bewaard",
                  do_not_ask: "Prima, we vragen het niet meer", scan: "Scan deze code met de app of de sleutelhanger; hij wordt maar één keer getoond",
                  noText: "Er is geen toestemmingstekst in deze taal" },
            en: { legend: "What do you agree to?", version: "Version", name: "Name",
                  enrolled: "Thank you, it is recorded", declined: "Fine, nothing was kept",
                  do_not_ask: "Fine, we will not ask again", scan: "Scan this code with the app or the fob; it is shown only once",
                  noText: "There is no consent text in this language" }
          };
          let language = document.body.dataset.language;
          let session = null;
          let texts = [];
          let showingResult = false;
          function showError(message) { error.textContent = message; error.hidden = !message; }
          function setLanguage(lang) {
            language = lang;
            document.documentElement.lang = lang;
            for (const b of document.querySelectorAll("button.lang")) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); }
            for (const s of document.querySelectorAll("[data-nl]")) { s.textContent = s.dataset[lang]; }
            document.getElementById("scopes-legend").textContent = words[lang].legend;
            nameInput.placeholder = words[lang].name;
            const text = texts.find(function (t) { return t.language === lang; });
            consentText.textContent = text ? text.text : words[lang].noText;
            textVersion.textContent = text ? words[lang].version + " " + text.version : "";
            textVersion.dataset.version = text ? text.version : "";
            document.getElementById("confirm").disabled = !text;
          }
          function resetChoices() {
            choices.reset();
            nameRow.hidden = true;
            showError("");
          }
          function render(state) {
            if (showingResult) { return; }
            if (state.step === "consent") {
              if (session !== state.session) { session = state.session; resetChoices(); }
              texts = state.texts || [];
              if (!texts.some(function (t) { return t.language === language; }) && texts.length > 0) { language = texts[0].language; }
              setLanguage(language);
              waiting.hidden = true; done.hidden = true; consent.hidden = false;
            } else {
              session = state.step === "done" ? session : null;
              waiting.hidden = false; consent.hidden = true; done.hidden = true;
            }
          }
          async function poll() {
            try {
              const response = await fetch(base + "/state", { cache: "no-store" });
              if (response.ok) { render(await response.json()); }
            } catch (e) {}
            setTimeout(poll, 500);
          }
          function showResult(outcome, svg) {
            showingResult = true;
            consent.hidden = true; waiting.hidden = true; done.hidden = false;
            doneMessage.textContent = words[language][outcome] + (svg ? ". " + words[language].scan : "");
            // The SVG is the hub's own rendering of the key's URI, never text from elsewhere.
            qr.innerHTML = svg || "";
          }
          async function answer(path, body) {
            showError("");
            for (const b of consent.querySelectorAll("button")) { b.disabled = true; }
            try {
              const response = await fetch(base + path, { method: "POST", body: body,
                headers: { "Content-Type": "application/x-www-form-urlencoded" } });
              if (response.ok) {
                const result = await response.json();
                showResult(result.outcome, result.qr);
                return;
              }
              showError(await response.text());
            } catch (e) { showError("Geen verbinding / No connection"); }
            for (const b of consent.querySelectorAll("button")) { b.disabled = false; }
            setLanguage(language);
          }
          for (const b of document.querySelectorAll("button.lang")) {
            b.addEventListener("click", function () { setLanguage(b.dataset.lang); });
          }
          choices.querySelector("input[value=name]").addEventListener("change", function (event) {
            nameRow.hidden = !event.target.checked;
          });
          choices.addEventListener("submit", function (event) {
            event.preventDefault();
            const body = new URLSearchParams(new FormData(choices));
            body.set("session", session || "");
            body.set("language", language);
            answer("/customer/confirm", body.toString());
          });
          document.getElementById("decline").addEventListener("click", function () {
            answer("/customer/decline", "session=" + encodeURIComponent(session || ""));
          });
          document.getElementById("do-not-ask").addEventListener("click", function () {
            answer("/customer/decline", "do_not_ask=1&session=" + encodeURIComponent(session || ""));
          });
          document.getElementById("finish").addEventListener("click", function () {
            // The key's QR code goes from the page for good.
            qr.replaceChildren();
            showingResult = false;
            session = null;
            done.hidden = true; waiting.hidden = false;
          });
          setLanguage(language);
          poll();
        })();
        </script>
        </body>
        </html>

        """#
    }
}
