import Foundation
import Logging
import WelkomCards
import WelkomConfig
import WelkomCore
import WelkomRadio

extension RadioSource: SightingSource {
    public var name: String { "radio(\(spec))" }
}

extension SerialScannerSource: SightingSource {
    public var name: String { "reader(serial \(path), till \(till))" }
}

// The other card readers: sightings only, for callers that do not give a verdict back.
extension SightingSource where Self: CardReaderSource {
    public var name: String { "reader(\(readerName), till \(till))" }
    public func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {
        try await run(onCard: { await onSighting($0); return .notRecognised })
    }
}
extension HIDKeyboardSource: SightingSource {}
extension HIDPOSSource: SightingSource {}
extension ACR122USource: SightingSource {}
extension EvdevSource: SightingSource {}

/// The sources a config asks for. Problems that make a source impossible to start are
/// config errors (exit 78), said with the key they come from.
public enum AgentSources {
    public struct Problem: Error, CustomStringConvertible {
        public var key: String
        public var message: String
        public var description: String { "\(key): \(message)" }
    }

    public static func make(config: WelkomConfig, logger: Logger) throws(Problem) -> [any SightingSource] {
        var sources: [any SightingSource] = []
        let transport = config.radio.transport.trimmingCharacters(in: .whitespaces)
        // An empty transport means "no radio": a store that reads only cards.
        if !transport.isEmpty {
            let spec: TransportSpec
            do { spec = try TransportSpec(parsing: transport) } catch {
                throw Problem(key: "radio.transport", message: "\(error)")
            }
            let recorder = try recorder(config.radio, receiver: config.radio.name, spec: spec)
            sources.append(RadioSource(spec: spec, logger: logger, recorder: recorder, receiver: config.radio.name,
                                       options: StageSettings.radioOptions(config.radio)))
        }
        // Further receivers ([[radio.receiver]]): each its own source, named for till zones.
        for (index, receiver) in config.radio.receivers.enumerated() {
            let spec: TransportSpec
            do { spec = try TransportSpec(parsing: receiver.transport) } catch {
                throw Problem(key: "radio.receiver[\(index + 1)].transport", message: "\(error)")
            }
            sources.append(RadioSource(spec: spec, logger: logger, recorder: try recorder(config.radio, receiver: receiver.name, spec: spec),
                                       receiver: receiver.name, options: StageSettings.radioOptions(config.radio)))
        }
        for reader in try StageSettings.readers(config) {
            sources.append(makeReader(reader, logger: logger))
        }
        return sources
    }

    /// `radio.record` for one receiver: each records its own H4 stream to its own file
    /// (`RadioSettings.recordPath(forReceiver:)`), so `welkom replay` can replay them together.
    /// In the monitor format the capture names the controller as Linux does: hciN for a kernel
    /// adapter, index 0 otherwise.
    static func recorder(_ radio: RadioSettings, receiver: String, spec: TransportSpec) throws(Problem) -> BtsnoopWriter? {
        guard let path = radio.recordPath(forReceiver: receiver) else { return nil }
        let format: BtsnoopFormat = radio.recordFormat == .monitor ? .monitor : .h4
        var index: UInt16 = 0, bus: UInt8 = 0
        switch spec {
        case .kernel(let n): index = n
        case .serial: bus = 3  // BlueZ's number for a UART
        default: break
        }
        do { return try BtsnoopWriter(path: path, format: format, controllerIndex: index, bus: bus) } catch {
            throw Problem(key: "radio.record", message: "receiver \(receiver): \(error)")
        }
    }

    /// One card reader as the source of its kind.
    static func makeReader(_ reader: CardReaderSettings, logger: Logger) -> any SightingSource {
        switch reader.device {
        case .serial(let path, let baud):
            return SerialScannerSource(path: path, baud: baud, till: reader.till, logger: logger,
                                        exempting: reader.exemptions)
        case .hidKeyboard(let usb, let port, let layout):
            return HIDKeyboardSource(usb: usb, port: port, layout: layout, till: reader.till, logger: logger,
                                        exempting: reader.exemptions)
        case .hidPOS(let usb, let port):
            return HIDPOSSource(usb: usb, port: port, till: reader.till, logger: logger,
                                        exempting: reader.exemptions)
        case .acr122u(let usb, let port):
            return ACR122USource(usb: usb, port: port, till: reader.till, logger: logger,
                                        exempting: reader.exemptions)
        case .evdev(let path, let layout):
            return EvdevSource(path: path, layout: layout, till: reader.till, logger: logger,
                                        exempting: reader.exemptions)
        }
    }
}
