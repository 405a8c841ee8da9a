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
            var recorder: BtsnoopWriter?
            if !config.radio.record.isEmpty {
                do { recorder = try BtsnoopWriter(path: config.radio.record) } catch {
                    throw Problem(key: "radio.record", message: "\(error)")
                }
            }
            sources.append(RadioSource(spec: spec, logger: logger, recorder: recorder))
        }
        for (index, reader) in config.readers.enumerated() {
            switch reader.kind {
            case .serial:
                sources.append(SerialScannerSource(path: reader.path, baud: reader.baud, till: reader.till, logger: logger))
            default:
                // USB, NFC and evdev readers arrive with the card-reader issue; say so rather than pretend.
                logger.error("reader not started: this build reads serial scanners only",
                             metadata: ["reader": "\(index + 1)", "kind": "\(reader.kind.rawValue)"])
            }
        }
        return sources
    }
}
