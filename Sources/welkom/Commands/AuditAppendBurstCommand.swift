import ArgumentParser
import Foundation
import WelkomCore
import WelkomLedger

extension AuditCommand {
    /// Test and diagnostics only (hidden from help): appends a burst of synthetic entries naming
    /// no customer from many concurrent writers, printing "ack SEQ HASH" the moment each append
    /// is acknowledged. The crash tests kill -9 it mid-burst and check that every acknowledged
    /// entry survived and the ledger verifies.
    struct AppendBurst: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "append-burst", abstract: "Append synthetic entries (tests).", shouldDisplay: false)
        @OptionGroup var data: DataOption
        @Option var count: Int = 10_000
        @Option var writers: Int = 64
        @Option(name: .customLong("checkpoint-every")) var checkpointEvery: Int = 0

        func run() async throws {
            let ledger = try Ledger(dataDirectory: data.url)
            let perWriter = max(1, count / max(1, writers))
            let checkpointEvery = self.checkpointEvery
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<max(1, writers) {
                    group.addTask {
                        for i in 0..<perWriter {
                            let e = try await ledger.submit(LedgerDraft(time: Date(), kind: .acknowledgement, till: "\(w % 20)",
                                                                        prompt: "burst-\(w)-\(i)"))
                            // write(2), unbuffered: what is printed was acknowledged, even if killed next.
                            let line = Array("ack \(e.seq) \(e.hash)\n".utf8)
                            _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                            if checkpointEvery > 0, e.seq % Int64(checkpointEvery) == 0 {
                                _ = try ledger.writeCheckpoint(at: Date())
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
