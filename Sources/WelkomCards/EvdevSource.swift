#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers

/// A scanner the kernel already drives as an input device, read from /dev/input/eventN:
/// config `[[reader]] kind = "evdev"`, `path`, `layout`.
///
/// The device is grabbed (EVIOCGRAB) so its codes reach no console or X session, then key
/// presses are decoded with the scanner's layout: the HID usage from the MSC_SCAN event that
/// precedes a USB key event, else the key code mapped back to its usage (`EvdevKeys`). Shift
/// and AltGr are tracked from their own key events. The device may vanish (ENODEV): it is
/// reopened when it comes back at the same path.
public struct EvdevSource: CardReaderSource {
    public let path: String
    public let layout: KeyboardLayout
    public let till: TillID
    public let endGap: Duration
    private let logger: Logger
    private let clock: any WelkomClock
    private let counters = ReaderCounters()
    /// The shop's own number ranges that look like payment cards (`[cards] allow_prefixes`).
    public let exemptions: PaymentCardExemptions

    public init(path: String, layout: KeyboardLayout, till: TillID, logger: Logger,
                clock: any WelkomClock = SystemClock(), endGap: Duration = .milliseconds(200),
                exempting exemptions: PaymentCardExemptions = .none) {
        self.exemptions = exemptions
        self.path = path
        self.layout = layout
        self.till = till
        self.logger = logger
        self.clock = clock
        self.endGap = endGap
    }

    public var readerName: String { "evdev \(path)" }
    public var stats: ReaderStats { counters.snapshot }


    public func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws {
        let intake = CodeIntake(reader: readerName, till: till, counters: counters, logger: logger, clock: clock,
                                exemptions: exemptions)
        let me = self
        try await ReaderThread.run(name: "welkom-evdev", onCard: onCard) { wake, emit in
            me.readLoop(wake: wake, intake: intake) { _ = emit($0) }
        }
    }

    // MARK: The reader thread

    /// EVIOCGRAB = _IOW('E', 0x90, int).
    static let grab: UInt = 0x4004_4590
    static let evKey: UInt16 = 0x01
    static let evMsc: UInt16 = 0x04
    static let evSyn: UInt16 = 0x00
    static let mscScan: UInt16 = 0x04

    /// Why the event device cannot be opened or grabbed, as the log says it.
    private struct OpenProblem: Error, CustomStringConvertible {
        let description: String
    }

    private func readLoop(wake: WakePipe, intake: CodeIntake, emit: (Sighting) -> Void) {
        let reconnection = ReaderReconnection(counters: counters, logger: logger,
                                              metadata: ["reader": .string(readerName)])
        reconnection.run(wake: wake, open: { () throws -> Int32 in
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                var problem = SystemCallError(operation: "open", errno: errno).description
                if errno == EACCES {
                    problem += "; install \(USBReaderProblem.udevRules) (it gives the welkom group the reader's event device)"
                }
                throw OpenProblem(description: problem)
            }
            guard ioctl(fd, Self.grab, 1) == 0 else {
                let e = errno
                _ = close(fd)
                throw OpenProblem(description: SystemCallError(operation: "EVIOCGRAB", errno: e).description
                    + (e == EBUSY ? " (another program has grabbed this device)" : ""))
            }
            return fd
        }, session: { fd in
            readEvents(fd: fd, wake: wake, intake: intake, emit: emit)
        }, close: { fd in
            _ = ioctl(fd, Self.grab, 0)
            _ = close(fd)
        })
    }

    private func readEvents(fd: Int32, wake: WakePipe, intake: CodeIntake,
                            emit: (Sighting) -> Void) -> ReaderReconnection.SessionEnd {
        var decoder = KeystrokeDecoder(layout: layout)
        var scan: UInt8?
        var shifts = 0, altGr = false
        var lastKey = ContinuousClock.now
        // struct input_event: struct timeval, __u16 type, __u16 code, __s32 value (native order).
        let timeSize = MemoryLayout<timeval>.size
        let size = timeSize + 8
        var buffer = [UInt8](repeating: 0, count: size * 64)
        defer { for i in buffer.indices { buffer[i] = 0 } }
        func handle(_ event: KeystrokeDecoder.Event?) {
            switch event {
            case .code(let text)?: if let s = intake.text(text) { emit(s) }
            case .tooLong?: intake.reject(.lineTooLong(limit: decoder.limit))
            case .unmappedKey(let position)?: intake.reject(.unmappedKey(position: position))
            case nil: break
            }
        }
        while true {
            var timeout: Int32 = -1
            if decoder.hasPartial {
                timeout = max(0, Int32(clamping: (endGap - (ContinuousClock.now - lastKey)).milliseconds))
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return .gone(SystemCallError(operation: "poll", errno: errno).description)
            }
            if fds[1].revents != 0 { return .cancelled }
            if ready == 0 {
                handle(decoder.endOfCode())
                continue
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EAGAIN || errno == EINTR { continue }
            if n <= 0 {
                if decoder.hasPartial { intake.reject(.partialRead(silenceMilliseconds: 0)) }
                return .gone(n == 0 ? "end of file" : SystemCallError(operation: "read", errno: errno).description)
            }
            for index in 0..<(n / size) {
                let event = buffer.withUnsafeBytes { raw in
                    let base = index * size + timeSize
                    return (type: raw.loadUnaligned(fromByteOffset: base, as: UInt16.self),
                            code: raw.loadUnaligned(fromByteOffset: base + 2, as: UInt16.self),
                            value: raw.loadUnaligned(fromByteOffset: base + 4, as: Int32.self))
                }
                switch event.type {
                case Self.evMsc where event.code == Self.mscScan:
                    // A USB keyboard's scan code is its HID usage, 0x0007_00uu.
                    let value = UInt32(bitPattern: event.value)
                    scan = value >> 16 == 0x07 ? UInt8(truncatingIfNeeded: value) : nil
                case Self.evKey:
                    if event.code == EvdevKeys.leftShift || event.code == EvdevKeys.rightShift {
                        shifts = max(0, shifts + (event.value == 1 ? 1 : event.value == 0 ? -1 : 0))
                    } else if event.code == EvdevKeys.rightAlt {
                        if event.value != 2 { altGr = event.value == 1 }
                    } else if event.value == 1 {
                        lastKey = ContinuousClock.now
                        if let usage = scan ?? EvdevKeys.usage(keyCode: event.code) {
                            handle(decoder.press(usage: usage, shift: shifts > 0, altGr: altGr))
                        } else {
                            // A key with no usage at all: as a key that types nothing.
                            handle(decoder.press(usage: 0x3A, shift: false, altGr: false))
                        }
                    }
                    scan = nil
                case Self.evSyn:
                    scan = nil
                default:
                    break
                }
            }
        }
    }
}
