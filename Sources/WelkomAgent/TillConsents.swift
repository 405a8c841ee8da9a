import Foundation
import Logging
import WelkomConsent
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomRegistry
import WelkomTillHub

/// The consent changes the till pages start, carried out through the consent service with the
/// agent's own applier as its link: a withdrawal is in effect (tables, prompts on every till,
/// ledger unlinked) before the page hears 204, exactly as `welkom consent withdraw` does it, and
/// an enrolment at the desk is loaded before the customer page says it is recorded. Every
/// receipt says channel `till` and names the display's pairing (`collected_by`).
struct TillConsents: TillConsentDesk {
    static let channel = "till"
    let service: ConsentService
    /// `recognition.company_id`, for the `welkom-wlk1:` URI of a new key.
    let companyID: UInt16
    /// `[cards] allow_prefixes`: the shop's own cards that look like payment cards.
    let exemptions: PaymentCardExemptions
    /// `till_display.do_not_ask_lifetime`.
    let doNotAskLifetime: TimeInterval
    let clock: any WelkomClock
    /// `[chain]` is on: consents belong to the chain's central registry. The desk enrols there
    /// first (through `central`, the store login's narrow functions) and then here, so the customer
    /// is recognised at this store before the page says so and at every other store once its sync
    /// reads the change; unreachable or refused there, the desk refuses and stores nothing. A
    /// withdrawal goes to the chain and takes effect here at the same time, whatever the chain says;
    /// if the chain cannot be reached it is logged for the office to withdraw centrally. "Do not ask" is
    /// recorded as an enrolment is, chain first (every store marks the card under its own pepper as
    /// its sync reads it), and taken back by card at a desk the way a withdrawal is
    /// (docs/contract.md, "Consent at the till in chain mode").
    var chainMode = false
    var central: (any TillCentralRegistry)? = nil
    var logger: Logger? = nil

    static let chainUnreachable = DeskRefusal(
        "In chain mode consents are recorded centrally, and the chain's registry could not record this one now "
        + "(unreachable or refused; the log says which): nothing was stored / "
        + "In ketenmodus wordt toestemming centraal vastgelegd, en dat lukt nu niet: niets opgeslagen")

    func withdraw(customer: CustomerID, till: TillID, pairing: String?) async throws {
        // Both at once: the chain (every store follows by its sync) and here, so a slow or absent
        // database never holds up the withdrawal at this store; the page hears once both are done.
        async let central: Void = withdrawCentrally(customer, till: till, pairing: pairing)
        _ = try await service.withdraw(customer, channel: Self.channel, collectedBy: pairing)
        await central
    }

    /// The chain's withdrawal, never in the way of the local one: a failure is logged for the office.
    private func withdrawCentrally(_ customer: CustomerID, till: TillID, pairing: String?) async {
        guard chainMode else { return }
        do {
            guard let central else { throw DeskRefusal("no chain connection configured") }
            let receipt = ConsentReceipt(event: .withdrawn, time: clock.now(), collectionMethod: Self.channel, collectedBy: pairing)
            _ = try await central.withdraw(customer, receipt: receipt)
        } catch {
            logger?.warning("consent withdrawn at a till in chain mode, but the chain's registry could not be reached: in effect at this store only; withdraw it centrally too (welkom consent withdraw --postgres)",
                            metadata: ["till": "\(till)", "error.type": "\(String(reflecting: type(of: error)))"])
        }
    }

    func withdraw(card: String, till: TillID, pairing: String?) async throws -> Bool {
        let registry = service.registry
        let pseudonym = registry.pseudonym(forCard: card)
        var withdrawn = false
        if let customer = try await registry.customer(cardPseudonym: pseudonym) {
            async let central: Void = withdrawCentrally(customer, till: till, pairing: pairing)
            _ = try await service.withdraw(customer, channel: Self.channel, collectedBy: pairing)
            await central
            withdrawn = true
        }
        // A "do not ask" the customer now takes back goes too.
        if let marker = try await registry.doNotAsk(pseudonym: pseudonym) {
            async let central: Void = removeDoNotAskCentrally(card: card, till: till)
            withdrawn = try await service.takeBackDoNotAsk(marker: marker.marker, channel: Self.channel,
                                                           collectedBy: pairing) || withdrawn
            await central
        }
        return withdrawn
    }

    /// As a central withdrawal: never in the way of the local removal; a failure is logged.
    private func removeDoNotAskCentrally(card: String, till: TillID) async {
        guard chainMode else { return }
        do {
            guard let central else { throw DeskRefusal("no chain connection configured") }
            _ = try await central.removeDoNotAsk(card: card)
        } catch {
            logger?.warning("\"do not ask\" taken back at a till in chain mode, but the chain's registry could not be reached: removed at this store only; erase it centrally too (welkom audit erase --postgres --card)",
                            metadata: ["till": "\(till)", "error.type": "\(String(reflecting: type(of: error)))"])
        }
    }

    func consentTexts() async -> [DeskConsentText] {
        ConsentTexts.newest(in: service.ledger.dataDirectory)
    }

    func checkCard(_ typed: String) -> Result<String, DeskRefusal> {
        switch CardNumber.enrolment(typed, exempting: exemptions) {
        case let .loyalty(number, _):
            return .success(number)
        case .paymentCard:
            return .failure(DeskRefusal("This is a payment card number: Welkom never stores payment cards / "
                                        + "Dit is een betaalkaartnummer: Welkom bewaart nooit betaalkaarten"))
        case let .invalid(problem):
            return .failure(DeskRefusal("Not a card number (\(problem)) / Geen kaartnummer"))
        }
    }

    func enrol(_ request: DeskEnrolmentRequest) async throws -> DeskEnrolmentResult {
        guard let text = ConsentTexts.newest(in: service.ledger.dataDirectory).first(where: { $0.language == request.language }) else {
            throw DeskRefusal("There is no consent text in this language: nothing was stored / Er is geen toestemmingstekst in deze taal: niets opgeslagen")
        }
        if request.scopes.contains(.name) && request.name == nil {
            throw DeskRefusal("Give the name to use, or untick it / Vul de naam in, of vink hem uit")
        }
        let key = request.wantsKey ? Self.newBeaconKey() : nil
        let customer = "desk-" + Self.randomHex(bytes: 8)
        let form = EnrolmentForm(customer: customer, scopes: request.scopes.sorted().map(\.rawValue).joined(separator: ","),
                                 name: request.name, locale: request.language.rawValue, beaconKey: key?.hex,
                                 cards: [request.card], consentTextVersion: text.version)
        let enrolment: Enrolment
        do { enrolment = try form.enrolment(now: clock.now(), exempting: exemptions) } catch {
            throw DeskRefusal("\(error)")
        }
        do {
            if chainMode {
                try await enrolCentrally(enrolment, pairing: request.pairing)
                do {
                    try await service.enroll(enrolment, channel: Self.channel, collectedBy: request.pairing)
                } catch {
                    // The chain holds it now, so the customer is enrolled: every store's sync loads it,
                    // this store's too once it can write. Saying "nothing stored" would be untrue, and
                    // a new key would never reach the customer.
                    logger?.error("desk enrolment recorded centrally but not loaded at this store yet: its chain sync will load it",
                                  metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
                }
            } else {
                try await service.enroll(enrolment, channel: Self.channel, collectedBy: request.pairing)
            }
        } catch RegistryError.cardEnrolledForAnotherCustomer {
            throw DeskRefusal("This card is already enrolled: withdraw first to enrol it again / "
                              + "Deze kaart is al ingeschreven: trek eerst in om opnieuw in te schrijven")
        }
        return DeskEnrolmentResult(customer: customer, keyURI: key.map { WLK1URI(key: $0, companyID: companyID).text })
    }

    /// The chain's copy first: if it cannot be recorded there, nothing is stored here either.
    private func enrolCentrally(_ e: Enrolment, pairing: String?) async throws {
        guard let central else { throw Self.chainUnreachable }
        var kinds: [String] = []
        if e.beaconKey != nil { kinds.append("wlk1") }
        if !e.cards.isEmpty { kinds.append("card") }
        let receipt = ConsentReceipt(
            event: .given, time: clock.now(), collectionMethod: Self.channel, language: e.language.rawValue,
            consentTextVersion: e.consentTextVersion,
            consentTextSHA256: ConsentReceipt.textHash(version: e.consentTextVersion, dataDirectory: service.ledger.dataDirectory),
            scopes: Array(e.scopes), identifierKinds: kinds, expires: e.expires, collectedBy: pairing)
        do {
            try await central.enrol(e, receipt: receipt)
        } catch let refused as RegistryError {
            throw refused
        } catch {
            logger?.error("desk enrolment not recorded: the chain's registry refused or could not be reached", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            throw Self.chainUnreachable
        }
    }

    func doNotAsk(card: String, till: TillID, pairing: String?) async throws {
        let expires = clock.now().addingTimeInterval(doNotAskLifetime)
        if chainMode {
            // The chain's copy first, as an enrolment: if it cannot be recorded there, nothing is stored here.
            guard let central else { throw Self.chainUnreachable }
            let receipt = ConsentReceipt(event: .doNotAsk, time: clock.now(), collectionMethod: Self.channel, collectedBy: pairing)
            do {
                try await central.doNotAsk(card: card, expires: expires, receipt: receipt)
            } catch RegistryError.cardEnrolledForAnotherCustomer {
                throw DeskRefusal("This card is enrolled: nothing was stored / Deze kaart is ingeschreven: niets opgeslagen")
            } catch {
                logger?.error("\"do not ask\" not recorded: the chain's registry refused or could not be reached", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
                throw Self.chainUnreachable
            }
        }
        try await service.declineAndDoNotAsk(card: card, expires: expires, channel: Self.channel, collectedBy: pairing)
    }

    /// 16 random bytes from the system's generator: the customer's WLK1 beacon key.
    static func newBeaconKey() -> Block128 {
        var rng = SystemRandomNumberGenerator()
        return Block128(hi: UInt64.random(in: 0...UInt64.max, using: &rng), lo: UInt64.random(in: 0...UInt64.max, using: &rng))
    }

    static func randomHex(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}
