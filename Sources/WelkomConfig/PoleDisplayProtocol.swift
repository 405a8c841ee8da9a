/// The command sets a pole display may speak.
public enum PoleDisplayProtocol: String, Sendable, CaseIterable {
    case escpos
    case cd5220
}
