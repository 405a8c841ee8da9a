/// `GET /desk/{id}`: the staff side of an enrolment at the service desk. Staff start it,
/// the card is scanned on this till's reader or typed here, the customer answers on the
/// customer page (`/desk/{id}/customer`), and this page follows along by asking `/desk/{id}/state` twice a
/// second. It never shows a card number or a key.
///
/// Staff can also start a withdrawal by card (`button#withdraw-start`): the customer's card,
/// scanned or typed, withdraws their consent (or the card's "do not ask" marker) as a one-tap
/// withdrawal on a till page does.
///
/// Hooks for browser tests: `button#start`, `button#withdraw-start`, `form#card-form` with
/// `input#card`, `button#cancel`, `#step[data-step]` (idle, card, consent, withdraw-card,
/// withdrawing, done), `#card-source` (scanner or typed), `#outcome[data-outcome]` (enrolled,
/// declined, do_not_ask, withdrawn, not_enrolled, failed), `#error`.
enum DeskPage {
    static func render(till: TillInfo) -> String {
        let name = HTMLText.escape(till.name)
        let base = HTMLText.escape("/desk/" + HTMLText.pathSegment(till.id))
        return #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Desk \#(name) — Welkom</title>
        <style>
        * { box-sizing: border-box; }
        body { margin: 0; background: #f4f4f4; color: #000; font: 22px/1.3 system-ui, "Segoe UI", Roboto, sans-serif; }
        header { padding: 10px 20px; background: #0050b3; color: #fff; }
        h1 { margin: 0; font-size: 30px; }
        main { padding: 16px 20px; display: flex; flex-direction: column; gap: 14px; }
        #step { font-size: 28px; font-weight: 800; margin: 0; }
        button { font: inherit; font-weight: 800; padding: 12px 22px; border-radius: 10px; border: 3px solid #000; cursor: pointer; }
        button#start { background: #0b6b00; color: #fff; }
        button#cancel { background: #fff; }
        button#withdraw-start { background: #fff; color: #a00000; border-color: #a00000; }
        form { display: flex; gap: 10px; flex-wrap: wrap; margin: 0; }
        input { font: inherit; padding: 10px; border: 3px solid #000; border-radius: 8px; min-width: 12em; }
        #outcome { font-size: 28px; font-weight: 800; color: #0b6b00; margin: 0; }
        #error { color: #a00000; font-weight: 800; margin: 0; }
        [hidden] { display: none !important; }
        @media (max-height: 560px) {
          body { font-size: 18px; } h1 { font-size: 22px; } header { padding: 6px 14px; }
          main { padding: 8px 14px; gap: 8px; } #step, #outcome { font-size: 22px; }
          button { padding: 8px 16px; }
        }
        </style>
        </head>
        <body data-base="\#(base)">
        <header><h1>Desk / Balie — \#(name)</h1></header>
        <main>
        <p id="step" data-step="idle" role="status" aria-live="polite">No enrolment under way / Geen inschrijving bezig</p>
        <div><button id="start" type="button">Start enrolment / Inschrijving starten</button>
        <button id="withdraw-start" type="button">Customer withdraws: their card / Klant trekt in: de kaart</button></div>
        <form id="card-form" hidden>
          <label for="card">Scan the card on this till's reader, or type its number / Scan de kaart op de lezer van deze kassa, of typ het nummer</label>
          <input id="card" name="card" autocomplete="off" inputmode="numeric" maxlength="64">
          <button type="submit">Use this card / Deze kaart gebruiken</button>
        </form>
        <p id="card-source" hidden></p>
        <p id="outcome" hidden></p>
        <p id="error" role="alert" hidden></p>
        <div><button id="cancel" type="button" hidden>Cancel enrolment / Inschrijving annuleren</button></div>
        </main>
        <script>
        "use strict";
        (function () {
          const base = document.body.dataset.base;
          const step = document.getElementById("step");
          const start = document.getElementById("start");
          const cancel = document.getElementById("cancel");
          const withdrawStart = document.getElementById("withdraw-start");
          const cardForm = document.getElementById("card-form");
          const card = document.getElementById("card");
          const cardSource = document.getElementById("card-source");
          const outcome = document.getElementById("outcome");
          const error = document.getElementById("error");
          const stepText = {
            idle: "No enrolment under way / Geen inschrijving bezig",
            card: "Waiting for the card / Wacht op de kaart",
            "withdraw-card": "Withdrawal: waiting for the customer's card / Intrekken: wacht op de kaart van de klant",
            withdrawing: "Withdrawing… / Bezig met intrekken…",
            consent: "The customer reads and chooses on the customer screen / De klant leest en kiest op het klantscherm",
            done: "Finished / Klaar"
          };
          const outcomeText = {
            enrolled: "Consent recorded / Toestemming vastgelegd",
            declined: "Declined: nothing stored / Geweigerd: niets opgeslagen",
            do_not_ask: "Declined: will not be asked again / Geweigerd: wordt niet meer gevraagd",
            withdrawn: "Consent withdrawn / Toestemming ingetrokken",
            not_enrolled: "This card has no consent: nothing to withdraw / Deze kaart heeft geen toestemming: niets in te trekken",
            failed: "Not finished: try again / Niet gelukt: probeer opnieuw"
          };
          let shownStep = "";
          function showError(message) { error.textContent = message; error.hidden = !message; }
          async function post(path, body) {
            showError("");
            try {
              const response = await fetch(base + path, { method: "POST", body: body || "",
                headers: { "Content-Type": "application/x-www-form-urlencoded" } });
              if (!response.ok) { showError(await response.text()); }
              return response;
            } catch (e) { showError("No connection / Geen verbinding"); return null; }
          }
          function render(state) {
            step.dataset.step = state.step;
            step.textContent = stepText[state.step] || state.step;
            const busy = ["card", "consent", "withdraw-card", "withdrawing"].includes(state.step);
            start.hidden = busy;
            withdrawStart.hidden = busy;
            cancel.hidden = !busy || state.step === "withdrawing";
            cardForm.hidden = state.step !== "card" && state.step !== "withdraw-card";
            cardSource.hidden = state.step !== "consent";
            cardSource.textContent = state.card === "typed" ? "Card typed / Kaart getypt" : "Card scanned / Kaart gescand";
            outcome.hidden = state.step !== "done";
            outcome.dataset.outcome = state.outcome || "";
            outcome.textContent = outcomeText[state.outcome] || "";
            if ((state.step === "card" || state.step === "withdraw-card") && shownStep !== state.step) { card.value = ""; card.focus(); }
            shownStep = state.step;
          }
          async function poll() {
            try {
              const response = await fetch(base + "/state", { cache: "no-store" });
              if (response.ok) { render(await response.json()); }
            } catch (e) {}
            setTimeout(poll, 500);
          }
          start.addEventListener("click", async function () { await post("/start"); });
          withdrawStart.addEventListener("click", async function () { await post("/withdraw"); });
          cancel.addEventListener("click", async function () { await post("/cancel"); });
          cardForm.addEventListener("submit", async function (event) {
            event.preventDefault();
            const response = await post("/card", "card=" + encodeURIComponent(card.value));
            // The number leaves the page once it has been sent.
            if (response && response.ok) { card.value = ""; }
          });
          poll();
        })();
        </script>
        </body>
        </html>

        """#
    }
}
