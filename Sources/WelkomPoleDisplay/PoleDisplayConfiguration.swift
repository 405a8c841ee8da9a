import WelkomCore

/// One pole display as the agent sets it up.
public struct PoleDisplayConfiguration: Sendable, Equatable {
    public var till: TillID
    public var path: String
    public var commandSet: PoleDisplayCommandSet
    public var baud: Int
    /// The greeting is cleared after this long.
    public var clearAfter: Duration
    /// The display's number for code page 858, sent with ESC t.
    public var codePage: UInt8

    public init(till: TillID, path: String, commandSet: PoleDisplayCommandSet, baud: Int = 9600,
                clearAfter: Duration = .seconds(10), codePage: UInt8 = 19) {
        self.till = till
        self.path = path
        self.commandSet = commandSet
        self.baud = baud
        self.clearAfter = clearAfter
        self.codePage = codePage
    }
}
