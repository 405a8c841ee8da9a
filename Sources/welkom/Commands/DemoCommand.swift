import ArgumentParser
import Foundation
import WelkomAgent

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole pipeline on a simulated store, on embedded defaults.",
        discussion: "Prints one line per event and the till pages' URL. Stops after --duration, or on Ctrl-C.")

    @Option(help: "Port of the till pages.") var port: Int = 8080
    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).") var duration: Double?
    @Option(help: ArgumentHelp("Data directory (default: a fresh temporary one).", valueName: "DIR")) var data: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: "warning", toStdout: false)
        try await Demo.run(port: port, duration: duration, dataDirectory: data.map { URL(fileURLWithPath: $0) },
                           logger: logger) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
