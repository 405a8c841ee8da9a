/// Cuts a reader's byte stream into lines: CR, LF or CRLF end a code (CRLF gives an empty
/// second line, which is skipped). A line that grows past `limit` bytes is garbage: reported
/// once as soon as it crosses the limit, then skipped up to the next line end.
struct LineSplitter {
    enum Event: Equatable {
        case line([UInt8])
        case tooLong
    }

    let limit: Int
    private var pending: [UInt8] = []
    private var overflowing = false

    init(limit: Int) {
        self.limit = max(1, limit)
        pending.reserveCapacity(self.limit)
    }

    /// True while bytes of an unfinished line are held (or skipped).
    var hasPartial: Bool { !pending.isEmpty || overflowing }

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if byte == 0x0D || byte == 0x0A {
                if !overflowing, !pending.isEmpty { events.append(.line(pending)) }
                clear()
            } else if overflowing {
                continue
            } else if pending.count >= limit {
                events.append(.tooLong)
                clear()
                overflowing = true
            } else {
                pending.append(byte)
            }
        }
        return events
    }

    /// Drops an unfinished line. Returns true if there were bytes of a line not yet reported
    /// (an over-long line was already reported when it crossed the limit).
    mutating func discardPartial() -> Bool {
        let unreported = !pending.isEmpty
        clear()
        return unreported
    }

    /// Overwrites the held bytes before forgetting them: they may be part of a payment card.
    private mutating func clear() {
        for i in pending.indices { pending[i] = 0 }
        pending.removeAll(keepingCapacity: true)
        overflowing = false
    }
}
