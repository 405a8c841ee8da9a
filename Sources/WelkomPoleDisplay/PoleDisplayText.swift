import WelkomCore

/// What the customer reads on the pole display. Never the name, nor a staff note: a pole
/// display faces the queue, and whoever stands behind the customer reads it too. A greeting
/// says "welcome back"; an offer the customer may use goes on the second line.
public enum PoleDisplayText {
    public static func greeting(_ language: Language) -> (String, String) {
        switch language {
        case .nl: ("Welkom terug!", "Fijn u weer te zien")
        case .en: ("Welcome back!", "Good to see you")
        }
    }
}
