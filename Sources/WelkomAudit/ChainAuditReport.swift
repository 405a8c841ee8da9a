import Foundation
import WelkomConfig
import WelkomCore
import WelkomLedger

/// `welkom audit report --postgres`: one self-contained HTML file for the chain's privacy officer —
/// every store's shipped log verified centrally (a store whose log fails is named at the top, in a
/// box of its own), a summary table of all stores, then per store the same charts as a store's own
/// report (AuditReport's sections), and the Art. 30 record from the config given. Counts only: it
/// names no customer.
public struct ChainAuditReport: Sendable {
    /// One store's shipped log: its counts and how central verification went.
    public struct Store: Sendable {
        public var id: String
        public var stats: AuditStats
        /// Entries verified in sequence (all of them when `failure` is nil).
        public var verifiedEntries: Int64
        public var checkpointsVerified: Int
        public var lastVerifiedCheckpoint: Int64?
        /// Why the shipped log does not verify; nil when it does.
        public var failure: String?

        public init(id: String, stats: AuditStats, verifiedEntries: Int64, checkpointsVerified: Int,
                    lastVerifiedCheckpoint: Int64?, failure: String?) {
            self.id = id
            self.stats = stats
            self.verifiedEntries = verifiedEntries
            self.checkpointsVerified = checkpointsVerified
            self.lastVerifiedCheckpoint = lastVerifiedCheckpoint
            self.failure = failure
        }
    }

    public var stores: [Store]
    /// Where the data came from (the URL without its password).
    public var source: String
    public var config: WelkomConfig
    public var generated: Date
    public var centralConsents: Int?

    public init(stores: [Store], source: String, config: WelkomConfig, generated: Date, centralConsents: Int?) {
        self.stores = stores
        self.source = source
        self.config = config
        self.generated = generated
        self.centralConsents = centralConsents
    }

    public var failed: [Store] { stores.filter { $0.failure != nil } }

    public var html: String {
        var h = AuditReport.head(title: "Welkom chain privacy report")
        h += "<h1>Welkom chain privacy report</h1>"
        h += "<p>Generated \(HTML.escape(LedgerTime.rfc3339(generated))) from the chain database \(HTML.escape(source)): "
        h += "\(stores.count) store(s). Counts only: this report names no customer.</p>"
        h += "<h2 id=\"verification\">Central verification of the shipped logs</h2>"
        if failed.isEmpty {
            h += "<p id=\"verdict\" class=\"ok\">Every store's shipped log verifies (\(stores.count) store(s)).</p>"
        } else {
            h += "<div id=\"failed-stores\" class=\"alert\"><p id=\"verdict\" class=\"bad\">"
            h += failed.count == 1 ? "The shipped log of 1 store does NOT verify:" : "The shipped logs of \(failed.count) stores do NOT verify:"
            h += "</p><ul>"
            for s in failed {
                h += "<li class=\"bad\" data-store=\"\(HTML.escape(s.id))\">Store \(HTML.escape(s.id)): \(HTML.escape(s.failure ?? ""))"
                    + " (\(s.verifiedEntries) entries verified before it).</li>"
            }
            h += "</ul><p>Its entries and charts below cannot be relied on until the store's log is examined.</p></div>"
        }
        h += "<table id=\"stores\"><tr><th>Store</th><th>Verification</th><th>Entries</th><th>Recognitions</th>"
            + "<th>Consents given</th><th>Withdrawn</th><th>Erasures</th><th>Latest checkpoint</th></tr>"
        for s in stores {
            let verdict = s.failure == nil ? "<span class=\"ok\">intact</span>" : "<span class=\"bad\">FAILED</span>"
            h += "<tr><th><a href=\"#store-\(HTML.escape(s.id))\">\(HTML.escape(s.id))</a></th><td>\(verdict)</td>"
            h += "<td>\(s.stats.entries)</td><td>\(s.stats.byKind[LedgerEntryKind.recognition.rawValue] ?? 0)</td>"
            h += "<td>\(s.stats.byKind[LedgerEntryKind.consentGiven.rawValue] ?? 0)</td>"
            h += "<td>\(s.stats.byKind[LedgerEntryKind.consentWithdrawn.rawValue] ?? 0)</td>"
            h += "<td>\(s.stats.byKind[LedgerEntryKind.erasure.rawValue] ?? 0)</td>"
            h += "<td>" + (s.stats.latestCheckpoint.map { "#\($0.id), \($0.treeSize) entries" } ?? "none") + "</td></tr>"
        }
        h += "</table>"
        if let centralConsents { h += "<p>Consents in the central registry: \(centralConsents).</p>" }
        for s in stores {
            let suffix = "-" + s.id
            h += "<h2 id=\"store\(HTML.escape(suffix))\">Store \(HTML.escape(s.id))</h2>"
            if let failure = s.failure {
                h += "<p id=\"verdict\(HTML.escape(suffix))\" class=\"bad\">FAILED central verification after \(s.verifiedEntries) entries: \(HTML.escape(failure)).</p>"
            } else {
                h += "<p id=\"verdict\(HTML.escape(suffix))\" class=\"ok\">Intact: \(s.verifiedEntries) entries, \(s.checkpointsVerified) signed checkpoint(s) hold"
                    + (s.lastVerifiedCheckpoint.map { ", the latest #\($0)" } ?? "") + ".</p>"
            }
            h += AuditReport.checkpointParagraph(s.stats)
            h += AuditReport.summaryTable(s.stats, activeConsents: nil)
            h += AuditReport.sections(s.stats, heading: "h3", idSuffix: HTML.escape(suffix),
                                      retentionDays: config.ledger.retentionDays, now: generated)
        }
        h += AuditReport.processingRecordSection(ProcessingRecord(config: config))
        h += "</body></html>\n"
        return h
    }
}
