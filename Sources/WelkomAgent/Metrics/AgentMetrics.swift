import Prometheus
import WelkomCards
import WelkomRadio
import Synchronization
import WelkomCore

/// The agent's metrics, served at /metrics. Only aggregate counters and labels from fixed,
/// small sets (source kind, scheme, till, entry kind): nothing derived from an identifier of
/// anyone, enrolled or not (docs/privacy-invariants.md, invariant 2).
public final class AgentMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let sightings: [SourceKind: Counter]
    private let unmatched: [SourceKind: Counter]
    /// Every sighting is counted here, in plain atomics (a dictionary lookup and two Prometheus
    /// increments per sighting were a seventh of a replay's time); `render` brings the growth
    /// into the Prometheus counters above, so a scrape sees every sighting counted so far.
    private let radioSightings = Atomic<Int>(0)
    private let cardSightings = Atomic<Int>(0)
    private let radioUnmatched = Atomic<Int>(0)
    private let cardUnmatched = Atomic<Int>(0)
    private let publishedSightings = Mutex(SightingCounts())
    private let recognitions: [Scheme: Counter]
    let prompts: Counter
    let ledgerFailures: Counter
    let ledgerEntries: Counter
    let activeConsents: Gauge
    let recognitionEnabled: Gauge
    // The sources' own counters, pulled in at scrape time (see `publish`).
    private let radioFramingErrors: Counter
    private let radioMalformedReports: Counter
    private let radioReopens: Counter
    private let radioControllerResets: Counter
    private let cardCodes: [String: Counter]
    private let readerDisconnects: Counter
    /// Cards dropped at a reader, by a reason from a fixed set: only "payment_card" today.
    private let cardsDroppedPayment: Counter
    private let published = Mutex(SourceTotals())

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        sightings = Dictionary(uniqueKeysWithValues: SourceKind.allCases.map {
            ($0, registry.makeCounter(descriptor: Self.metric("welkom_sightings_total", "Sightings received from sources"), labels: [("source", $0.rawValue)]))
        })
        unmatched = Dictionary(uniqueKeysWithValues: SourceKind.allCases.map {
            ($0, registry.makeCounter(descriptor: Self.metric("welkom_sightings_unmatched_total", "Sightings that matched no active consent, dropped without a trace"), labels: [("source", $0.rawValue)]))
        })
        recognitions = Dictionary(uniqueKeysWithValues: Scheme.allCases.map {
            ($0, registry.makeCounter(descriptor: Self.metric("welkom_recognitions_total", "Sightings recognised as an opted-in customer"), labels: [("scheme", $0.rawValue)]))
        })
        prompts = registry.makeCounter(descriptor: Self.metric("welkom_prompts_shown_total", "Prompts shown at tills after their ledger entry was durable"))
        ledgerFailures = registry.makeCounter(descriptor: Self.metric("welkom_ledger_failures_total", "Ledger appends that failed; no prompt was shown"))
        ledgerEntries = registry.makeCounter(descriptor: Self.metric("welkom_ledger_entries_written_total", "Ledger entries written by this agent"))
        activeConsents = registry.makeGauge(descriptor: Self.metric("welkom_active_consents", "Customers in the recogniser's tables"))
        recognitionEnabled = registry.makeGauge(descriptor: Self.metric("welkom_recognition_enabled", "1 when recognition is enabled with a DPIA reference"))
        radioFramingErrors = registry.makeCounter(descriptor: Self.metric("welkom_radio_framing_errors_total", "H4 framing errors: bytes skipped to resynchronise"))
        radioMalformedReports = registry.makeCounter(descriptor: Self.metric("welkom_radio_malformed_reports_total", "Advertising reports or AD structures whose lengths did not fit"))
        radioReopens = registry.makeCounter(descriptor: Self.metric("welkom_radio_reopens_total", "Times the controller was reopened"))
        radioControllerResets = registry.makeCounter(descriptor: Self.metric("welkom_radio_controller_resets_total", "Times a controller restarted on its own and was set up again"))
        cardCodes = Dictionary(uniqueKeysWithValues: ["loyalty", "invalid", "payment"].map {
            ($0, registry.makeCounter(descriptor: Self.metric("welkom_card_codes_total", "Codes read by card readers; payment cards are dropped at the reader"), labels: [("result", $0)]))
        })
        cardsDroppedPayment = registry.makeCounter(descriptor: Self.metric("welkom_cards_dropped_total", "Cards dropped at the reader without a trace (privacy invariant 6)"), labels: [("reason", "payment_card")])
        readerDisconnects = registry.makeCounter(descriptor: Self.metric("welkom_reader_disconnects_total", "Card readers lost and reopened"))
    }

    /// swift-prometheus 2.4 takes the unit apart from the name; ours carry it already
    /// ("…_total"), and an empty unit adds nothing to the exposed name.
    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func sighting(_ s: Sighting, matched: Bool) {
        count(s.source, sightings: 1, unmatched: matched ? 0 : 1)
    }

    /// Several sightings of one source at once (a replay's batch).
    func count(_ source: SourceKind, sightings n: Int, unmatched u: Int) {
        switch source {
        case .radio:
            radioSightings.add(n, ordering: .relaxed)
            if u > 0 { radioUnmatched.add(u, ordering: .relaxed) }
        case .card:
            cardSightings.add(n, ordering: .relaxed)
            if u > 0 { cardUnmatched.add(u, ordering: .relaxed) }
        }
    }

    public var unmatchedTotal: Int { radioUnmatched.load(ordering: .relaxed) + cardUnmatched.load(ordering: .relaxed) }

    /// The sighting counters' growth since the last call, into the Prometheus counters.
    private func publishSightings() {
        // Read under the lock: two scrapes at once must not publish the same growth twice.
        let (now, last) = publishedSightings.withLock { last in
            let now = SightingCounts(radio: radioSightings.load(ordering: .relaxed), card: cardSightings.load(ordering: .relaxed),
                                     radioUnmatched: radioUnmatched.load(ordering: .relaxed),
                                     cardUnmatched: cardUnmatched.load(ordering: .relaxed))
            defer { last = now }
            return (now, last)
        }
        func bump(_ counter: Counter?, _ now: Int, _ before: Int) {
            if now > before { counter?.increment(by: Int64(now - before)) }
        }
        bump(sightings[.radio], now.radio, last.radio)
        bump(sightings[.card], now.card, last.card)
        bump(unmatched[.radio], now.radioUnmatched, last.radioUnmatched)
        bump(unmatched[.card], now.cardUnmatched, last.cardUnmatched)
    }

    func recognised(_ scheme: Scheme) { recognitions[scheme]?.increment() }

    /// Brings the sources' cumulative counters into the registry by the amount they grew since the
    /// last call. Sources count on their own threads; pulling at scrape time keeps their hot paths
    /// free of metrics calls.
    func publish(_ totals: SourceTotals) {
        let last = published.withLock { last in
            defer { last = totals }
            return last
        }
        func bump(_ counter: Counter, _ now: Int, _ before: Int) {
            if now > before { counter.increment(by: Int64(now - before)) }
        }
        bump(radioFramingErrors, totals.radio.framingErrors, last.radio.framingErrors)
        bump(radioMalformedReports, totals.radio.malformedReports + totals.radio.malformedAdvertisingData,
             last.radio.malformedReports + last.radio.malformedAdvertisingData)
        bump(radioReopens, totals.radio.transportReopens, last.radio.transportReopens)
        bump(radioControllerResets, totals.radio.controllerResets, last.radio.controllerResets)
        bump(cardCodes["loyalty"]!, totals.readers.loyalty, last.readers.loyalty)
        bump(cardCodes["invalid"]!, totals.readers.invalid, last.readers.invalid)
        bump(cardCodes["payment"]!, totals.readers.paymentDropped, last.readers.paymentDropped)
        bump(cardsDroppedPayment, totals.readers.paymentDropped, last.readers.paymentDropped)
        bump(readerDisconnects, totals.readers.disconnects, last.readers.disconnects)
    }

    /// Prometheus text exposition format.
    public func render() -> String {
        publishSightings()
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// The sighting counters as last published.
private struct SightingCounts {
    var radio = 0, card = 0, radioUnmatched = 0, cardUnmatched = 0
}

/// The sum of every source's own counters at one moment.
struct SourceTotals: Sendable {
    var radio = RadioStats()
    var readers = ReaderStats()

    init() {}

    init(sources: [any SightingSource]) {
        for source in sources {
            if let radio = source as? RadioSource { self.radio = self.radio + radio.stats }
            if let reader = source as? any CardReaderSource {
                let r = reader.stats
                readers.codesRead += r.codesRead
                readers.loyalty += r.loyalty
                readers.invalid += r.invalid
                readers.paymentDropped += r.paymentDropped
                readers.disconnects += r.disconnects
            }
        }
    }
}
