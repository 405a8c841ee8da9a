import ArgumentParser
import Foundation
import WelkomConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective config (defaults filled in).",
            discussion: "Exit 0 when valid; exit 78 with FILE:LINE: key: what is wrong lines when not.")

        @Argument(help: ArgumentHelp("The config file (default: the embedded defaults).", valueName: "PATH"))
        var path: String?

        func run() throws {
            let cfg: WelkomConfig
            if let path {
                do { cfg = try WelkomConfig.load(path: path) } catch {
                    printError(error.description)
                    throw Exit.config
                }
            } else {
                cfg = .defaults
            }
            print(cfg.rendered(), terminator: "")
            for notice in cfg.startupNotices { printError("note: \(notice)") }
            if cfg.recognitionActive { printError("note: \(cfg.recognition.rpaBoundSummary)") }
        }
    }
}
