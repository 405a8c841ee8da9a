// welkom-ledger-writer: the crash tests' writer, built beside the tests and never shipped.
// Appends a burst of synthetic entries naming no customer from many concurrent writers, printing
// "ack SEQ HASH" the moment each append is acknowledged; the tests kill -9 it mid-burst and check
// that every acknowledged entry survived and the ledger verifies.
//
//   welkom-ledger-writer --data DIR [--count N] [--writers N] [--checkpoint-every N]
import Foundation
import WelkomCore
import WelkomLedger

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("welkom-ledger-writer: \(message)\n".utf8))
    exit(64)
}

struct Options {
    var data = ""
    var count = 10_000
    var writers = 64
    var checkpointEvery = 0

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var rest = arguments[...]
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("\(name): missing value") }
            func number() -> Int {
                guard let n = Int(value), n >= 0 else { fail("\(name): not a number: \(value)") }
                return n
            }
            switch name {
            case "--data": o.data = value
            case "--count": o.count = number()
            case "--writers": o.writers = max(1, number())
            case "--checkpoint-every": o.checkpointEvery = number()
            default: fail("usage: --data DIR [--count N] [--writers N] [--checkpoint-every N]")
            }
        }
        if o.data.isEmpty { fail("--data DIR is required") }
        return o
    }
}

/// A function, not top-level code: the ledger is released at its end, so SQLite's last close
/// checkpoints and removes the write-ahead log when the burst runs to completion.
func burst(_ options: Options) async throws {
    let ledger = try Ledger(dataDirectory: URL(fileURLWithPath: options.data, isDirectory: true))
    let writers = options.writers, checkpointEvery = options.checkpointEvery
    let perWriter = max(1, options.count / writers)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                for i in 0..<perWriter {
                    let e = try await ledger.submit(LedgerDraft(time: Date(), kind: .acknowledgement, till: "\(w % 20)",
                                                                prompt: "burst-\(w)-\(i)"))
                    // write(2), unbuffered: what is printed was acknowledged, even if killed next.
                    let line = Array("ack \(e.seq) \(e.hash)\n".utf8)
                    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                    if checkpointEvery > 0, e.seq % Int64(checkpointEvery) == 0 {
                        _ = try await ledger.writeCheckpoint(at: Date())
                    }
                }
            }
        }
        try await group.waitForAll()
    }
}

do {
    try await burst(Options.parse(Array(CommandLine.arguments.dropFirst())))
} catch {
    fail("\(error)")
}
