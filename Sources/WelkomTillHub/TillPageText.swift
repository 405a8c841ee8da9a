import Foundation
import WelkomCore

/// The till page's own words (not the prompts'), in the till's language, or in both ("en / nl")
/// when the till has none set.
struct TillPageText: Sendable {
    var lang: String
    var reconnecting: String
    var connected: String
    var notPaired: String
    var prompts: String
    var noPrompts: String
    var acknowledge: String
    var dismiss: String
    var greeting: String
    var offer: String
    var note: String
    var alreadySaving: String
    var notSaved: String
    var noConnection: String
    /// One-tap withdrawal (GDPR Art. 7(3)): the button, its confirmation, and what follows.
    var withdraw: String
    var withdrawQuestion: String
    var withdrawConfirm: String
    var withdrawCancel: String
    var withdrawn: String
    /// Before the scopes a customer gave ("May use: greeting, name").
    var scopesLabel: String
    var scopeNames: [String: String]

    static let en = TillPageText(
        lang: "en", reconnecting: "reconnecting…", connected: "connected", notPaired: "not paired", prompts: "Prompts",
        noPrompts: "No prompts", acknowledge: "Acknowledge", dismiss: "Dismiss", greeting: "Greeting", offer: "Offer",
        note: "Note", alreadySaving: "Already being saved…", notSaved: "Not saved, try again",
        noConnection: "No connection, try again",
        withdraw: "Customer withdraws", withdrawQuestion: "The customer withdraws their consent?",
        withdrawConfirm: "Yes, withdraw", withdrawCancel: "Cancel", withdrawn: "Consent withdrawn",
        scopesLabel: "Consent:",
        scopeNames: ["greeting": "greeting", "name": "name", "offers": "offers", "notes": "staff notes"])

    static let nl = TillPageText(
        lang: "nl", reconnecting: "opnieuw verbinden…", connected: "verbonden", notPaired: "niet gekoppeld",
        prompts: "Meldingen", noPrompts: "Geen meldingen", acknowledge: "Gezien", dismiss: "Wegdoen",
        greeting: "Begroeting", offer: "Aanbieding", note: "Notitie", alreadySaving: "Wordt al opgeslagen…",
        notSaved: "Niet opgeslagen, probeer opnieuw", noConnection: "Geen verbinding, probeer opnieuw",
        withdraw: "Klant trekt toestemming in", withdrawQuestion: "Trekt de klant de toestemming in?",
        withdrawConfirm: "Ja, intrekken", withdrawCancel: "Annuleren", withdrawn: "Toestemming ingetrokken",
        scopesLabel: "Toestemming:",
        scopeNames: ["greeting": "begroeten", "name": "naam", "offers": "aanbiedingen", "notes": "notities"])

    static func `for`(_ language: Language?) -> TillPageText {
        switch language {
        case .en: en
        case .nl: nl
        case nil: both
        }
    }

    /// English first, then Dutch: the page as it was before tills had a language.
    static let both: TillPageText = {
        let (e, n) = (en, nl)
        func j(_ a: String, _ b: String) -> String { "\(a) / \(b)" }
        return TillPageText(
            lang: "en", reconnecting: j(e.reconnecting, n.reconnecting), connected: j(e.connected, n.connected),
            notPaired: j(e.notPaired, n.notPaired), prompts: j(e.prompts, n.prompts), noPrompts: j(e.noPrompts, n.noPrompts),
            acknowledge: j(e.acknowledge, n.acknowledge), dismiss: j(e.dismiss, n.dismiss), greeting: j(e.greeting, n.greeting),
            offer: j(e.offer, n.offer), note: j(e.note, n.note), alreadySaving: j(e.alreadySaving, n.alreadySaving),
            notSaved: j(e.notSaved, n.notSaved), noConnection: j(e.noConnection, n.noConnection),
            withdraw: j(e.withdraw, n.withdraw), withdrawQuestion: j(e.withdrawQuestion, n.withdrawQuestion),
            withdrawConfirm: j(e.withdrawConfirm, n.withdrawConfirm), withdrawCancel: j(e.withdrawCancel, n.withdrawCancel),
            withdrawn: j(e.withdrawn, n.withdrawn), scopesLabel: j(e.scopesLabel, n.scopesLabel),
            scopeNames: e.scopeNames.reduce(into: [:]) { $0[$1.key] = j($1.value, n.scopeNames[$1.key] ?? $1.value) })
    }()

    /// A JavaScript string literal (JSON), safe inside a <script> element.
    /// A JavaScript object literal of strings (JSON), safe inside a <script> element.
    static func jsObject(_ d: [String: String]) -> String {
        "{" + d.keys.sorted().map { js($0) + ": " + js(d[$0] ?? "") }.joined(separator: ", ") + "}"
    }

    static func js(_ s: String) -> String {
        JSONText.quoted(s).replacingOccurrences(of: "</", with: "<\\/")
    }
}
