import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// Where the desk writes in chain mode: the chain's central registry, through the store login's
/// narrow functions (WelkomChain's ChainDesk, attached by `welkom run`). A protocol here because
/// the agent does not depend on the chain module; the chain's sync brings the change back to
/// every store.
public protocol TillCentralRegistry: Sendable {
    /// Records a new customer's consent with `receipt` (channel `till`); a card or key the chain
    /// already holds throws RegistryError.cardEnrolledForAnotherCustomer.
    func enrol(_ e: Enrolment, receipt: ConsentReceipt) async throws
    /// Withdraws the customer chain-wide; false when the chain held nothing of them.
    func withdraw(_ customer: CustomerID, receipt: ConsentReceipt) async throws -> Bool
    /// Records a declined card's "do not ask" (normalised number) until `expires`, with `receipt`
    /// (event `do_not_ask`, channel `till`); a card the chain has enrolled throws
    /// RegistryError.cardEnrolledForAnotherCustomer.
    func doNotAsk(card: String, expires: Date, receipt: ConsentReceipt) async throws
    /// Removes the card's "do not ask" chain-wide; false when the chain held none.
    func removeDoNotAsk(card: String) async throws -> Bool
}
