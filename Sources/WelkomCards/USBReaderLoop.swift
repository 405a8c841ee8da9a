import CUSB
import Foundation
import Logging
import WelkomConfig

/// Finds, opens and keeps reopening one configured USB reader on its reader thread: waits for
/// it when it is not plugged in, says once per distinct problem why it cannot be opened, and
/// reopens it after an unplug (LIBUSB_ERROR_NO_DEVICE) while every other reader keeps running.
struct USBReaderLoop {
    let id: USBDeviceID
    let port: String?
    let interfaceClass: USBReaderDevice.InterfaceClass
    let reader: String
    let counters: ReaderCounters
    let logger: Logger

    /// How one session with an open reader ended.
    enum SessionEnd {
        case cancelled
        case gone(String)
    }

    static let firstRetry: Duration = .milliseconds(250)
    static let longestRetry: Duration = .seconds(5)

    /// Runs sessions until `wake` is signalled. `session` reads the open device until it is
    /// cancelled or gone.
    func run(wake: WakePipe, session: (USBReaderDevice) -> SessionEnd) {
        var context: OpaquePointer?
        let initialised = libusb_init(&context)
        let meta: Logger.Metadata = ["reader": .string(reader)]
        guard initialised == 0, let context else {
            // No usbfs at all: nothing will ever appear, say why once and wait for shutdown.
            logger.error("card reader cannot be opened", metadata: meta.merging([
                "error": .string(USBError.from("init", initialised).description),
            ]) { $1 })
            while !wake.wait(milliseconds: 60_000) {}
            return
        }
        defer { libusb_exit(context) }
        var retry = Self.firstRetry
        var lastProblem: String?
        while !wake.isSignalled {
            let device: USBReaderDevice
            do {
                device = try USBReaderDevice.open(context: context, id: id, port: port, interfaceClass: interfaceClass)
            } catch {
                if error.description != lastProblem {
                    logger.warning("card reader cannot be opened; retrying", metadata: meta.merging([
                        "error": .string(error.description), "retry_ms": .stringConvertible(retry.milliseconds),
                    ]) { $1 })
                    lastProblem = error.description
                }
                if wake.wait(milliseconds: Int32(retry.milliseconds)) { return }
                retry = min(retry * 2, Self.longestRetry)
                continue
            }
            lastProblem = nil
            logger.info("card reader open", metadata: meta.merging(["port": .string(device.info.port)]) { $1 })
            let opened = ContinuousClock.now
            let end = session(device)
            device.close()
            guard case .gone(let reason) = end else { return }
            counters.update { $0.disconnects += 1 }
            if ContinuousClock.now - opened > Self.longestRetry { retry = Self.firstRetry }
            logger.warning("card reader gone; reopening", metadata: meta.merging([
                "error": .string(reason), "retry_ms": .stringConvertible(retry.milliseconds),
            ]) { $1 })
            if wake.wait(milliseconds: Int32(retry.milliseconds)) { return }
            retry = min(retry * 2, Self.longestRetry)
        }
    }
}
