import Foundation
import Logging
import PostgresNIO
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry
import WelkomStorage

/// The agent's side of chain mode (`[chain]`): keeps the store's local registry a copy of the
/// central one and ships the store's ledger.
///
/// - An initial load (one REPEATABLE READ snapshot of every active consent and the change log's
///   head), then the change log from that cursor, woken by LISTEN/NOTIFY (and a poll each second,
///   which also ships the ledger).
/// - Of every batch of changes, withdrawals and erasures are applied first, each through the
///   data directory's ConsentService with the agent's ConsentApplier as its link: registry, then
///   the running pipeline, then the local ledger, exactly as `consent withdraw` / `audit erase`
///   do locally. Enrolments follow, in one registry transaction and one reload.
/// - The local registry keeps recognising whenever the database is unreachable; the sync says so
///   (log, ChainSyncStatus for /healthz) and catches up from its cursor when it returns.
///
/// The cursor is kept in DATA/chain-cursor (a number, nothing about anyone).
public final class ChainSync: Sendable {
    public static let cursorFileName = "chain-cursor"
    let url: ChainURL
    let key: ChainKey
    let store: String
    let registry: ConsentRegistry
    let ledger: Ledger
    let agent: any AgentLink
    let dataDirectory: URL
    let logger: Logger
    let clock: any WelkomClock
    public let status: ChainSyncStatus
    /// Seconds between polls (and ledger shipments) when no notification comes.
    let pollInterval: Duration
    /// At most this long between two reports of contact (`welkom.store_contact`) while nothing moves.
    static let contactHeartbeat = Duration.seconds(30)

    public init(url: ChainURL, key: ChainKey, store: String, registry: ConsentRegistry, ledger: Ledger,
                agent: any AgentLink, dataDirectory: URL, logger: Logger, clock: any WelkomClock = SystemClock(),
                pollInterval: Duration = .seconds(1), status: ChainSyncStatus = ChainSyncStatus()) {
        self.status = status
        self.url = url
        self.key = key
        self.store = store
        self.registry = registry
        self.ledger = ledger
        self.agent = agent
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.clock = clock
        self.pollInterval = pollInterval
    }

    var service: ConsentService { ConsentService(registry: registry, ledger: ledger, agent: agent, clock: clock) }
    var cursorURL: URL { dataDirectory.appendingPathComponent(Self.cursorFileName) }

    /// Runs until cancelled. Never throws: an unreachable database is a state, not an end.
    public func run() async {
        var wasDown = false
        var backoff = 1.0
        while !Task.isCancelled {
            do {
                let db = try await ChainDatabase.connect(url, logger: logger)
                defer { Task { await db.close() } }
                try await ChainSchema.check(db, key: key)
                status.update { $0.connected = true; $0.problem = nil }
                if wasDown { logger.notice("chain database reachable again; catching up", metadata: ["store": "\(store)"]) }
                wasDown = false
                backoff = 1
                try await session(db)
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                let reason = ChainDatabase.reason(error)
                status.update { $0.connected = false; $0.problem = reason }
                if !wasDown {
                    logger.warning("chain database unreachable; recognising from the local registry until it returns",
                                   metadata: ["store": "\(store)", "error": "\(reason)"])
                }
                wasDown = true
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 5)
            }
        }
    }

    /// One connection's life: initial load if there is no cursor yet, then changes and shipping.
    func session(_ db: ChainDatabase) async throws {
        var cursor = readCursor()
        if cursor == nil { cursor = try await initialLoad(db) }
        var position = cursor ?? 0
        var shipped = try await ChainLedger.shippedThrough(db)
        var shippedCheckpoints = try await ChainLedger.shippedCheckpointIDs(db)
        var lastCheckpoint = ContinuousClock.now - .seconds(3600)
        // What the last store_contact said, and when: the ledger count, the checkpoint read and the
        // report are made when the cursor, the shipped mark or the checkpoints moved, and otherwise
        // once a heartbeat (for `chain status`'s last contact) — not on every poll of every store.
        var reported: (position: Int64, shipped: Int64)?
        var lastReport = ContinuousClock.now
        var checkpointsPending = true
        try await db.listen(ChainSchema.channel) { notifications in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    // Ends (and so ends the loop below) when the connection goes.
                    defer { wake.finish() }
                    for try await _ in notifications { wake.yield() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: self.pollInterval)
                        wake.yield()
                    }
                }
                // After LISTEN is active: a change committed before it is read here, one after it wakes us.
                wake.yield()
                for await _ in wakes {
                    position = try await self.catchUp(db, from: position)
                    var wroteCheckpoint = false
                    if ContinuousClock.now - lastCheckpoint > .seconds(5) {
                        wroteCheckpoint = try await self.ledger.writeCheckpoint(at: self.clock.now(), onlyIfGrown: true) != nil
                        lastCheckpoint = .now
                    }
                    let previous = shipped
                    shipped = try await self.shipEntries(db, after: shipped)
                    // A checkpoint goes once the entries it covers have gone (and on the heartbeat,
                    // for one another process wrote without new entries).
                    let heartbeat = ContinuousClock.now - lastReport >= Self.contactHeartbeat
                    if checkpointsPending || wroteCheckpoint || shipped != previous || heartbeat {
                        checkpointsPending = try await self.shipCheckpoints(db, through: shipped, shipped: &shippedCheckpoints)
                    }
                    let moved = reported.map { $0.position != position || $0.shipped != shipped } ?? true
                    if moved || wroteCheckpoint || heartbeat {
                        let total = try await self.ledger.count()
                        let queued = max(0, total - shipped)
                        let key = try await BlockingIO.run { try self.ledger.latestCheckpoint().map { Data($0.publicKey) } }
                        try await db.query("SELECT welkom.store_contact(\(position), \(queued), \(key))", "report contact")
                        reported = (position, shipped)
                        lastReport = .now
                        self.status.update { $0.entriesQueued = queued }
                    }
                    let reached = position
                    self.status.update { $0.cursor = reached; $0.lastSync = self.clock.now() }
                }
                group.cancelAll()
                throw ChainError.unreachable(url: self.url.description, reason: "the connection closed")
            }
        }
    }

    // MARK: - Consents

    /// Consents per local transaction of an initial load (and per chunk handed from the reader to
    /// the writer): big enough that a commit's fsync is noise, small enough to hold two in memory.
    static let loadChunk = 20_000

    /// Every active consent and the change log's head in one snapshot; the local registry becomes
    /// exactly that (consents the chain no longer holds are withdrawn locally first).
    ///
    /// The snapshot is streamed: while one chunk is written locally (one registry transaction
    /// each), the next is read and opened. A load cut short (crash, lost connection) leaves
    /// whole chunks behind but no cursor file, so the next start loads again from the beginning
    /// and ends with exactly the chain's consents: every one it finds is re-enrolled, and any the
    /// chain no longer holds is withdrawn — erased, bodies in the local ledger too, if the chain
    /// erased them — before anything is enrolled.
    public func initialLoad(_ db: ChainDatabase) async throws -> Int64 {
        try await initialLoad(db, chunk: Self.loadChunk)
    }

    func initialLoad(_ db: ChainDatabase, chunk: Int, afterChunk: @Sendable (Int) async throws -> Void = { _ in }) async throws -> Int64 {
        let started = ContinuousClock.now
        let now = clock.now()
        let local = try await registry.consents().map(\.customer)
        let (head, loaded, markers, timing) = try await db.transaction("initial load") {
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", "initial load")
            let head = try await db.query("SELECT COALESCE(max(seq), 0) FROM welkom.consent_change", "initial load")
                .first?.decode(Int64.self) ?? 0
            // Withdrawals and erasures first: what this store holds and the chain does not, before
            // any enrolment. (A store holds consents here when a load was cut short, or from local
            // enrolment; it may have recognised them since, so a central erasure erases here too.)
            if !local.isEmpty {
                let active = Set(try await db.query("""
                    SELECT customer FROM welkom.consent WHERE customer = ANY(\(local))
                    AND (expires_ms IS NULL OR expires_ms > \(LedgerTime.milliseconds(now)))
                    """, "initial load").map { try $0.decode(String.self) })
                let departed = local.filter { !active.contains($0) }
                let erased = departed.isEmpty ? [] : try await self.erasedCustomers(db)
                for customer in departed {
                    if erased.contains(customer) {
                        _ = try await self.service.erase(customer)
                    } else {
                        _ = try await self.service.withdraw(customer, channel: "chain")
                    }
                }
            }
            let (loaded, timing) = try await self.streamConsents(db, activeAt: LedgerTime.milliseconds(now), chunk: chunk,
                                                                 afterChunk: afterChunk)
            let markers = try await self.readMarkers(db, now: now)
            return (head, loaded, markers, timing)
        }
        if loaded > 0 { _ = try await agent.apply(.reload) }
        for m in markers { _ = try await registry.markDoNotAsk(card: m.card, until: m.expires) }
        try writeCursor(head)
        let done = ContinuousClock.now
        logger.info("chain consents loaded", metadata: [
            "store": "\(store)", "consents": "\(loaded)", "cursor": "\(head)",
            "seconds": "\(Self.seconds(done - started))",
            // Reading and opening the snapshot, and writing the registry, overlap: each is its own total.
            "read_seconds": "\(Self.seconds(timing.read))", "write_seconds": "\(Self.seconds(timing.write))",
        ])
        return head
    }

    /// Every customer the change log records as erased (sealed there; rows this key cannot open
    /// are passed over, as `catchUp` passes them).
    private func erasedCustomers(_ db: ChainDatabase) async throws -> Set<CustomerID> {
        var result = Set<CustomerID>()
        for row in try await db.query("SELECT customer_sealed FROM welkom.consent_change WHERE kind = 'erased'", "initial load") {
            if let opened = try? key.open(Array(try row.decode(Data.self)), context: "change") {
                result.insert(String(decoding: opened, as: UTF8.self))
            }
        }
        return result
    }

    /// Streams every consent active at `ms`, opening each as it comes, and writes them locally a
    /// chunk at a time, one chunk being written while the next is read. Returns how many.
    private func streamConsents(_ db: ChainDatabase, activeAt ms: Int64, chunk size: Int,
                                afterChunk: @Sendable (Int) async throws -> Void) async throws -> (Int, (read: Duration, write: Duration)) {
        let rows: PostgresRowSequence
        do {
            rows = try await db.connection.query("""
                SELECT customer, scopes, name, language, expires_ms, consent_text_version, note, tags, key_material
                FROM welkom.consent WHERE expires_ms IS NULL OR expires_ms > \(ms)
                """, logger: db.logger)
        } catch {
            throw ChainError.database(operation: "read consents", reason: ChainDatabase.reason(error))
        }
        var decoder = ChainConsentRowDecoder(key: key)
        var chunk: [Enrolment] = []
        chunk.reserveCapacity(size)
        var writing: Task<Duration, any Error>?
        var total = 0, chunks = 0
        var readTime = Duration.zero, writeTime = Duration.zero
        func hand(_ full: [Enrolment]) async throws {
            // Checked (card pseudonyms derived) here, while the chunk before is being written, so
            // the writer only writes.
            let prepared = Result { try self.registry.prepareLoad(full) }
            if let writing { writeTime += try await writing.value }
            if chunks > 0 { try await afterChunk(chunks) }
            chunks += 1
            total += full.count
            writing = Task {
                let started = ContinuousClock.now
                try await self.loadLocally(full, prepared)
                return ContinuousClock.now - started
            }
        }
        do {
            var iterator = rows.makeAsyncIterator()
            while true {
                let started = ContinuousClock.now
                let row: PostgresRow?
                do {
                    row = try await iterator.next()
                } catch {
                    throw ChainError.database(operation: "read consents", reason: ChainDatabase.reason(error))
                }
                guard let row else { break }
                chunk.append(try decoder.decode(row))
                readTime += ContinuousClock.now - started
                if chunk.count == size {
                    let full = chunk
                    chunk = []
                    chunk.reserveCapacity(size)
                    try await hand(full)
                }
            }
            if !chunk.isEmpty { try await hand(chunk) }
            if let writing { writeTime += try await writing.value }
            if chunks > 0 { try await afterChunk(chunks) }
        } catch {
            // Never leave a chunk being written behind the caller's back (or its error unread).
            _ = try? await writing?.value
            try? await registry.endLoad()
            throw error
        }
        try await registry.endLoad()
        return (total, (readTime, writeTime))
    }

    /// Applies the changes after `cursor`, removals first; returns the new cursor.
    func catchUp(_ db: ChainDatabase, from cursor: Int64) async throws -> Int64 {
        var position = cursor
        while true {
            let rows = try await db.query("""
                SELECT seq, kind, customer_sealed FROM welkom.consent_change WHERE seq > \(position) ORDER BY seq LIMIT 10000
                """, "read changes")
            guard !rows.isEmpty else { return position }
            var removals: [(CustomerID, erase: Bool)] = []
            var enrolled: [CustomerID] = []
            var markers: [(card: String, kind: String)] = []
            var last = position
            for row in rows {
                let (seq, kind, sealedData) = try row.decode((Int64, String, Data).self)
                let sealed = Array(sealedData)
                last = seq
                // A row the chain key cannot open (a store function takes any sealed blob) is
                // named and passed over: were it thrown, every store would retry it for ever and
                // stop applying the withdrawals behind it.
                let context = kind.hasPrefix("do_not_ask") ? ChainDoNotAsk.context : "change"
                guard let opened = try? key.open(sealed, context: context) else {
                    logger.error("chain change not sealed under this chain key: passed over", metadata: [
                        "store": "\(store)", "seq": "\(seq)", "kind": "\(kind)"])
                    continue
                }
                if kind.hasPrefix("do_not_ask") {
                    markers.append((String(decoding: opened, as: UTF8.self), kind))
                    continue
                }
                let customer = String(decoding: opened, as: UTF8.self)
                switch kind {
                case "withdrawn": removals.append((customer, false))
                case "erased": removals.append((customer, true))
                default: enrolled.append(customer)
                }
            }
            // Withdrawals and erasures before anything else this batch brings.
            for (customer, erase) in removals {
                if erase {
                    _ = try await service.erase(customer)
                } else {
                    _ = try await service.withdraw(customer, channel: "chain")
                }
            }
            if !enrolled.isEmpty {
                let now = clock.now()
                let current = try await readConsents(db, customers: Array(Set(enrolled)))
                try await enrollLocally(current.filter { $0.expires.map { $0 > now } ?? true })
            }
            // In order: a marker set, taken back and set again ends set.
            for (card, kind) in markers {
                switch kind {
                case "do_not_ask": try await markFromChain(db, card: card)
                case "do_not_ask_erased": try await removeMarkerLocally(card: card, erase: true)
                default: try await removeMarkerLocally(card: card, erase: false)
                }
            }
            try writeCursor(last)
            position = last
            if !removals.isEmpty {
                logger.info("chain withdrawals applied", metadata: ["store": "\(store)", "count": "\(removals.count)", "cursor": "\(last)"])
            }
            if rows.count < 10000 { return position }
        }
    }

    // MARK: - "Do not ask"

    /// A desk's "do not ask" as the chain holds it now: marked here under this store's own pepper
    /// until the central expiry, or (gone or expired since) removed here too.
    private func markFromChain(_ db: ChainDatabase, card: String) async throws {
        let fingerprint = Data(ChainDoNotAsk.fingerprint(card: card, key: key))
        let expires = try await db.query("SELECT expires_ms FROM welkom.do_not_ask WHERE fingerprint = \(fingerprint)", "read do not ask")
            .first.map { LedgerTime.date(milliseconds: try $0.decode(Int64.self)) }
        guard let expires, expires > clock.now() else { return try await removeMarkerLocally(card: card, erase: false) }
        _ = try await registry.markDoNotAsk(card: card, until: expires)
    }

    /// Taken back or enrolled after all: the marker goes and its records are unlinked, as at a desk;
    /// erased: its records' bodies go too, as `audit erase --card` does here.
    private func removeMarkerLocally(card: String, erase: Bool) async throws {
        guard let marker = try await registry.doNotAsk(pseudonym: registry.pseudonym(forCard: card)) else { return }
        if erase {
            _ = try await service.eraseDoNotAsk(marker: marker.marker)
        } else {
            try await registry.removeDoNotAsk(marker: marker.marker)
            _ = try await ledger.unlink(customer: marker.marker)
        }
    }

    /// Every unexpired central marker, each as the store's own (the initial load).
    private func readMarkers(_ db: ChainDatabase, now: Date) async throws -> [(card: String, expires: Date)] {
        try await db.query("""
            SELECT card_sealed, expires_ms FROM welkom.do_not_ask WHERE expires_ms > \(LedgerTime.milliseconds(now))
            """, "read do not ask").map { row in
            let (sealed, expires) = try row.decode((Data, Int64).self)
            return (String(decoding: try key.open(Array(sealed), context: ChainDoNotAsk.context), as: UTF8.self),
                    LedgerTime.date(milliseconds: expires))
        }
    }

    /// One registry transaction, one reload; if the batch is refused (a key the local registry
    /// gives to someone else), each is tried alone so one bad row does not hold up the rest.
    private func enrollLocally(_ enrolments: [Enrolment]) async throws {
        guard !enrolments.isEmpty else { return }
        do {
            try await registry.enroll(all: enrolments)
        } catch {
            for e in enrolments {
                do { try await registry.enroll(e) } catch {
                    logger.error("a chain consent could not be loaded locally", metadata: ["store": "\(store)", "error.type": "\(String(reflecting: type(of: error)))"])
                }
            }
        }
        _ = try await agent.apply(.reload)
    }

    /// One chunk of an initial load, in one registry transaction (no reload: one at the end); a
    /// chunk refused as a whole is tried consent by consent, as `enrollLocally` does.
    private func loadLocally(_ enrolments: [Enrolment], _ prepared: Result<ConsentRegistry.LoadBatch, any Error>) async throws {
        do {
            try await registry.load(try prepared.get())
        } catch {
            for e in enrolments {
                do { try await registry.enroll(e) } catch {
                    logger.error("a chain consent could not be loaded locally", metadata: ["store": "\(store)", "error.type": "\(String(reflecting: type(of: error)))"])
                }
            }
        }
    }

    func readConsents(_ db: ChainDatabase, customers: [CustomerID]) async throws -> [Enrolment] {
        guard !customers.isEmpty else { return [] }
        return try await readRows(db, try await db.query("""
            SELECT customer, scopes, name, language, expires_ms, consent_text_version, note, tags, key_material
            FROM welkom.consent WHERE customer = ANY(\(customers))
            """, "read consents"))
    }

    private func readRows(_ db: ChainDatabase, _ rows: [PostgresRow]) async throws -> [Enrolment] {
        var decoder = ChainConsentRowDecoder(key: key)
        return try rows.map { try decoder.decode($0) }
    }

    // MARK: - Ledger

    /// Ships every entry after `after` and every checkpoint they cover; returns the new high-water mark.
    public func shipLedger(_ db: ChainDatabase, after: Int64, checkpoints shippedIDs: inout Set<Int64>) async throws -> Int64 {
        let shipped = try await shipEntries(db, after: after)
        _ = try await shipCheckpoints(db, through: shipped, shipped: &shippedIDs)
        return shipped
    }

    /// Ships the entries after `after` in batches; returns the new high-water mark.
    func shipEntries(_ db: ChainDatabase, after: Int64, batch size: Int = ChainLedger.batchSize) async throws -> Int64 {
        var shipped = after
        // The next batch is read from the local ledger while the current one is inserted centrally.
        let ledger = self.ledger
        var next: Task<[LedgerStoredEntry], any Error>? = Task {
            try await ledger.stored(LedgerQuery(after: after, limit: size))
        }
        while let reading = next {
            let batch = try await reading.value
            guard let last = batch.last?.entry.seq else { break }
            next = batch.count < size ? nil : Task {
                try await ledger.stored(LedgerQuery(after: last, limit: size))
            }
            do {
                _ = try await ChainLedger.ship(batch, db)
            } catch {
                _ = try? await next?.value
                throw error
            }
            shipped = last
        }
        return shipped
    }

    /// Ships the local checkpoints not shipped yet that cover no entry beyond `shipped`; true while
    /// one remains for later (its entries not shipped yet).
    func shipCheckpoints(_ db: ChainDatabase, through shipped: Int64, shipped shippedIDs: inout Set<Int64>) async throws -> Bool {
        let local = try await BlockingIO.run { try self.ledger.checkpoints() }
        let unshipped = local.filter { !shippedIDs.contains($0.id) }
        let fresh = unshipped.filter { Int64($0.treeSize) <= shipped }
        if !fresh.isEmpty {
            try await ChainLedger.ship(fresh, db)
            shippedIDs.formUnion(fresh.map(\.id))
        }
        return fresh.count < unshipped.count
    }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    // MARK: - Cursor file

    func readCursor() -> Int64? {
        guard let text = try? String(contentsOf: cursorURL, encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func writeCursor(_ value: Int64) throws {
        try DataDirectory.writeAtomically(Array("\(value)\n".utf8), to: cursorURL.path)
    }
}
