import TOMLKit

/// A small typed accessor over one TOML table, so the config is read by hand rather than by
/// a synthesised `Decodable` (which ignores default values and reports no key paths or lines).
///
/// Each accessor returns nil when the key is absent (the caller keeps its default) or when
/// the value is wrong (the issue is logged and the caller keeps its default, so reading goes
/// on). Every key asked for is remembered, so `finish()` can report the keys nobody asked
/// for: a typo must not be silently ignored.
struct ConfigSection {
    /// Nil when the table is absent from the file: every key then takes its default.
    let table: TOMLTable?
    /// This table's path, "" for the root.
    let path: String
    let log: IssueLog
    private var known: [String] = []

    init(table: TOMLTable?, path: String, log: IssueLog) {
        self.table = table
        self.path = path
        self.log = log
    }

    func keyPath(_ key: String) -> String {
        ConfigPath.child(path, key)
    }

    /// Logs an issue about `key` of this table.
    func report(_ key: String, _ message: String) {
        log.add(keyPath(key), message)
    }

    /// Whether the file sets `key` in this table.
    func contains(_ key: String) -> Bool {
        table?[key] != nil
    }

    private mutating func value(_ key: String) -> TOMLValueConvertible? {
        if !known.contains(key) { known.append(key) }
        return table?[key]
    }

    private mutating func value(_ key: String, expecting type: TOMLType, _ description: String) -> TOMLValueConvertible? {
        guard let v = value(key) else { return nil }
        guard v.type == type else {
            report(key, "expected \(description), found \(Self.describe(v.type))")
            return nil
        }
        return v
    }

    // MARK: Scalars

    mutating func bool(_ key: String) -> Bool? {
        value(key, expecting: .bool, "a boolean (true or false)")?.bool
    }

    mutating func string(_ key: String) -> String? {
        value(key, expecting: .string, "a string")?.string
    }

    /// An integer (decimal, or 0x/0o/0b as TOML writes them) within `range`.
    /// `show` formats numbers in the message (e.g. as hex for a company ID).
    mutating func integer(_ key: String, in range: ClosedRange<Int>,
                          show: (Int) -> String = { String($0) }) -> Int? {
        guard let v = value(key, expecting: .int, "an integer")?.int else { return nil }
        guard range.contains(v) else {
            if range.upperBound == .max {
                report(key, "must be at least \(show(range.lowerBound)), found \(show(v))")
            } else {
                report(key, "must be between \(show(range.lowerBound)) and \(show(range.upperBound)), found \(show(v))")
            }
            return nil
        }
        return v
    }

    /// A number: a TOML float, or an integer taken as one.
    mutating func number(_ key: String) -> Double? {
        guard let v = value(key) else { return nil }
        switch v.type {
        case .double: return v.double
        case .int: return v.int.map(Double.init)
        default:
            report(key, "expected a number, found \(Self.describe(v.type))")
            return nil
        }
    }

    /// An array of strings (`["a", "b"]`); nil when absent or not such an array (logged).
    mutating func strings(_ key: String) -> [String]? {
        guard let v = value(key, expecting: .array, "an array of strings")?.array else { return nil }
        var out: [String] = []
        for i in 0..<v.count {
            guard let s = v[i].string else {
                report(key, "expected an array of strings, element \(i + 1) is \(Self.describe(v[i].type))")
                return nil
            }
            out.append(s)
        }
        return out
    }

    /// A string that must be one of `E`'s raw values.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, of: E.Type) -> E?
    where E.RawValue == String {
        guard let s = string(key) else { return nil }
        guard let e = E(rawValue: s) else {
            let choices = E.allCases.map(\.rawValue)
            var message = "unknown value \"\(s)\"; expected one of \(choices.joined(separator: ", "))"
            if let close = KeySuggestion.closest(to: s, among: choices) {
                message = "unknown value \"\(s)\"; did you mean \(close)? (expected one of \(choices.joined(separator: ", ")))"
            }
            report(key, message)
            return nil
        }
        return e
    }

    // MARK: Tables

    /// The sub-table `key`; an empty section when it is absent or not a table (logged).
    mutating func section(_ key: String) -> ConfigSection {
        let v = value(key)
        if let v, v.type != .table {
            report(key, "expected a table ([\(keyPath(key))]), found \(Self.describe(v.type))")
        }
        return ConfigSection(table: v?.table, path: keyPath(key), log: log)
    }

    /// The tables of the array of tables `key` (`[[key]]`); nil when absent.
    mutating func tables(_ key: String) -> [ConfigSection]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else {
            report(key, "expected an array of tables ([[\(keyPath(key))]]), found \(Self.describe(v.type))")
            return nil
        }
        var sections: [ConfigSection] = []
        for i in 0..<array.count {
            let element = array[i]
            let elementPath = ConfigPath.element(keyPath(key), i + 1)
            guard let table = element.table else {
                log.add(elementPath, "expected a table, found \(Self.describe(element.type))")
                continue
            }
            sections.append(ConfigSection(table: table, path: elementPath, log: log))
        }
        return sections
    }

    /// Reports every key in this table that no accessor asked for.
    func finish() {
        guard let table else { return }
        for key in table.keys where !known.contains(key) {
            let isTable = table[key]?.type == .table
            var message = isTable ? "unknown table" : "unknown key"
            if !path.isEmpty, WelkomConfig.sectionNames.contains(key) {
                // Keys after a [header] belong to it, so a section written too late lands here.
                message += "; \(key) belongs at the top level: write it above the first [table], or as [\(key)]"
            } else if let close = KeySuggestion.closest(to: key, among: known) {
                message += "; did you mean \(close)?"
            } else if !known.isEmpty {
                message += " (known here: \(known.joined(separator: ", ")))"
            }
            report(key, message)
        }
    }

    static func describe(_ type: TOMLType) -> String {
        switch type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a floating-point number"
        case .bool: "a boolean"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}
