/// Finds the Command Complete for HCI_Reset in a raw byte stream, ignoring H4 framing.
///
/// A host that attaches to a controller already streaming (a UART that was never reset, a pty
/// whose previous host left scanning on) starts mid-packet, and a framing decoder can lock onto
/// a wrong boundary for a while. The reset's completion, `04 0E 04 xx 03 0C ss`, is an exact
/// pattern: everything before it is discarded and framing restarts right after it.
struct ResetCompleteScanner {
    private var window: [UInt8] = []

    /// Feeds bytes; when the pattern completes returns the reset's status and the bytes after it.
    mutating func feed(_ bytes: [UInt8]) -> (status: HCIStatus, rest: ArraySlice<UInt8>)? {
        window += bytes
        // Pattern: [0]=04 [1]=0E [2]=04 [3]=num packets [4]=03 [5]=0C [6]=status
        var i = 0
        while i + 7 <= window.count {
            if window[i] == 0x04, window[i + 1] == HCIEventCode.commandComplete, window[i + 2] == 0x04,
               window[i + 4] == 0x03, window[i + 5] == 0x0C {
                let status = HCIStatus(window[i + 6])
                let rest = window[(i + 7)...]
                window = []
                return (status, rest)
            }
            i += 1
        }
        // Keep the last 6 bytes: the pattern may straddle chunks.
        if window.count > 6 { window.removeFirst(window.count - 6) }
        return nil
    }
}
