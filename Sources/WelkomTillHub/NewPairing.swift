/// A pairing just made, with its token: the only moment the token exists outside the display.
public struct NewPairing: Sendable, Equatable {
    public var pairing: Pairing
    public var token: String
}
