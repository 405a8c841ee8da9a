import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers

/// A USB HID point-of-sale barcode scanner (usage page 0x8C), read through libusb:
/// config `[[reader]] kind = "hid-pos"`, `usb = "vvvv:pppp"`, optional `port`.
///
/// Unlike a keyboard wedge it sends the code's bytes and its symbology, so no layout applies.
/// Reports are joined (`HIDPOSAssembler`) and classified with the AIM identifier in front, so a
/// scanner that says "EAN-13" must deliver a valid EAN-13.
public struct HIDPOSSource: CardReaderSource {
    public let usb: USBDeviceID
    public let port: String?
    public let till: TillID
    /// How long a code's continuation may take before the part read is discarded.
    public let continuationTimeout: Duration
    private let logger: Logger
    private let clock: any WelkomClock
    private let counters = ReaderCounters()
    /// The shop's own number ranges that look like payment cards (`[cards] allow_prefixes`).
    public let exemptions: PaymentCardExemptions

    public init(usb: USBDeviceID, port: String? = nil, till: TillID, logger: Logger,
                clock: any WelkomClock = SystemClock(), continuationTimeout: Duration = .milliseconds(500),
                exempting exemptions: PaymentCardExemptions = .none) {
        self.exemptions = exemptions
        self.usb = usb
        self.port = port
        self.till = till
        self.logger = logger
        self.clock = clock
        self.continuationTimeout = continuationTimeout
    }

    public var readerName: String { "hid-pos \(usb)" + (port.map { " at \($0)" } ?? "") }
    public var stats: ReaderStats { counters.snapshot }

    public func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws {
        let intake = CodeIntake(reader: readerName, till: till, counters: counters, logger: logger, clock: clock,
                                exemptions: exemptions)
        let loop = USBReaderLoop(id: usb, port: port, interfaceClass: .hid, reader: readerName,
                                 counters: counters, logger: logger)
        let timeout = continuationTimeout
        try await ReaderThread.run(name: "welkom-hid-pos", onCard: onCard) { wake, emit in
            loop.run(wake: wake) { device in
                guard let endpoint = device.interruptIn else { return .gone("no interrupt IN endpoint") }
                var assembler = HIDPOSAssembler()
                var report = [UInt8](repeating: 0, count: max(8, endpoint.maxPacketSize))
                defer { for i in report.indices { report[i] = 0 } }
                var last = ContinuousClock.now
                while !wake.isSignalled {
                    switch device.interrupt(endpoint, into: &report, timeoutMS: HIDKeyboardSource.pollMS) {
                    case .done(let n):
                        last = ContinuousClock.now
                        switch assembler.feed(Array(report.prefix(n))) {
                        case .code(let bytes)?: if let s = intake.bytes(bytes) { _ = emit(s) }
                        case .problem(let problem)?: intake.reject(problem)
                        case nil: break
                        }
                    case .timedOut:
                        if assembler.hasPartial, ContinuousClock.now - last >= timeout, assembler.discardPartial() {
                            intake.reject(.partialRead(silenceMilliseconds: Int(timeout.milliseconds)))
                        }
                    case .failed(let code):
                        if assembler.discardPartial() { intake.reject(.partialRead(silenceMilliseconds: 0)) }
                        return .gone(USBReaderDevice.errorName(code))
                    }
                }
                return .cancelled
            }
        }
    }
}
