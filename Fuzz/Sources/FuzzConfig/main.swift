import FuzzSupport
import WelkomConfig

/// The TOML config as `welkom config check` and `run` read it (`WelkomConfig.parse`). Any bytes
/// give a config or ConfigIssue values naming the file, at a line the file has; a config that
/// parses renders to TOML that parses again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, count), as: UTF8.self)
    do {
        let config = try WelkomConfig.parse(text, file: "f.toml")
        do { _ = try WelkomConfig.parse(config.rendered(), file: "r.toml") } catch {
            preconditionFailure("a parsed config renders to one that does not parse: \(error)")
        }
    } catch {
        precondition(!error.issues.isEmpty, "a refusal without an issue")
        let lines = text.utf8.count { $0 == 0x0A } + 1
        for issue in error.issues {
            precondition(issue.file == "f.toml", "an issue that names no file")
            if let line = issue.line { precondition(line >= 1 && line <= lines + 1, "an issue past the end of the file") }
        }
    }
    return 0
}

runFuzzer(fuzzConfig)
