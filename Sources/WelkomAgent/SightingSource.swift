import WelkomCore

/// Anything that turns input into sightings: the radio, a card reader, the demo's simulated store.
/// The agent runs each in its own task until shutdown; a source that fails is logged and the
/// rest keep running.
public protocol SightingSource: Sendable {
    var name: String { get }
    func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws
}
