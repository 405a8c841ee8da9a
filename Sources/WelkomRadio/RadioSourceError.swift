/// The controller did not behave as a scanner needs. The driver logs it and reopens the transport.
public enum RadioSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case commandFailed(command: String, status: HCIStatus)
    case commandTimedOut(command: String, seconds: Int)
    case resetNotAcknowledged(attempts: Int)
    case badReturnParameters(command: String)
    case hardwareError(code: UInt8)
    /// The controller restarted (NOP Command Complete, or a reset we did not send): set it up again.
    case controllerReset
    /// A scanning controller sent nothing for this many seconds: taken for a silent restart.
    case controllerSilent(seconds: Int)

    public var description: String {
        switch self {
        case .commandFailed(let c, let s): "controller rejected \(c): \(s)"
        case .commandTimedOut(let c, let s): "controller did not answer \(c) within \(s) s"
        case .resetNotAcknowledged(let n): "controller did not complete HCI_Reset after \(n) attempts (is it an HCI controller? right baud rate?)"
        case .badReturnParameters(let c): "controller's answer to \(c) is too short"
        case .hardwareError(let code): "controller reported Hardware Error 0x\(String(code, radix: 16))"
        case .controllerReset: "controller restarted (it forgot the scan setup)"
        case .controllerSilent(let s): "controller sent nothing for \(s) s while scanning (restarted without saying so?)"
        }
    }
}

extension RadioSourceError {
    var isSilence: Bool { if case .controllerSilent = self { true } else { false } }
}
