/// `GET /`: the list of tills, each linking to its display page.
enum TillIndexPage {
    static func render(tills: [TillInfo]) -> String {
        let items = tills.map { till in
            "<li><a href=\"/till/\(HTMLText.escape(HTMLText.pathSegment(till.id)))\">\(HTMLText.escape(till.name))</a>"
                + " <span class=\"till-id\">(\(HTMLText.escape(till.id)))</span></li>"
        }.joined(separator: "\n")
        let list = tills.isEmpty ? "<p>No tills configured / Geen kassa's ingesteld</p>" : "<ul id=\"tills\">\n\(items)\n</ul>"
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Welkom — tills / kassa's</title>
        <style>
        body { margin: 0; padding: 24px; background: #000; color: #fff; font: 28px/1.4 system-ui, sans-serif; }
        h1 { font-size: 40px; margin: 0 0 16px; }
        a { color: #9fd3ff; font-weight: 700; }
        a:focus-visible { outline: 5px solid #ffd400; outline-offset: 3px; }
        li { margin: 12px 0; }
        .till-id { color: #bbb; }
        </style>
        </head>
        <body>
        <h1>Tills / Kassa's</h1>
        \(list)
        </body>
        </html>

        """
    }
}
