import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers

/// A USB keyboard-wedge barcode scanner or magstripe reader, read through libusb:
/// config `[[reader]] kind = "hid-keyboard"`, `usb = "vvvv:pppp"`, optional `port`, `layout`.
///
/// The kernel's usbhid driver is detached so codes never reach a console, the HID interface is
/// claimed, and 8-byte boot keyboard reports from the interrupt IN endpoint are decoded with the
/// scanner's layout (`KeystrokeDecoder`). A code ends at Enter or Tab, or after `endGap` without
/// a key. An unplug is waited out and the scanner reopened.
public struct HIDKeyboardSource: CardReaderSource {
    public let usb: USBDeviceID
    public let port: String?
    public let layout: KeyboardLayout
    public let till: TillID
    public let endGap: Duration
    private let logger: Logger
    private let clock: any WelkomClock
    private let counters = ReaderCounters()
    /// The shop's own number ranges that look like payment cards (`[cards] allow_prefixes`).
    public let exemptions: PaymentCardExemptions

    public init(usb: USBDeviceID, port: String? = nil, layout: KeyboardLayout, till: TillID, logger: Logger,
                clock: any WelkomClock = SystemClock(), endGap: Duration = .milliseconds(200),
                exempting exemptions: PaymentCardExemptions = .none) {
        self.exemptions = exemptions
        self.usb = usb
        self.port = port
        self.layout = layout
        self.till = till
        self.logger = logger
        self.clock = clock
        self.endGap = endGap
    }

    public var readerName: String { "hid-keyboard \(usb)" + (port.map { " at \($0)" } ?? "") }
    public var stats: ReaderStats { counters.snapshot }

    /// How long one interrupt transfer waits: bounds how late a cancel or an end gap is noticed.
    static let pollMS: UInt32 = 50

    public func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws {
        let intake = CodeIntake(reader: readerName, till: till, counters: counters, logger: logger, clock: clock,
                                exemptions: exemptions)
        let loop = USBReaderLoop(id: usb, port: port, interfaceClass: .hid, reader: readerName,
                                 counters: counters, logger: logger)
        let layout = layout, endGap = endGap
        try await ReaderThread.run(name: "welkom-hid-keyboard", onCard: onCard) { wake, emit in
            loop.run(wake: wake) { device in
                Self.session(device, layout: layout, endGap: endGap, intake: intake, wake: wake) { _ = emit($0) }
            }
        }
    }

    static func session(_ device: USBReaderDevice, layout: KeyboardLayout, endGap: Duration, intake: CodeIntake,
                        wake: WakePipe, emit: (Sighting) -> Void) -> USBReaderLoop.SessionEnd {
        guard let endpoint = device.interruptIn else { return .gone("no interrupt IN endpoint") }
        var decoder = KeystrokeDecoder(layout: layout)
        var report = [UInt8](repeating: 0, count: max(8, endpoint.maxPacketSize))
        defer { for i in report.indices { report[i] = 0 } }
        var lastKey = ContinuousClock.now
        func handle(_ event: KeystrokeDecoder.Event?) {
            switch event {
            case .code(let text)?: if let s = intake.text(text) { emit(s) }
            case .tooLong?: intake.reject(.lineTooLong(limit: decoder.limit))
            case .unmappedKey(let position)?: intake.reject(.unmappedKey(position: position))
            case nil: break
            }
        }
        while !wake.isSignalled {
            switch device.interrupt(endpoint, into: &report, timeoutMS: pollMS) {
            case .done(let n):
                lastKey = ContinuousClock.now
                for event in decoder.bootReport(report.prefix(n)) { handle(event) }
            case .timedOut:
                if decoder.hasPartial, ContinuousClock.now - lastKey >= endGap { handle(decoder.endOfCode()) }
            case .failed(let code):
                if decoder.hasPartial { intake.reject(.partialRead(silenceMilliseconds: 0)) }
                return .gone(USBReaderDevice.errorName(code))
            }
        }
        return .cancelled
    }
}
