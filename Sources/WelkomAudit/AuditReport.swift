import Foundation
import WelkomConfig
import WelkomCore
import WelkomLedger

/// `welkom audit report`: one self-contained HTML file for the privacy officer — the ledger's
/// verification verdict and latest signed checkpoint, charts (recognitions per day by scheme and
/// by till, consents given and withdrawn, retention status) as inline SVG, and the Art. 30
/// processing record derived from the config. Counts only: it names no customer.
public struct AuditReport: Sendable {
    public var stats: AuditStats
    public var verification: LedgerVerification
    public var record: ProcessingRecord
    public var config: WelkomConfig
    public var generated: Date
    public var activeConsents: Int?

    public init(stats: AuditStats, verification: LedgerVerification, config: WelkomConfig, generated: Date, activeConsents: Int?) {
        self.stats = stats
        self.verification = verification
        record = ProcessingRecord(config: config)
        self.config = config
        self.generated = generated
        self.activeConsents = activeConsents
    }

    public var html: String {
        let verdict = Self.verdict(verification)
        var h = Self.head(title: "Welkom privacy report")
        h += """
            <h1>Welkom privacy report</h1>
            <p>Generated \(HTML.escape(LedgerTime.rfc3339(generated))) from \(HTML.escape(config.data.dir)). Counts only: this report names no customer.</p>
            <h2 id="verification">Ledger verification</h2>
            <p id="verdict" class="\(verdict.0)">\(HTML.escape(verdict.1))</p>
            """
        h += Self.checkpointParagraph(stats)
        for (key, value) in stats.notes.sorted(by: { $0.key < $1.key }) {
            h += "<p>\(HTML.escape(key.replacingOccurrences(of: "_", with: " "))): \(HTML.escape(value))</p>"
        }
        h += "<h2 id=\"summary\">Summary</h2>" + Self.summaryTable(stats, activeConsents: activeConsents)
        h += Self.sections(stats, heading: "h2", idSuffix: "", retentionDays: config.ledger.retentionDays, now: generated)
        h += Self.processingRecordSection(record)
        h += "</body></html>\n"
        return h
    }

    // MARK: Parts, shared with ChainAuditReport

    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:920px;color:#1a202c;line-height:1.45}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e2e8f0}
        .ok{color:#276749;font-weight:600}.bad{color:#c53030;font-weight:700}
        .alert{border:3px solid #c53030;background:#fff5f5;padding:.6rem 1rem;margin:1rem 0}
        table{border-collapse:collapse}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}
        .chart{display:block;margin:.5rem 0;border:1px solid #e2e8f0}code{font-size:.85em;word-break:break-all}
        </style></head><body>

        """
    }

    static func verdict(_ verification: LedgerVerification) -> (String, String) {
        switch verification {
        case let .intact(entries, root, checkpoints):
            ("ok", "Intact: \(entries) entries, \(checkpoints) signed checkpoint(s) hold; root \(root).")
        case let .broken(seq, reason):
            ("bad", "BROKEN at entry \(seq): \(reason).")
        case let .brokenCheckpoint(id, reason):
            ("bad", "BROKEN at checkpoint \(id): \(reason).")
        }
    }

    static func checkpointParagraph(_ stats: AuditStats) -> String {
        guard let c = stats.latestCheckpoint else { return "<p>No signed checkpoint yet.</p>" }
        return "<p>Latest signed checkpoint #\(c.id): \(c.treeSize) entries at \(HTML.escape(LedgerTime.rfc3339(milliseconds: c.timeMilliseconds))), root <code>\(Hex.encode(c.root))</code>, Ed25519 key <code>\(Hex.encode(c.publicKey))</code>.</p>"
    }

    static func summaryTable(_ stats: AuditStats, activeConsents: Int?) -> String {
        var h = "<table>"
        h += "<tr><th>Entries</th><td>\(stats.entries)</td></tr>"
        for kind in LedgerEntryKind.allCases {
            h += "<tr><th>\(HTML.escape(kind.rawValue))</th><td>\(stats.byKind[kind.rawValue] ?? 0)</td></tr>"
        }
        if let activeConsents { h += "<tr><th>Consents in the registry</th><td>\(activeConsents)</td></tr>" }
        h += "<tr><th>Period</th><td>\(HTML.escape(stats.first.map(LedgerTime.rfc3339) ?? "-")) – \(HTML.escape(stats.last.map(LedgerTime.rfc3339) ?? "-"))</td></tr></table>"
        return h
    }

    /// The recognitions, consents and retention sections with their charts; `idSuffix` keeps the
    /// element IDs of several stores' sections apart in one file.
    static func sections(_ stats: AuditStats, heading: String, idSuffix: String, retentionDays: Int, now: Date) -> String {
        let days = stats.days.map(\.date)
        func series(_ pick: (AuditStats.Day) -> [String: Int]) -> [SVGChart.Series] {
            let names = Set(stats.days.flatMap { pick($0).keys }).sorted { a, b in
                // Purged and erased last, in grey.
                let ra = ["purged", "erased"].contains(a), rb = ["purged", "erased"].contains(b)
                return ra == rb ? a < b : !ra
            }
            return names.enumerated().map { i, name in
                SVGChart.Series(name: name, color: name == "purged" ? "#a0aec0" : name == "erased" ? "#4a5568" : SVGChart.palette[i % SVGChart.palette.count],
                                values: stats.days.map { pick($0)[name] ?? 0 })
            }
        }
        let byScheme = SVGChart.bars(id: "chart-recognitions-by-scheme" + idSuffix, title: "Recognitions per day by scheme",
                                     categories: days, series: series(\.recognitionsByScheme), stacked: true)
        let byTill = SVGChart.bars(id: "chart-recognitions-by-till" + idSuffix, title: "Recognitions per day by till",
                                   categories: days, series: series(\.recognitionsByTill), stacked: true)
        let consents = SVGChart.bars(id: "chart-consents" + idSuffix, title: "Consents given and withdrawn per day", categories: days,
                                     series: [SVGChart.Series(name: "given", color: "#38a169", values: stats.days.map(\.consentsGiven)),
                                              SVGChart.Series(name: "withdrawn or erased", color: "#e53e3e", values: stats.days.map(\.consentsWithdrawn))],
                                     stacked: false)
        let retention = SVGChart.bars(id: "chart-retention" + idSuffix, title: "Record bodies: kept, purged by retention, erased on request",
                                      categories: ["record bodies"],
                                      series: [SVGChart.Series(name: "kept", color: "#2b6cb0", values: [stats.records["kept"] ?? 0]),
                                               SVGChart.Series(name: "purged", color: "#a0aec0", values: [stats.records["purged"] ?? 0]),
                                               SVGChart.Series(name: "erased", color: "#4a5568", values: [stats.records["erased"] ?? 0])],
                                      stacked: false, width: 420, height: 220)
        let retentionOK = stats.retentionKept(days: retentionDays, now: now)
        var h = "<\(heading) id=\"recognitions\(idSuffix)\">Recognitions per day</\(heading)>" + byScheme + byTill
        h += "<p>Days whose details were deleted by retention show as “purged”, by an erasure request as “erased”: the entries stay in the tree, their details do not.</p>"
        h += "<\(heading) id=\"consents\(idSuffix)\">Consents given and withdrawn</\(heading)>" + consents
        h += "<\(heading) id=\"retention\(idSuffix)\">Retention</\(heading)>" + retention
        h += "<p id=\"retention-status\(idSuffix)\" class=\"\(retentionOK ? "ok" : "bad")\">Retention period \(retentionDays) days: "
        h += retentionOK ? "kept" : "OVERDUE — run `welkom audit purge`"
        h += ". Oldest kept recognition or staff action: \(HTML.escape(stats.oldestKeptActivity.map(LedgerTime.rfc3339) ?? "none")).</p>"
        return h
    }

    static func processingRecordSection(_ record: ProcessingRecord) -> String {
        var h = "<h2 id=\"processing-record\">Record of processing activities (GDPR art. 30)</h2>"
        for item in record.items {
            h += "<h3>\(HTML.escape(item.heading))</h3><ul>" + item.lines.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        }
        return h
    }
}
