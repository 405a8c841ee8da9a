import ArgumentParser
import Foundation
import WelkomConfig
import WelkomStorage

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective config (defaults filled in).",
            discussion: "Exit 0 when valid; exit 78 with FILE:LINE: key: what is wrong lines when not.")

        @Argument(help: ArgumentHelp("The config file (default: the one `welkom run` reads: /etc/welkom/welkom.toml, or $WELKOM_CONFIG; the embedded defaults when it is absent).", valueName: "PATH"))
        var path: String?

        func run() throws {
            // Without a path, the file `run` would read: a check of anything else says nothing
            // about whether the agent will start.
            let (cfg, origin) = try loadConfig(path: path)
            if origin == "embedded defaults" {
                printError("note: \(defaultConfigPath) is absent: checked the embedded defaults (what `welkom run` uses then)")
            } else {
                printError("note: checked \(origin)")
            }
            // data.dir: a system directory is never Welkom's (DataDirectory, invariant 9).
            let problems = DataDirectory.check(URL(fileURLWithPath: cfg.data.dir, isDirectory: true), forWriting: false)
            if !problems.isEmpty {
                let line = origin == "embedded defaults" ? nil : Self.lineOfDataDir(in: origin)
                for problem in problems {
                    printError("\(origin)\(line.map { ":\($0)" } ?? ""): data.dir: \(problem.what); fix: \(problem.fix)")
                }
                throw Exit.config
            }
            print(cfg.rendered(), terminator: "")
            for notice in cfg.startupNotices { printError("note: \(notice)") }
            if cfg.recognitionActive { printError("note: \(cfg.recognition.rpaBoundSummary)") }
        }

        /// The line of `dir =` in `[data]` (or `data.dir =`), for the FILE:LINE of the report.
        static func lineOfDataDir(in path: String) -> Int? {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            var table = ""
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("[") { table = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")); continue }
                let key = line.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
                if (table == "data" && key == "dir") || (table.isEmpty && (key == "data.dir" || key == "data . dir")) {
                    return index + 1
                }
            }
            return nil
        }
    }
}
