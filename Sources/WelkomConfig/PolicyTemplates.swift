/// `[templates]`: the words of each prompt, per language, for a retailer to change.
///
/// Placeholders: `{name}` only in `greeting_named_*` (used only when the customer allowed the
/// `name` scope), `{offer}` in `offer_*`, `{note}` in `note_*`. A `{name}` anywhere else is a
/// config error: it would put a name where the customer did not allow one.
public struct PolicyTemplates: Sendable, Equatable {
    public var greetingNamedNL: String
    public var greetingNamedEN: String
    public var greetingNL: String
    public var greetingEN: String
    public var offerNL: String
    public var offerEN: String
    public var noteNL: String
    public var noteEN: String

    public init(greetingNamedNL: String = "Welkom terug, {name}", greetingNamedEN: String = "Welcome back, {name}",
                greetingNL: String = "Welkom terug — vaste klant", greetingEN: String = "Welcome back — regular customer",
                offerNL: String = "{offer}", offerEN: String = "{offer}", noteNL: String = "{note}", noteEN: String = "{note}") {
        self.greetingNamedNL = greetingNamedNL
        self.greetingNamedEN = greetingNamedEN
        self.greetingNL = greetingNL
        self.greetingEN = greetingEN
        self.offerNL = offerNL
        self.offerEN = offerEN
        self.noteNL = noteNL
        self.noteEN = noteEN
    }

    /// The keys in document order with the placeholder each must hold (nil: none required).
    // Computed: key paths are not Sendable, so a stored static array would not be concurrency-safe.
    static var keys: [(key: String, path: WritableKeyPath<PolicyTemplates, String>, required: String?)] { [
        ("greeting_named_nl", \.greetingNamedNL, "{name}"), ("greeting_named_en", \.greetingNamedEN, "{name}"),
        ("greeting_nl", \.greetingNL, nil), ("greeting_en", \.greetingEN, nil),
        ("offer_nl", \.offerNL, "{offer}"), ("offer_en", \.offerEN, "{offer}"),
        ("note_nl", \.noteNL, "{note}"), ("note_en", \.noteEN, "{note}"),
    ] }
}

extension PolicyTemplates {
    init(reading s: inout ConfigSection) {
        self.init()
        for (key, path, required) in Self.keys {
            guard let v = s.string(key) else { continue }
            if v.allSatisfy(\.isWhitespace) {
                s.report(key, "must not be empty")
            } else if let required, !v.contains(required) {
                s.report(key, "must contain \(required), found \(TOMLWriter.quoted(v))")
            } else if required != "{name}", v.contains("{name}") {
                s.report(key, "{name} may appear only in greeting_named_nl and greeting_named_en (shown only to customers who allowed their name)")
            } else {
                self[keyPath: path] = v
            }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("templates")
        for (key, path, _) in Self.keys { w.key(key, self[keyPath: path]) }
    }
}
