import WelkomCore

/// One `[[till]]`: a checkout whose display page shows prompts.
public struct TillSettings: Sendable, Equatable {
    /// `id`: what readers, prompts and the ledger call this till. It appears in URLs and
    /// log lines, so it is kept to letters, digits, '.', '_' and '-' (at most 32).
    public var id: String
    /// `name`: what staff see, e.g. "Kassa 1". Default: the id.
    public var name: String
    /// `language`: the till page's own words, "nl" or "en"; "" (the default, nil) shows both.
    public var language: Language?

    public init(id: String, name: String, language: Language? = nil) {
        self.id = id
        self.name = name
        self.language = language
    }

    /// The one till a config without `[[till]]` has.
    public static let defaultTills = [TillSettings(id: "1", name: "Kassa 1")]

    /// Why `id` cannot be a till id, or nil when it can.
    static func problem(inID id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.count > 32 { return "must be at most 32 characters" }
        let allowed = id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "." || $0 == "_" || $0 == "-"
        }
        return allowed ? nil : "\(TOMLWriter.quoted(id)) may hold only letters, digits, '.', '_' and '-' (it appears in URLs)"
    }
}

extension TillSettings {
    /// Nil when the till cannot be used as written (the issues are logged).
    static func read(_ s: inout ConfigSection) -> TillSettings? {
        let id = s.string("id")
        let name = s.string("name")
        let languageText = s.string("language") ?? ""
        s.finish()
        let language = Language(rawValue: languageText)
        if !languageText.isEmpty && language == nil {
            let choices = Language.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            s.report("language", "expected \(choices) or \"\" (both), found \(TOMLWriter.quoted(languageText))")
            return nil
        }
        guard let id else {
            if !s.contains("id") { s.report("id", "missing; every [[till]] needs an id") }
            return nil
        }
        if let problem = problem(inID: id) {
            s.report("id", problem)
            return nil
        }
        if let name, let problem = FieldLimits.problem(inText: name, limit: FieldLimits.tillName) {
            s.report("name", problem)
            return nil
        }
        return TillSettings(id: id, name: name ?? id, language: language)
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("till")
        w.key("id", id)
        w.key("name", name)
        w.key("language", language?.rawValue ?? "")
    }
}
