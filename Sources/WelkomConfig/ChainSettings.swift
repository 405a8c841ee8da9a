/// `[chain]`: chain mode (docs/chain.md). With `postgres` set, the agent keeps its consents in step
/// with the chain's central registry and ships its ledger there; without it the store is an island.
public struct ChainSettings: Sendable, Equatable {
    /// `postgres`: the store's own login, as `welkom chain store add` printed it; "" (the default) = off.
    public var postgres: String
    /// `store`: this store's ID in the chain database.
    public var store: String
    /// `key_file`: the chain key (32 bytes, mode 0600), as `welkom chain init` wrote it.
    public var keyFile: String

    public init(postgres: String = "", store: String = "", keyFile: String = "") {
        self.postgres = postgres
        self.store = store
        self.keyFile = keyFile
    }

    public var enabled: Bool { !postgres.isEmpty }
}

extension ChainSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.string("postgres") {
            if v.isEmpty || v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") {
                postgres = v
            } else {
                s.report("postgres", "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE (as `welkom chain store add` prints it), or \"\" for no chain")
            }
        }
        let storeValue = s.string("store")
        if let v = storeValue {
            let valid = v.isEmpty || (1...40).contains(v.utf8.count) && v.utf8.allSatisfy {
                (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d || $0 == 0x5f
            }
            if valid { store = v } else { s.report("store", "expected 1–40 lowercase letters, digits, '-' or '_', found \(TOMLWriter.quoted(v))") }
        }
        let keyValue = s.string("key_file")
        if let v = keyValue {
            if v.isEmpty || v.hasPrefix("/") { keyFile = v } else { s.report("key_file", "expected an absolute path, found \(TOMLWriter.quoted(v))") }
        }
        // "" is "not set" (the shipped file writes every key); chain mode needs both. A value that
        // was wrong is reported already and not again.
        if enabled {
            if store.isEmpty, storeValue?.isEmpty ?? !s.contains("store") {
                s.report("postgres", "chain mode needs store = \"ID\" in [chain] too")
            }
            if keyFile.isEmpty, keyValue?.isEmpty ?? !s.contains("key_file") {
                s.report("postgres", "chain mode needs key_file = \"/PATH\" in [chain] too")
            }
        }
        s.finish()
    }

    /// Written only when chain mode is on, so a store's effective config reads as before.
    func render(into w: inout TOMLWriter) {
        guard enabled else { return }
        w.table("chain")
        w.key("postgres", postgres)
        w.key("store", store)
        w.key("key_file", keyFile)
    }
}
