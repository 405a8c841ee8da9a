import WelkomCards
import WelkomCore
import WelkomIdentifiers
import WelkomRadio
import Foundation

/// The demo's shop floor: two hundred anonymous phones advertising WLK1 tokens of keys nobody
/// enrolled, three enrolled customers walking to the tills, and card scans at till 2 (a
/// customer's card, a card of someone not enrolled, a misread barcode). Advertisements go through
/// the real AD parser and scans through the real card classifier, so the demo exercises the same
/// code as a store; only the radio and the scanner hardware are simulated.
struct SimulatedStore: SightingSource {
    let name = "simulated-store"
    var strangers = 200
    /// One cycle of the walk; customers come back every cycle.
    var cycle: TimeInterval = 70
    var tick: Duration = .milliseconds(100)
    let companyID: UInt16
    let clock: any WelkomClock
    let onNote: @Sendable (String) -> Void

    func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {
        var rng = SystemRandomNumberGenerator()
        let strangerKeys = (0..<strangers).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        let start = clock.now()
        var lastTick = 0.0
        while !Task.isCancelled {
            try await Task.sleep(for: tick)
            let now = clock.now()
            let elapsed = now.timeIntervalSince(start)
            let inCycle = elapsed.truncatingRemainder(dividingBy: cycle)
            let previous = lastTick.truncatingRemainder(dividingBy: cycle)
            lastTick = elapsed

            // Each stranger's phone advertises about once a second.
            for key in strangerKeys where Int.random(in: 0..<10, using: &rng) == 0 {
                await onSighting(advertisement(beaconKey: key, at: now, till: nil, rssi: Int.random(in: -95 ... -60, using: &rng)))
            }
            for customer in DemoCustomer.all {
                // Phones of enrolled customers are heard while they stand at the till (5 s).
                if let key = customer.beaconKey, inCycle >= customer.arrives, inCycle < customer.arrives + 5 {
                    await onSighting(advertisement(beaconKey: key, at: now, till: customer.till, rssi: -48))
                }
                if let card = customer.card, crossed(customer.arrives, from: previous, to: inCycle) {
                    await scan(card, at: now, till: customer.till, onSighting: onSighting)
                }
            }
            if crossed(17, from: previous, to: inCycle) {
                await scan("8712345678906", at: now, till: "2", onSighting: onSighting)   // someone not enrolled
            }
            if crossed(19, from: previous, to: inCycle) {
                await scan("8712345678901", at: now, till: "2", onSighting: onSighting)    // a misread: bad check digit
            }
        }
    }

    private func crossed(_ mark: TimeInterval, from previous: TimeInterval, to current: TimeInterval) -> Bool {
        previous <= current ? (previous < mark && mark <= current) : (mark > previous || mark <= current)
    }

    /// A WLK1 advertisement as the radio would deliver it, parsed by the radio's own AD parser.
    /// The simulated zone puts the customer at their till, as issue 4's RSSI zones will.
    private func advertisement(beaconKey: Block128, at time: Date, till: TillID?, rssi: Int) -> Sighting {
        let token = WLK1.token(beaconKey: beaconKey, at: time) ?? Block128(hi: 0, lo: 0)
        let payload = WLK1Frame.advertisingPayload(token: token, companyID: companyID)
        return Sighting(time: time, evidence: AdvertisingData.evidence(in: payload), rssi: rssi, till: till, source: .radio)
    }

    private func scan(_ line: String, at time: Date, till: TillID,
                      onSighting: @escaping @Sendable (Sighting) async -> Void) async {
        switch CardNumber.classify(line) {
        case let .loyalty(normalised, _):
            await onSighting(Sighting(time: time, evidence: .card(normalised: normalised), till: till, source: .card))
        case .paymentCard:
            break
        case let .invalid(problem):
            onNote("till \(till): card reader: unreadable code (\(problem)) — not matched")
        }
    }
}
