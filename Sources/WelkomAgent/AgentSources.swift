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

    static func radioOptions(_ radio: RadioSettings) -> TransportOptions {
        TransportOptions(flowControl: radio.flowControl,
                         kernelChannel: KernelSocketChannel(rawValue: radio.kernelChannel.rawValue) ?? .raw)
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
            let recorder = try recorder(config.radio, receiver: config.radio.name)
            sources.append(RadioSource(spec: spec, logger: logger, recorder: recorder, receiver: config.radio.name,
                                       options: radioOptions(config.radio)))
        }
        // Further receivers ([[radio.receiver]]): each its own source, named for till zones.
        for (index, receiver) in config.radio.receivers.enumerated() {
            let spec: TransportSpec
            do { spec = try TransportSpec(parsing: receiver.transport) } catch {
                throw Problem(key: "radio.receiver[\(index + 1)].transport", message: "\(error)")
            }
            sources.append(RadioSource(spec: spec, logger: logger, recorder: try recorder(config.radio, receiver: receiver.name),
                                       receiver: receiver.name, options: radioOptions(config.radio)))
        }
        for reader in config.readers {
            sources.append(makeReader(reader, logger: logger))
        }
        return sources
    }

    /// `radio.record` for one receiver: each records its own H4 stream to its own file
    /// (`RadioSettings.recordPath(forReceiver:)`), so `welkom replay` can replay them together.
    static func recorder(_ radio: RadioSettings, receiver: String) throws(Problem) -> BtsnoopWriter? {
        guard let path = radio.recordPath(forReceiver: receiver) else { return nil }
        do { return try BtsnoopWriter(path: path) } catch {
            throw Problem(key: "radio.record", message: "receiver \(receiver): \(error)")
        }
    }

    /// One `[[reader]]` as the source of its kind (the config already checked its keys).
    static func makeReader(_ reader: ReaderSettings, logger: Logger) -> any SightingSource {
        let port = reader.port.isEmpty ? nil : reader.port
        let usb = reader.usb ?? ACR122USource.defaultID
        switch reader.kind {
        case .serial:
            return SerialScannerSource(path: reader.path, baud: reader.baud, till: reader.till, logger: logger)
        case .hidKeyboard:
            return HIDKeyboardSource(usb: usb, port: port, layout: reader.layout, till: reader.till, logger: logger)
        case .hidPOS:
            return HIDPOSSource(usb: usb, port: port, till: reader.till, logger: logger)
        case .acr122u:
            return ACR122USource(usb: usb, port: port, till: reader.till, logger: logger)
        case .evdev:
            return EvdevSource(path: reader.path, layout: reader.layout, till: reader.till, logger: logger)
        }
    }
}
