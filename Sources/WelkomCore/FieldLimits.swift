/// How long each free-form field may be, and which characters an ID may hold: one table for every
/// entry point (`consent enroll`, `consent import`, the registry itself, the config), so a value
/// one of them accepts is never refused — or let through — by another (issue 12, finding 7).
///
/// Lengths are counted in UTF-8 bytes: that is what a column, an SSE event or a log line holds,
/// and a count of characters would let a name of 80 emoji flags be kilobytes long.
public enum FieldLimits {
    /// Customer IDs: the back office's own keys (a number, a UUID of 36, an e-mail-like key); 64
    /// leaves room for all of these and keeps `consent list` and log lines readable.
    public static let customerID = 64
    /// A name staff see on the till page: long enough for a full name with particles
    /// ("Maria van den Berg-de Vries"); short enough to fit the page and an SSE event.
    public static let name = 80
    /// The staff note the customer agreed to: a sentence or two ("prefers oat milk"); a note is
    /// free text that may hold special categories, so it is kept short on purpose.
    public static let note = 500
    /// A back-office tag ("coffee", "family"): a word, not a text.
    public static let tag = 64
    /// Tags per customer: offers target a handful; hundreds would be a data dump, not tags.
    public static let tagsPerCustomer = 32
    /// An offer's text as staff read it (`[[offer]] text_nl/text_en`): one line on the till page.
    public static let offerText = 200
    /// A till's name as staff see it (`[[till]] name`, "Kassa 1").
    public static let tillName = 64
    /// Which consent text the customer agreed to: a version label, also a file name in
    /// DATA/consent-texts/.
    public static let consentTextVersion = 64
    /// Card numbers and other identifiers per customer at enrolment.
    public static let cardsPerCustomer = 16

    /// Why `value` cannot be an ID (customer ID): empty, longer than `limit` bytes, with a control
    /// character, or with leading/trailing white space. Nil when it can be. Never repeats the value.
    public static func problem(inID value: String, limit: Int = customerID) -> String? {
        if value.isEmpty { return "must not be empty" }
        if value.utf8.count > limit { return "is \(value.utf8.count) bytes long, at most \(limit) allowed" }
        if let position = firstControlCharacter(in: value) {
            return "holds a control character at position \(position) (IDs are printable text)"
        }
        if let first = value.unicodeScalars.first, let last = value.unicodeScalars.last,
           first.properties.isWhitespace || last.properties.isWhitespace {
            return "must not start or end with white space"
        }
        return nil
    }

    /// Why a free-text field (name, note, offer text) cannot be stored: longer than `limit` bytes,
    /// or holding a control character other than, where `allowNewlines`, a line feed. Nil when it can.
    public static func problem(inText value: String, limit: Int, allowNewlines: Bool = false) -> String? {
        if value.utf8.count > limit { return "is \(value.utf8.count) bytes long, at most \(limit) allowed" }
        if let position = firstControlCharacter(in: value, allowing: allowNewlines ? ["\n"] : []) {
            return "holds a control character at position \(position)"
        }
        return nil
    }

    /// The 1-based position (in Unicode scalars) of the first control character: C0 (NUL, ESC,
    /// CR, LF, TAB …), DEL, C1, and the bidirectional overrides and isolates that make a terminal
    /// or page show text in another order than it is stored.
    public static func firstControlCharacter(in value: String, allowing allowed: Set<Unicode.Scalar> = []) -> Int? {
        for (i, s) in value.unicodeScalars.enumerated() where isControl(s) && !allowed.contains(s) {
            return i + 1
        }
        return nil
    }

    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x2028 || v == 0x2029
    }

    /// `value` with every control character written as a visible escape (`\u{1B}`), for printing
    /// data stored before these limits existed (`consent list`): never a raw escape to a terminal.
    public static func escapingControls(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: isControl) || value.contains("\\") else { return value }
        var out = ""
        for s in value.unicodeScalars {
            if s == "\\" {
                out += "\\\\"
            } else if isControl(s) {
                out += "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
