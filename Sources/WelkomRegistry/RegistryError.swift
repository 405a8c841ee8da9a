import Foundation

/// What went wrong, naming the customer or file concerned. Never repeats a card number or a key.
public enum RegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    case emptyCustomerID
    /// A customer ID that breaks `FieldLimits` (too long, a control character): the ID itself is
    /// not repeated, it may hold a terminal escape.
    case invalidCustomerID(reason: String)
    /// A field beyond `FieldLimits` ("name", "note", "tags", …).
    case fieldLimit(customer: String, field: String, reason: String)
    /// Two enrolments of one batch name the same customer; `first` and `second` count from 1.
    case duplicateCustomerInBatch(customer: String, first: Int, second: Int)
    /// Two enrolments of one batch hold the same card.
    case duplicateCardInBatch(first: Int, second: Int)
    case noScopes(customer: String)
    /// Neither a beacon key nor a card: nothing to recognise the customer by.
    case nothingToRecognise(customer: String)
    case expiryInPast(customer: String, expires: Date)
    /// `card` counts from 1 in the order given.
    case cardNotNormalised(customer: String, card: Int)
    case cardEnrolledForAnotherCustomer(customer: String, card: Int)
    case beaconKeyEnrolledForAnotherCustomer(customer: String)
    /// `what` names the identifier kind only ("EID key", "IRK", "static identifier 2").
    case identifierEnrolledForAnotherCustomer(customer: String, what: String)
    case eidExponentOutOfRange(customer: String, exponent: UInt8)
    case invalidTag(customer: String, tag: Int)
    case pepperWrongSize(path: String, size: Int)
    case pepperWrongMode(path: String, mode: UInt16)
    case pepperUnusable(path: String, reason: String)
    /// SQLite or the file system refused an operation.
    case storage(path: String, operation: String, reason: String)
    /// A stored row this version cannot read (hand-edited database, newer version).
    case unreadableConsent(customer: String, reason: String)
    case schema(path: String, reason: String)
    /// The withdrawal is committed, but old bytes remain in the write-ahead log because another
    /// process kept reading; withdrawing again finishes it.
    case erasureIncomplete(path: String, reason: String)

    public var description: String {
        switch self {
        case .emptyCustomerID:
            "customer ID is empty"
        case let .invalidCustomerID(reason):
            "customer ID \(reason)"
        case let .fieldLimit(customer, field, reason):
            "customer \(customer): \(field) \(reason)"
        case let .duplicateCustomerInBatch(customer, first, second):
            "customer \(customer) is enrolled twice in one batch (enrolments \(first) and \(second))"
        case let .duplicateCardInBatch(first, second):
            "enrolments \(first) and \(second) hold the same card"
        case let .noScopes(customer):
            "customer \(customer): no scopes given (some of: greeting, name, offers, notes)"
        case let .nothingToRecognise(customer):
            "customer \(customer): no beacon key, EID key, IRK, static identifier or card, so nothing to recognise them by"
        case let .expiryInPast(customer, expires):
            "customer \(customer): expiry \(RegistryTime.iso(expires)) is not in the future"
        case let .cardNotNormalised(customer, card):
            "customer \(customer): card \(card) is not a normalised card number (expected 4–40 digits, or uid: and 8, 14 or 20 lowercase hex digits)"
        case let .cardEnrolledForAnotherCustomer(customer, card):
            "customer \(customer): card \(card) is already enrolled for another customer"
        case let .beaconKeyEnrolledForAnotherCustomer(customer):
            "customer \(customer): the beacon key is already enrolled for another customer"
        case let .identifierEnrolledForAnotherCustomer(customer, what):
            "customer \(customer): the \(what) is already enrolled for another customer"
        case let .eidExponentOutOfRange(customer, exponent):
            "customer \(customer): EID rotation exponent \(exponent) is out of range 0…15"
        case let .invalidTag(customer, tag):
            "customer \(customer): tag \(tag) must be 1–64 letters, digits, '-', '_' or '.'"
        case let .pepperWrongSize(path, size):
            "card pepper \(path): \(size) bytes, expected 32; restore the original file (a new pepper orphans every enrolled card)"
        case let .pepperWrongMode(path, mode):
            "card pepper \(path): mode \(String(mode, radix: 8)) lets group or others read it; run chmod 600 \(path)"
        case let .pepperUnusable(path, reason):
            "card pepper \(path): \(reason)"
        case let .storage(path, operation, reason):
            "registry \(path): \(operation) failed: \(reason)"
        case let .unreadableConsent(customer, reason):
            "registry: consent of \(customer) is unreadable: \(reason)"
        case let .schema(path, reason):
            "registry \(path): \(reason)"
        case let .erasureIncomplete(path, reason):
            "registry \(path): withdrawal committed, but old bytes remain in \(path)-wal until it can be checkpointed (\(reason)); withdraw again"
        }
    }
}
