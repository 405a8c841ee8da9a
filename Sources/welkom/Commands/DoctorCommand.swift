import ArgumentParser
import Foundation
import WelkomAgent
import WelkomCards
import WelkomConfig

/// `welkom doctor`: the card readers this machine has and the config asks for, whether each can
/// be opened, and what to do when one cannot (the udev rule, the module to blacklist); then the
/// radio and the machine (DoctorSystemChecks), each line `OK …` or `FIX …` with the fix. Names
/// devices by vendor:product and port only; it reads no card.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the readers, the radio (kernel Bluetooth, adapters, rfkill, bluetoothd, capabilities), the clock and the data directory.",
        discussion: "Exit codes: 0 every configured reader can be used and every check is OK, 69 a reader cannot be used or a check says FIX, 78 bad config.")

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

        print("Radio:")
        let radio = DoctorSystemChecks.radio(cfg)
        for finding in radio { print("  \(finding.line)") }
        print("System:")
        let system = [DoctorSystemChecks.clock(recognitionOn: cfg.recognitionActive)] + DoctorSystemChecks.dataDirectory(cfg.data.dir)
        for finding in system { print("  \(finding.line)") }
        let fixes = (radio + system).filter { !$0.ok }.count
        if fixes > 0 { print("\(fixes) to fix (the FIX lines above)") }
        if !allUsable || fixes > 0 { throw Self.unavailable }
    }
}
