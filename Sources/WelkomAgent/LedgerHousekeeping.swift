import Foundation
import Logging
import WelkomConfig
import WelkomCore
import WelkomLedger

/// The agent's timers for the ledger: a signed checkpoint every
/// `ledger.checkpoint_interval_seconds` (when the tree grew) and one when the agent stops, and
/// the retention purge at start and then daily (`ledger.retention_days`). Failures are logged
/// and retried at the next tick; they never stop the agent (prompts fail closed on their own).
struct LedgerHousekeeping: Sendable {
    let ledger: Ledger
    let settings: LedgerSettings
    let clock: any WelkomClock
    let logger: Logger

    static let purgeInterval: Duration = .seconds(86_400)

    /// Runs until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(settings.checkpointIntervalSeconds))
                    if Task.isCancelled { return }
                    await checkpoint(reason: "interval")
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await purge()
                    try? await Task.sleep(for: Self.purgeInterval)
                }
            }
        }
    }

    func checkpoint(reason: String) async {
        do {
            if let c = try await ledger.writeCheckpoint(at: clock.now(), onlyIfGrown: true) {
                logger.info("ledger checkpoint signed", metadata: ["checkpoint": "\(c.id)", "tree_size": "\(c.treeSize)", "reason": "\(reason)"])
            }
        } catch {
            logger.error("ledger checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    func purge() async {
        let now = clock.now()
        let cutoff = now.addingTimeInterval(-Double(settings.retentionDays) * 86_400)
        do {
            let (purged, entry) = try await ledger.purge(before: cutoff, at: now)
            if let entry {
                logger.info("ledger retention purge", metadata: ["bodies": "\(purged)", "ledger_seq": "\(entry.seq)"])
            }
        } catch {
            logger.error("ledger retention purge failed", metadata: ["error": "\(error)"])
        }
    }
}

extension AgentRuntime {
    var ledgerHousekeeping: LedgerHousekeeping {
        LedgerHousekeeping(ledger: ledger, settings: config.ledger, clock: clock, logger: logger)
    }
}
