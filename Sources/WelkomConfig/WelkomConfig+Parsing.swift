import TOMLKit

extension WelkomConfig {
    /// Parses and checks a config. `file` names it in issues (a path, or "<embedded>").
    /// Throws every problem found, in file order.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> WelkomConfig {
        // TOMLKit hands toml++ a C string, which ends at the first NUL: the rest of the file
        // would be silently ignored. TOML forbids NUL anyway; say where it is.
        if let line = lineOfFirstNUL(in: text) {
            throw ConfigError(issues: [ConfigIssue(
                file: file, line: line, key: "",
                message: "contains a NUL byte: this is not a text file (is it the right file?)")])
        }
        if let trap = TOMLPreflight.firstTrap(in: text) {
            throw ConfigError(issues: [ConfigIssue(file: file, line: trap.line, key: "", message: trap.message)])
        }
        let locator = KeyLocator(text: text)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw ConfigError(issues: [ConfigIssue(
                file: file, line: line > 0 ? line : nil, key: locator.path(onLine: line) ?? "",
                message: "not valid TOML: \(error.description) (column \(error.source.begin.column))")])
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: file, line: nil, key: "", message: "not valid TOML: \(error)")])
        }

        let log = IssueLog(file: file, locator: locator)
        let config = readSections(table, log: log)
        let issues = log.sortedIssues
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return config
    }

    /// The top-level keys: the sections, in the order the docs and `rendered()` use.
    static let sectionNames = ["data", "recognition", "radio", "zones", "zone", "reader", "cards", "till", "till_display", "ledger", "policy", "templates", "offer", "pole_display", "log", "metrics", "chain"]

    /// Reads every section, logging problems and keeping defaults where a value is wrong,
    /// so that one pass finds all the problems.
    private static func readSections(_ table: TOMLTable, log: IssueLog) -> WelkomConfig {
        var root = ConfigSection(table: table, path: "", log: log)
        var config = WelkomConfig()

        var s = root.section("data")
        config.data = DataSettings(reading: &s)
        s = root.section("recognition")
        config.recognition = RecognitionSettings(reading: &s)
        if config.recognition.enabled && config.recognition.dpiaReference.isBlank {
            let path = "recognition.dpia_reference"
            log.add(path, line: log.locator.exactLine(of: path) ?? log.locator.line(of: "recognition.enabled"),
                    "a DPIA reference is required when recognition is enabled")
        }
        s = root.section("radio")
        config.radio = RadioSettings(reading: &s)

        // Tills before readers: every reader must name a configured till.
        var tillIDs: Set<String>? = Set(config.tills.map(\.id))
        if let sections = root.tables("till") {
            var tills: [TillSettings] = []
            var allRead = true
            for var section in sections {
                guard let till = TillSettings.read(&section) else { allRead = false; continue }
                if tills.contains(where: { $0.id == till.id }) {
                    section.report("id", "duplicate till id \(TOMLWriter.quoted(till.id)); each [[till]] needs its own")
                } else {
                    tills.append(till)
                }
            }
            if sections.isEmpty && allRead {
                log.add("till", "at least one [[till]] is needed")
            }
            config.tills = tills
            tillIDs = allRead && sections.count == tillSectionCount(table) ? Set(tills.map(\.id)) : nil
        } else if root.contains("till") {
            tillIDs = nil   // written, but not as tables: already reported
        }

        if let sections = root.tables("reader") {
            config.readers = sections.compactMap { section in
                var section = section
                return ReaderSettings.read(&section, tills: tillIDs)
            }
        }

        s = root.section("cards")
        config.cards = CardSettings(reading: &s)

        s = root.section("zones")
        config.zones = ZoneSettings(reading: &s)
        if let sections = root.tables("zone") {
            let receivers = Set(config.radio.allReceivers.map(\.name))
            config.zones.zones = sections.compactMap { section in
                var section = section
                return ZoneEntry.read(&section, tills: tillIDs, receivers: receivers)
            }
        }

        s = root.section("till_display")
        config.tillDisplay = TillDisplaySettings(reading: &s)
        s = root.section("ledger")
        config.ledger = LedgerSettings(reading: &s)
        s = root.section("policy")
        config.policy = PolicySection(reading: &s)
        s = root.section("templates")
        config.templates = PolicyTemplates(reading: &s)
        config.offers = readOffers(&root)
        if let sections = root.tables("pole_display") {
            config.poleDisplays = sections.compactMap { section in
                var section = section
                return PoleDisplaySettings.read(&section, tills: tillIDs)
            }
        }
        s = root.section("log")
        config.log = LogSettings(reading: &s)
        s = root.section("metrics")
        config.metrics = MetricsSettings(reading: &s)
        s = root.section("chain")
        config.chain = ChainSettings(reading: &s)
        root.finish()
        return config
    }

    /// `[[offer]]`: each id once.
    private static func readOffers(_ root: inout ConfigSection) -> [OfferSettings] {
        guard let sections = root.tables("offer") else { return [] }
        var offers: [OfferSettings] = []
        for var section in sections {
            guard let offer = OfferSettings.read(&section) else { continue }
            if offers.contains(where: { $0.id == offer.id }) {
                section.report("id", "duplicate offer id \(TOMLWriter.quoted(offer.id)); each [[offer]] needs its own")
            } else {
                offers.append(offer)
            }
        }
        return offers
    }

    /// How many entries `till` has, tables or not (an entry that is not a table was reported).
    private static func tillSectionCount(_ table: TOMLTable) -> Int {
        table["till"]?.array?.count ?? 0
    }

    private static func lineOfFirstNUL(in text: String) -> Int? {
        var line = 1
        for byte in text.utf8 {
            if byte == 0 { return line }
            if byte == UInt8(ascii: "\n") { line += 1 }
        }
        return nil
    }
}
