import WelkomCore

/// The words of a greeting, per language. The name appears only when the customer gave
/// the `name` scope; otherwise staff learn only that a regular customer who opted in is here.
public enum GreetingText {
    public static func text(language: Language, name: String?) -> String {
        switch (language, name) {
        case let (.nl, name?): "Welkom terug, \(name)"
        case (.nl, nil): "Welkom terug — vaste klant"
        case let (.en, name?): "Welcome back, \(name)"
        case (.en, nil): "Welcome back — regular customer"
        }
    }
}
