/// What the agent says at start about where the till pages listen.
public enum TillListenerNotice {
    /// The warning for pages open to the network over plain HTTP: what is at risk and the fix.
    /// Nil on loopback (nothing on the LAN can reach them) or with TLS.
    public static func plainHTTP(listen: String, loopback: Bool, tls: Bool) -> String? {
        guard !tls, !loopback else { return nil }
        return "till_display.listen is \(listen), reachable from the network, over plain HTTP: anyone on the shop LAN "
            + "can read the pairing tokens and the prompts (customer names, notes) as they pass; set till_display.tls_certificate "
            + "and till_display.tls_key (PEM files) to serve the pages over HTTPS, or listen on 127.0.0.1 behind a TLS proxy"
    }
}
