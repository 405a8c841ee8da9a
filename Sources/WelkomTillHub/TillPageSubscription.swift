import WelkomCore

/// One open page's stream, handed from `TillHub.subscribe` to the events route.
struct TillPageSubscription: Sendable {
    var pageID: Int
    var till: TillID
    var stream: AsyncStream<TillStreamItem>
    /// Also used by the route to slip heartbeats into the same ordered stream.
    var continuation: AsyncStream<TillStreamItem>.Continuation
}
