import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers

/// An ACS ACR122U NFC reader, read through libusb as the CCID device it is:
/// config `[[reader]] kind = "acr122u"`, `usb = "072f:2200"`, optional `port`.
///
/// The kernel's pn533_usb driver claims this reader as an NFC adapter; it must be blacklisted
/// (hardware/modprobe.d/) or is detached here. The reader is polled with the pseudo-APDU
/// `FF CA 00 00 00` (Get Data: UID) in a `PC_to_RDR_XfrBlock`; a UID with `90 00` is a card,
/// `63 00` none. A card is reported once while it stays on the reader. After each card the agent's
/// verdict drives the LED and buzzer: a green blink and one beep for a recognised customer, red
/// blinks and three beeps otherwise, so the customer knows the tap counted.
public struct ACR122USource: CardReaderSource {
    public let usb: USBDeviceID
    public let port: String?
    public let till: TillID
    public let pollInterval: Duration
    private let logger: Logger
    private let clock: any WelkomClock
    private let counters = ReaderCounters()
    /// The shop's own number ranges that look like payment cards (`[cards] allow_prefixes`).
    public let exemptions: PaymentCardExemptions

    public static let defaultID = USBDeviceID(vendor: 0x072F, product: 0x2200)

    public init(usb: USBDeviceID = ACR122USource.defaultID, port: String? = nil, till: TillID, logger: Logger,
                clock: any WelkomClock = SystemClock(), pollInterval: Duration = .milliseconds(250),
                exempting exemptions: PaymentCardExemptions = .none) {
        self.exemptions = exemptions
        self.usb = usb
        self.port = port
        self.till = till
        self.logger = logger
        self.clock = clock
        self.pollInterval = pollInterval
    }

    public var readerName: String { "acr122u \(usb)" + (port.map { " at \($0)" } ?? "") }
    public var stats: ReaderStats { counters.snapshot }

    /// Get Data (UID), ACR122U API §5.1.
    static let getUID: [UInt8] = [0xFF, 0xCA, 0x00, 0x00, 0x00]
    /// Bi-colour LED and buzzer control, ACR122U API §6.2: FF 00 40 P2 04 T1 T2 repetitions buzzer.
    /// P2 bits: 0 final red, 1 final green, 2 red mask, 3 green mask, 4 initial red blink,
    /// 5 initial green blink, 6 red blink mask, 7 green blink mask. T1/T2 in 100 ms.
    static func feedback(_ verdict: ReaderVerdict) -> [UInt8] {
        switch verdict {
        case .recognised: [0xFF, 0x00, 0x40, 0xAC, 0x04, 0x01, 0x01, 0x01, 0x01]     // green blink, one beep
        case .notRecognised: [0xFF, 0x00, 0x40, 0x5C, 0x04, 0x02, 0x02, 0x03, 0x01]  // red blinks, three beeps
        }
    }

    /// How long the reader waits for the agent's verdict before it gives no feedback at all.
    static let verdictWait = 2.0
    static let transferMS: UInt32 = 1000

    public func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws {
        let intake = CodeIntake(reader: readerName, till: till, counters: counters, logger: logger, clock: clock,
                                exemptions: exemptions)
        let loop = USBReaderLoop(id: usb, port: port, interfaceClass: .ccid, reader: readerName,
                                 counters: counters, logger: logger)
        let interval = Int32(clamping: pollInterval.milliseconds)
        try await ReaderThread.run(name: "welkom-acr122u", onCard: onCard) { wake, emit in
            loop.run(wake: wake) { device in
                var session = Session(device: device)
                return session.run(wake: wake, interval: interval, intake: intake, emit: emit)
            }
        }
    }

    /// One open reader: its CCID sequence numbers and the card on it.
    struct Session {
        let device: USBReaderDevice
        var sequence: UInt8 = 0
        var present: [UInt8]?

        init(device: USBReaderDevice) { self.device = device }

        enum Failure: Error {
            case gone(String)
            case protocolError(CardCodeProblem)
        }

        mutating func run(wake: WakePipe, interval: Int32, intake: CodeIntake,
                          emit: (Sighting) -> ReaderThread.Delivery) -> USBReaderLoop.SessionEnd {
            defer { if present != nil { for i in present!.indices { present![i] = 0 } } }
            do {
                _ = try exchange(CCIDMessage.powerOn(sequence: sequence))
                while !wake.isSignalled {
                    switch try exchange(CCIDMessage.xfrBlock(sequence: sequence, apdu: ACR122USource.getUID)) {
                    case .noCard:
                        present = nil
                    case .data(var answer):
                        defer { for i in answer.indices { answer[i] = 0 } }
                        guard answer.count >= 2, answer[answer.count - 2] == 0x90, answer[answer.count - 1] == 0x00 else {
                            present = nil   // 63 00: no card (or one that would not answer)
                            break
                        }
                        let uid = Array(answer.dropLast(2))
                        guard uid != present else { break }    // the same card, still on the reader
                        present = uid
                        guard let sighting = intake.uid(uid) else {
                            // An unusable UID: refuse it at once, no agent involved.
                            try signal(.notRecognised)
                            break
                        }
                        if let verdict = emit(sighting).verdict(within: ACR122USource.verdictWait) {
                            try signal(verdict)
                        }
                    }
                    if wake.wait(milliseconds: interval) { return .cancelled }
                }
                return .cancelled
            } catch {
                switch error {
                case .gone(let reason):
                    return .gone(reason)
                case .protocolError(let problem):
                    // A reader out of step: counted, said, and the session restarted from power-on.
                    intake.reject(problem)
                    return .gone(problem.description)
                }
            }
        }

        mutating func signal(_ verdict: ReaderVerdict) throws(Failure) {
            _ = try exchange(CCIDMessage.xfrBlock(sequence: sequence, apdu: ACR122USource.feedback(verdict)))
        }

        /// Sends one message, reads its answer, advances the sequence number.
        mutating func exchange(_ message: [UInt8]) throws(Failure) -> CCIDMessage.Answer {
            guard let out = device.bulkOut, let inEndpoint = device.bulkIn else { throw .gone("no bulk endpoints") }
            var request = message
            switch device.bulk(out, &request, timeoutMS: ACR122USource.transferMS) {
            case .done: break
            case .timedOut: throw .gone("LIBUSB_ERROR_TIMEOUT")
            case .failed(let code): throw .gone(USBReaderDevice.errorName(code))
            }
            var answer = [UInt8](repeating: 0, count: max(64, inEndpoint.maxPacketSize))
            defer { for i in answer.indices { answer[i] = 0 } }
            let n: Int
            switch device.bulk(inEndpoint, &answer, timeoutMS: ACR122USource.transferMS) {
            case .done(let count): n = count
            case .timedOut: throw .gone("LIBUSB_ERROR_TIMEOUT")
            case .failed(let code): throw .gone(USBReaderDevice.errorName(code))
            }
            let expected = sequence
            sequence &+= 1
            do { return try CCIDMessage.parseDataBlock(Array(answer.prefix(n)), sequence: expected) } catch {
                throw .protocolError(error)
            }
        }
    }
}
