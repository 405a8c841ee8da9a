import Foundation
import WelkomCore
import WelkomLedger

/// Aggregates over the whole ledger for `audit stats` and the report: counts only, no identifiers.
public struct AuditStats: Sendable, Equatable {
    public struct Day: Sendable, Equatable {
        /// "YYYY-MM-DD" (UTC)
        public var date: String
        /// Recognitions by scheme ("purged"/"erased" when the body is gone).
        public var recognitionsByScheme: [String: Int] = [:]
        /// Recognitions by till ("purged"/"erased" when the body is gone).
        public var recognitionsByTill: [String: Int] = [:]
        public var consentsGiven = 0
        public var consentsWithdrawn = 0
    }

    public var entries = 0
    public var byKind: [String: Int] = [:]
    public var records: [String: Int] = ["kept": 0, "erased": 0, "purged": 0]
    /// Entries still naming a customer (the rest name nobody, or were unlinked or erased).
    public var linkedEntries = 0
    public var first: Date?
    public var last: Date?
    /// The oldest recognition, acknowledgement or dismissal whose body is still kept.
    public var oldestKeptActivity: Date?
    public var days: [Day] = []
    public var checkpoints = 0
    public var latestCheckpoint: LedgerCheckpoint?
    public var notes: [String: String] = [:]

    public init() {}

    static let activityKinds: Set<LedgerEntryKind> = [.recognition, .acknowledgement, .dismissal]

    public static func compute(ledger: Ledger) throws -> AuditStats {
        var builder = Builder()
        var after: Int64 = 0
        while true {
            let batch = try ledger.stored(LedgerQuery(after: after, limit: 5000))
            guard let lastEntry = batch.last else { break }
            for s in batch { builder.add(s) }
            after = lastEntry.entry.seq
        }
        return builder.stats(checkpoints: try ledger.checkpoints(), notes: try ledger.notes())
    }

    /// Counts entries one at a time, from a store's own ledger or the chain's shipped copy of it.
    public struct Builder: Sendable {
        private var stats = AuditStats()
        private var byDay: [String: Day] = [:]

        public init() {}

        public mutating func add(_ s: LedgerStoredEntry) {
            let e = s.entry
            add(day: String(LedgerTime.rfc3339(e.time).prefix(10)), kind: e.kind, record: s.record, scheme: e.scheme?.rawValue,
                till: e.till, count: 1, linked: e.customer == nil ? 0 : 1, first: e.time, last: e.time)
        }

        /// `count` entries at once, all of one UTC day ("YYYY-MM-DD"), kind and record state (and,
        /// for recognitions, one scheme and till), `linked` of them naming a customer, the oldest at
        /// `first` and the newest at `last`: how the chain's database hands them over, counted by
        /// its GROUP BY rather than sent row by row.
        public mutating func add(day date: String, kind: LedgerEntryKind, record: LedgerStoredEntry.Record, scheme: String?,
                                 till: String?, count: Int, linked: Int, first: Date, last: Date) {
            guard count > 0 else { return }
            stats.entries += count
            stats.byKind[kind.rawValue, default: 0] += count
            stats.records[record.rawValue, default: 0] += count
            stats.linkedEntries += linked
            stats.first = stats.first.map { min($0, first) } ?? first
            stats.last = stats.last.map { max($0, last) } ?? last
            if AuditStats.activityKinds.contains(kind), record == .kept {
                stats.oldestKeptActivity = stats.oldestKeptActivity.map { min($0, first) } ?? first
            }
            var day = byDay[date] ?? Day(date: date)
            switch kind {
            case .recognition:
                let gone = record == .kept ? nil : record.rawValue
                day.recognitionsByScheme[gone ?? scheme ?? "unknown", default: 0] += count
                day.recognitionsByTill[gone ?? till ?? "none", default: 0] += count
            case .consentGiven: day.consentsGiven += count
            case .consentWithdrawn, .erasure: day.consentsWithdrawn += count  // an erasure withdraws too
            default: break
            }
            byDay[date] = day
        }

        /// The counts so far, with the ledger's checkpoints (oldest first) and notes.
        public func stats(checkpoints: [LedgerCheckpoint], notes: [String: String]) -> AuditStats {
            var result = stats
            result.days = byDay.values.sorted { $0.date < $1.date }
            result.checkpoints = checkpoints.count
            result.latestCheckpoint = checkpoints.last
            result.notes = notes
            return result
        }
    }

    /// Whether every kept activity body is within the retention period at `now`.
    public func retentionKept(days: Int, now: Date) -> Bool {
        guard let oldest = oldestKeptActivity else { return true }
        return now.timeIntervalSince(oldest) <= Double(days) * 86_400 + 86_400  // the daily purge may be up to a day late
    }

    /// The `audit stats` text.
    public func text(retentionDays: Int, now: Date) -> String {
        var lines: [String] = []
        lines.append("entries: \(entries)")
        for kind in LedgerEntryKind.allCases { lines.append("  \(kind.rawValue): \(byKind[kind.rawValue] ?? 0)") }
        lines.append("record bodies: kept \(records["kept"] ?? 0), purged \(records["purged"] ?? 0), erased \(records["erased"] ?? 0)")
        lines.append("entries linked to a customer: \(linkedEntries)")
        lines.append("first entry: \(first.map(LedgerTime.rfc3339) ?? "-")")
        lines.append("last entry: \(last.map(LedgerTime.rfc3339) ?? "-")")
        let retention = retentionKept(days: retentionDays, now: now) ? "kept" : "OVERDUE"
        lines.append("retention: \(retentionDays) days, \(retention); oldest kept activity \(oldestKeptActivity.map(LedgerTime.rfc3339) ?? "-")")
        if let c = latestCheckpoint {
            lines.append("checkpoints: \(checkpoints), latest #\(c.id) over \(c.treeSize) entries at \(LedgerTime.rfc3339(milliseconds: c.timeMilliseconds))")
        } else {
            lines.append("checkpoints: 0")
        }
        for (key, value) in notes.sorted(by: { $0.key < $1.key }) { lines.append("\(key.replacingOccurrences(of: "_", with: " ")): \(value)") }
        return lines.joined(separator: "\n")
    }

    /// One JSON object (`audit stats --format json`).
    public func json(retentionDays: Int, now: Date) -> String {
        func dict(_ d: [String: Int]) -> String {
            "{" + d.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        }
        let daysJSON = days.map {
            "{\"date\":\"\($0.date)\",\"recognitions_by_scheme\":\(dict($0.recognitionsByScheme)),\"recognitions_by_till\":\(dict($0.recognitionsByTill)),\"consents_given\":\($0.consentsGiven),\"consents_withdrawn\":\($0.consentsWithdrawn)}"
        }.joined(separator: ",")
        return "{\"entries\":\(entries),\"by_kind\":\(dict(byKind)),\"records\":\(dict(records)),\"linked_entries\":\(linkedEntries),"
            + "\"first\":\(JSONText.quoted(first.map(LedgerTime.rfc3339))),\"last\":\(JSONText.quoted(last.map(LedgerTime.rfc3339))),"
            + "\"retention_days\":\(retentionDays),\"retention_kept\":\(retentionKept(days: retentionDays, now: now)),"
            + "\"oldest_kept_activity\":\(JSONText.quoted(oldestKeptActivity.map(LedgerTime.rfc3339))),"
            + "\"checkpoints\":\(checkpoints),\"latest_checkpoint\":\(latestCheckpoint?.json ?? "null"),\"days\":[\(daysJSON)]}"
    }
}
