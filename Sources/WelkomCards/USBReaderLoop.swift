import CUSB
import Foundation
import Logging

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

    typealias SessionEnd = ReaderReconnection.SessionEnd

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
        ReaderReconnection(counters: counters, logger: logger, metadata: meta).run(
            wake: wake,
            open: { try USBReaderDevice.open(context: context, id: id, port: port, interfaceClass: interfaceClass) },
            openMetadata: { ["port": .string($0.info.port)] },
            session: session,
            close: { $0.close() })
    }
}
