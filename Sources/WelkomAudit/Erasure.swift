import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// `welkom audit erase --customer ID` (GDPR art. 17): withdraws the consent and deletes the
/// customer's key material from the registry, then deletes the record bodies and salts of every
/// ledger entry linked to them and records an `erasure` entry that names nobody, then signs a
/// checkpoint. The tree, its checkpoints and every other entry's proofs still verify.
public struct Erasure: Sendable {
    public struct Outcome: Sendable, Equatable {
        /// Whether the registry held a consent (now deleted).
        public var consentDeleted: Bool
        /// Ledger record bodies deleted.
        public var bodiesErased: Int
        public var erasureEntry: Int64?
        public var checkpoint: Int64?
    }

    public let registry: ConsentRegistry
    public let ledger: Ledger
    let clock: any WelkomClock

    public init(registry: ConsentRegistry, ledger: Ledger, clock: any WelkomClock = SystemClock()) {
        self.registry = registry
        self.ledger = ledger
        self.clock = clock
    }

    /// Safe to run again: a second run finds nothing and records nothing.
    public func erase(_ customer: CustomerID) throws -> Outcome {
        // Keys first: recognition stops at the running agent's next reload, whatever happens next.
        let hadConsent = try registry.withdraw(customer: customer)
        let (erased, entry) = try ledger.erase(customer: customer, at: clock.now())
        var checkpoint: Int64?
        if entry != nil || hadConsent {
            checkpoint = try ledger.writeCheckpoint(at: clock.now(), onlyIfGrown: true)?.id
        }
        return Outcome(consentDeleted: hadConsent, bodiesErased: erased, erasureEntry: entry?.seq, checkpoint: checkpoint)
    }
}
