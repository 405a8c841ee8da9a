import Foundation
import Logging
import ServiceLifecycle
import WelkomConfig
import WelkomConsent
import WelkomCore
import WelkomRegistry
import WelkomTillHub

/// `welkom demo`: the whole pipeline on a simulated store, on embedded defaults, in a fresh
/// data directory. Prints one line per event and the till pages' URL.
public enum Demo {
    public static func config(port: Int, dataDirectory: URL) -> WelkomConfig {
        var config = WelkomConfig.defaults
        config.data.dir = dataDirectory.path
        config.recognition.enabled = true
        config.recognition.dpiaReference = "DEMO — simulated store, no real people"
        config.tills = [TillSettings(id: "1", name: "Kassa 1"), TillSettings(id: "2", name: "Kassa 2")]
        config.tillDisplay.host = "127.0.0.1"
        config.tillDisplay.port = port
        // Customers come back every 70 s in the demo: one greeting per visit, again on the next.
        config.policy.greetingCooldownMinutes = 1
        config.policy.promptLifetimeSeconds = 60
        config.offers = [OfferSettings(id: "demo-coffee", textNL: "2e kop koffie gratis (t.w.v. € 2,50)",
                                       textEN: "Second coffee free (worth € 2.50)", tags: ["coffee"])]
        return config
    }

    public static func run(port: Int, duration: TimeInterval?, dataDirectory: URL?, logger: Logger,
                           print: @escaping @Sendable (String) -> Void) async throws {
        let dir = try dataDirectory ?? makeTemporaryDirectory()
        let cfg = config(port: port, dataDirectory: dir)
        let clock = SystemClock()
        let names = Dictionary(uniqueKeysWithValues: DemoCustomer.all.map { ($0.id, $0.name) })
        let tillNames = Dictionary(uniqueKeysWithValues: cfg.tills.map { ($0.id, $0.name) })
        let stamp: @Sendable () -> String = {
            let f = DateFormatter()
            f.dateFormat = "HH:mm:ss"
            return f.string(from: Date())
        }
        let runtime = try AgentRuntime(config: cfg, dataDirectory: dir, logger: logger, clock: clock) { event in
            switch event {
            case let .greeted(prompt, seq):
                print("\(stamp()) greeted \(names[prompt.customer] ?? prompt.customer) at till \(prompt.till) (\(tillNames[prompt.till] ?? "")): \"\(prompt.text)\" [\(prompt.scheme.rawValue), ledger #\(seq)]")
            case let .tillAction(action, seq):
                switch action {
                case let .acknowledge(_, till): print("\(stamp()) till \(till): staff acknowledged the prompt [ledger #\(seq)]")
                case let .dismiss(_, till): print("\(stamp()) till \(till): staff dismissed the prompt [ledger #\(seq)]")
                }
            case let .promptWithheld(customer, reason):
                print("\(stamp()) prompt for \(names[customer] ?? customer) withheld: \(reason)")
            case .consentsReloaded:
                break
            }
        }
        // Enrolled before the agent starts, which then loads them with the rest of the registry.
        let consents = ConsentService(registry: runtime.registry, ledger: runtime.ledger, agent: NoAgent(), clock: clock)
        for customer in DemoCustomer.all {
            try await consents.enroll(Enrolment(
                customer: customer.id, scopes: customer.scopes, name: customer.name, language: customer.language,
                beaconKey: customer.beaconKey, cards: customer.card.map { [$0] } ?? [], expires: nil,
                consentTextVersion: "demo-1", note: customer.note, tags: customer.tags), channel: "demo")
        }
        print("Welkom demo — a simulated store: 3 enrolled customers, 200 anonymous phones, card scans at till 2")
        print("data directory: \(dir.path)")
        // Till pages need a paired display: the demo pairs the browser of whoever opens these
        // links (each works once, for 30 minutes), as `welkom till pair` does in a store.
        let links = try cfg.tills.map { till in
            let code = try runtime.pairings.issueCode(till: till.id, now: clock.now(), lifetime: 30 * 60)
            return "\(till.name): http://127.0.0.1:\(port)/pair?code=\(code.filter(\.isNumber))"
        }
        print("till pages: http://127.0.0.1:\(port)/  — open these to pair this browser and see a till (each link works once, 30 minutes):")
        for link in links { print("  \(link)") }
        print("metrics: http://127.0.0.1:\(port)/metrics — press Ctrl-C to stop")

        let store = SimulatedStore(companyID: cfg.recognition.companyID, clock: clock, onNote: { print("\(stamp()) \($0)") })
        let reporter = DroppedReporter(metrics: runtime.metrics, print: { print("\(stamp()) \($0)") })
        try await runtime.run(sources: [store, reporter]) { group in
            guard let duration else { return }
            Task {
                try? await Task.sleep(for: .seconds(duration))
                await group.triggerGracefulShutdown()
            }
        }
        let count = try await runtime.ledger.count()
        print("demo stopped: \(count) ledger entries in \(dir.path) (`welkom audit export --data \(dir.path)` shows them)")
    }
}

/// A fresh directory of our own under the system's temporary folder (mkdtemp: unique, mode 0700).
func makeTemporaryDirectory() throws -> URL {
    var template = Array((NSTemporaryDirectory() + "/welkom-demo-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create a temporary data directory"])
    }
    return URL(fileURLWithPath: String(cString: made), isDirectory: true).standardizedFileURL
}

/// Every few seconds, how many anonymous sightings were dropped: a count, never an identifier.
struct DroppedReporter: SightingSource {
    let name = "dropped-reporter"
    let metrics: AgentMetrics
    let print: @Sendable (String) -> Void
    var every: Duration = .seconds(5)

    func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {
        var last = 0
        while !Task.isCancelled {
            try await Task.sleep(for: every)
            let total = metrics.unmatchedTotal
            print("anonymous: \(total - last) sightings matched no consent and were dropped (\(total) in all) — counted, not kept")
            last = total
        }
    }
}
