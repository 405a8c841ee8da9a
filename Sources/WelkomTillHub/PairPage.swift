/// `GET /pair`: where a till display enters the code `welkom till pair` printed. With
/// `?code=…` the code is filled in and sent at once (the demo prints such a URL).
/// `/till/…` without a pairing answers 401 with `notPaired`, linking here.
enum PairPage {
    static func render(code: String?, message: String?) -> String {
        let value = HTMLText.escape(code ?? "")
        let note = message.map { "<p id=\"message\" role=\"alert\">\(HTMLText.escape($0))</p>" } ?? ""
        let autoSubmit = (code?.isEmpty == false && message == nil)
            ? "<script>document.getElementById(\"pair\").submit();</script>" : ""
        return """
        <!doctype html>
        <html lang="nl">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Pair this display / Scherm koppelen — Welkom</title>
        <style>
        body { margin: 0; padding: 32px; background: #000; color: #fff; font: 28px/1.4 system-ui, sans-serif; }
        h1 { font-size: 40px; margin: 0 0 16px; }
        input { font: inherit; font-size: 44px; letter-spacing: .12em; width: 9em; padding: 10px 16px; border-radius: 10px; }
        button { font: inherit; font-weight: 800; font-size: 34px; padding: 14px 28px; margin-left: 12px; border-radius: 12px;
                 border: 4px solid #fff; background: #0b6b00; color: #fff; }
        input:focus-visible, button:focus-visible { outline: 6px solid #ffd400; outline-offset: 3px; }
        #message { color: #ffd400; font-weight: 800; }
        </style>
        </head>
        <body>
        <h1>Pair this display / Scherm koppelen</h1>
        <p>Enter the code from <code>welkom till pair</code> / Voer de code van <code>welkom till pair</code> in.</p>
        \(note)
        <form id="pair" method="post" action="/pair">
        <input id="code" name="code" inputmode="numeric" autocomplete="off" autofocus required value="\(value)" aria-label="Code">
        <button type="submit">Pair / Koppelen</button>
        </form>
        \(autoSubmit)
        </body>
        </html>

        """
    }

    static let notPaired = """
        <!doctype html>
        <html lang="nl">
        <head><meta charset="utf-8"><title>Not paired / Niet gekoppeld — Welkom</title>
        <style>body { margin: 0; padding: 32px; background: #000; color: #fff; font: 28px/1.4 system-ui, sans-serif; }
        a { color: #9fd3ff; font-weight: 700; }</style></head>
        <body>
        <h1 id="not-paired">This display is not paired / Dit scherm is niet gekoppeld</h1>
        <p>Run <code>welkom till pair --till ID</code> on the gateway and enter the code at
        <a href="/pair">/pair</a>. / Voer de code in op <a href="/pair">/pair</a>.</p>
        </body>
        </html>

        """
}
