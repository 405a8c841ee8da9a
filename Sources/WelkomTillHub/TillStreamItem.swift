/// What a page's stream carries: events, and a comment now and then so proxies and the
/// browser see the connection is alive and a vanished page is noticed on the next write.
enum TillStreamItem: Sendable, Equatable {
    case event(TillEvent)
    case heartbeat

    func encoded() -> String {
        switch self {
        case .event(let event): event.encoded()
        case .heartbeat: ": heartbeat\n\n"
        }
    }
}
