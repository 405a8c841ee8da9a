/// Prompt deliveries in flight: a recognition whose ledger entry is being written, then shown.
/// A withdrawal waits for the deliveries that began before it (never for later ones, so a steady
/// stream of other customers cannot starve it) before it takes the customer's prompts down and
/// lets the ledger be unlinked: otherwise an entry written during the withdrawal could still name
/// the customer afterwards, or a prompt appear after it.
struct DeliveryBarrier {
    private var nextTicket: UInt64 = 0
    private var active: Set<UInt64> = []
    private var waiters: [(before: UInt64, resume: CheckedContinuation<Void, Never>)] = []

    var isIdle: Bool { active.isEmpty }

    mutating func begin() -> UInt64 {
        defer { nextTicket += 1 }
        active.insert(nextTicket)
        return nextTicket
    }

    mutating func end(_ ticket: UInt64) {
        active.remove(ticket)
        let oldest = active.min() ?? .max
        waiters.removeAll { waiter in
            guard waiter.before <= oldest else { return false }
            waiter.resume.resume()
            return true
        }
    }

    /// The barrier a withdrawal waits at: every delivery begun until now.
    var barrier: UInt64 { nextTicket }

    func hasActive(before barrier: UInt64) -> Bool { active.contains { $0 < barrier } }

    mutating func wait(before barrier: UInt64, _ continuation: CheckedContinuation<Void, Never>) {
        waiters.append((barrier, continuation))
    }
}
