import struct Foundation.Date

/// One line of the tamper-evident match log, as `welkom audit export` prints it.
public struct LedgerEntry: Sendable, Codable, Equatable {
    public var seq: Int64
    public var time: Date
    public var kind: LedgerEntryKind
    /// nil once the customer's link to the entry has been erased (withdrawal, erasure).
    public var customer: CustomerID?
    public var scheme: Scheme?
    public var till: TillID?
    /// The prompt this entry is about (recognitions that led to a prompt, acknowledgements).
    public var prompt: String?
    /// A short free text that holds no identifier of anyone (e.g. "scopes=greeting,name").
    public var detail: String?
    /// This entry's chain hash, hex.
    public var hash: String

    public init(seq: Int64, time: Date, kind: LedgerEntryKind, customer: CustomerID?, scheme: Scheme?,
                till: TillID?, prompt: String?, detail: String?, hash: String) {
        self.seq = seq
        self.time = time
        self.kind = kind
        self.customer = customer
        self.scheme = scheme
        self.till = till
        self.prompt = prompt
        self.detail = detail
        self.hash = hash
    }
}

/// What a new ledger entry says, before the ledger gives it a sequence number and a hash.
public struct LedgerDraft: Sendable, Equatable {
    public var time: Date
    public var kind: LedgerEntryKind
    public var customer: CustomerID?
    public var scheme: Scheme?
    public var till: TillID?
    public var prompt: String?
    public var detail: String?

    public init(time: Date, kind: LedgerEntryKind, customer: CustomerID? = nil, scheme: Scheme? = nil,
                till: TillID? = nil, prompt: String? = nil, detail: String? = nil) {
        self.time = time
        self.kind = kind
        self.customer = customer
        self.scheme = scheme
        self.till = till
        self.prompt = prompt
        self.detail = detail
    }
}

public enum LedgerEntryKind: String, Sendable, Codable, CaseIterable {
    /// A recognition that led to a prompt (written before the prompt shows).
    case recognition
    case acknowledgement
    case dismissal
    case consentGiven = "consent_given"
    case consentWithdrawn = "consent_withdrawn"
    /// `audit erase`: a customer's keys, record bodies and salts deleted on request.
    case erasure
    case purge
    /// A card's holder declined and asked not to be asked again (its receipt; the marker names it).
    case doNotAsk = "do_not_ask"
}
