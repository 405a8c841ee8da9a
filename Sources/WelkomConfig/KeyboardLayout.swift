/// The keyboard layout a keyboard-wedge scanner types in: its key codes are turned back
/// into characters with it (a scanner set to AZERTY sends different codes for digits).
public enum KeyboardLayout: String, Sendable, Equatable, CaseIterable {
    case us
    case nl
    case de
    case fr
    case be
}
