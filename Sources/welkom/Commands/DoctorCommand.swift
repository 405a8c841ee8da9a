import ArgumentParser
import Foundation
import WelkomAgent
import WelkomCards
import WelkomConfig

/// `welkom doctor`: the card readers this machine has and the config asks for, whether each can
/// be opened, and what to do when one cannot (the udev rule, the module to blacklist). Names
/// devices by vendor:product and port only; it reads no card.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the card readers: connected USB devices, configured readers, and why one cannot be opened.",
        discussion: "Exit codes: 0 every configured reader can be used, 69 one cannot, 78 bad config.")

    @Option(help: ArgumentHelp("The config file (default /etc/welkom/welkom.toml, else embedded defaults).", valueName: "PATH"))
    var config: String?

    /// sysexits(3) EX_UNAVAILABLE: a configured reader cannot be used.
    static let unavailable = ExitCode(69)

    func run() throws {
        let (cfg, origin) = try loadConfig(path: config)
        print("config: \(origin)")
        let entries = Array(cfg.readers.enumerated())

        print("USB devices:")
        do {
            let devices = try ReaderProbe.usbDevices()
            if devices.isEmpty { print("  none") }
            for device in devices {
                var line = "  \(device.info.id) at \(device.info.port)"
                if let product = device.product, !product.isEmpty { line += "  \(product)" }
                line += "  driver: \(device.driver ?? "none")"
                let claims = entries.filter { _, r in
                    r.kind.usesLibUSB && r.usb?.vendor == device.info.vendor && r.usb?.product == device.info.product
                        && (r.port.isEmpty || r.port == device.info.port)
                }
                line += claims.isEmpty ? "  (no [[reader]] claims it)"
                    : "  → " + claims.map { "reader \($0.offset + 1) (\($0.element.kind.rawValue), till \($0.element.till))" }
                        .joined(separator: ", ")
                print(line)
            }
        } catch {
            print("  cannot list USB devices: \(error)")
        }

        print("Readers:")
        if entries.isEmpty { print("  no [[reader]] configured") }
        var allUsable = true
        for (index, reader) in entries {
            let what = reader.kind.usesLibUSB
                ? "usb \(reader.usb?.description ?? "?")" + (reader.port.isEmpty ? "" : " port \(reader.port)")
                : reader.path
            let outcome: ReaderProbe.Outcome
            do { outcome = ReaderProbe.check(try StageSettings.reader(reader, at: index)) } catch {
                outcome = .problem(error.message)
            }
            allUsable = allUsable && outcome.isUsable
            print("  reader \(index + 1): \(reader.kind.rawValue) \(what) → till \(reader.till): \(outcome)")
        }
        if !allUsable { throw Self.unavailable }
    }
}
