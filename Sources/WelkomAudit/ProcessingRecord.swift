import WelkomConfig

/// The record of processing activities (GDPR art. 30(1)) for this deployment, derived from its
/// config: what the config turns on is what the record says is processed. Shown in
/// `welkom audit report`; the privacy officer signs off on it, this only keeps it true to the config.
public struct ProcessingRecord: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var heading: String
        public var lines: [String]
    }

    public var items: [Item]

    public init(config: WelkomConfig) {
        let recognition = config.recognitionActive
        let radio = !config.radio.transport.isEmpty
        let cards = !config.readers.isEmpty
        var identifiers: [String] = []
        if radio {
            identifiers.append("rotating Bluetooth tokens of the customer's app or key fob (WLK1, Eddystone EID), resolvable private addresses with the customer's IRK")
            if config.recognition.allowStaticIdentifiers {
                identifiers.append("static Bluetooth identifiers (iBeacon IDs, fixed addresses) — allowed by recognition.allow_static_identifiers")
            }
        }
        if cards {
            identifiers.append("loyalty-card numbers, stored only as keyed HMAC pseudonyms (\(config.readers.count) reader(s)); payment cards are dropped at the reader")
        }
        let notes = config.policy.notes
        let controller = config.ledger.controller.isEmpty ? "not configured (set ledger.controller)" : config.ledger.controller
        let contact = config.ledger.privacyContact.isEmpty ? "not configured (set ledger.privacy_contact)" : config.ledger.privacyContact
        items = [
            Item(heading: "Controller and contact (art. 30(1)(a))", lines: [
                "Controller: \(controller)", "Privacy officer / DPO: \(contact)",
                "DPIA: \(config.recognition.dpiaReference.isEmpty ? "none referenced" : config.recognition.dpiaReference)",
            ]),
            Item(heading: "Purposes (art. 30(1)(b))", lines: recognition ? [
                "Recognise customers who opted in, when they are in the shop, and prompt staff at the till to greet them and to show what their consent scopes allow (greeting, name, offers\(notes ? ", staff notes" : "")).",
                "Keep a tamper-evident log of each recognition, staff action and consent change as accountability (art. 5(2)) and proof of consent (art. 7(1)).",
                "Legal basis: consent (art. 6(1)(a); ePrivacy art. 5(3) for reading identifiers from the customer's device).",
            ] : [
                "Recognition is OFF in this config (recognition.enabled is false or no DPIA is referenced): nobody is recognised; only consent records are kept.",
            ]),
            Item(heading: "Categories of data subjects and personal data (art. 30(1)(c))", lines: [
                "Data subjects: customers who gave consent. People who did not opt in are not processed: their advertisements and card numbers are matched against nobody and neither stored nor logged.",
                "Consent registry: customer ID (from the back office), chosen name, language, scopes, consent text version, expiry, tags (for offers), "
                    + (notes ? "the staff note (free text, shown only under the notes scope), " : "")
                    + "key material for the identifiers below.",
                "Identifiers: " + (identifiers.isEmpty ? "none configured (no radio transport, no card reader)." : identifiers.joined(separator: "; ") + "."),
                "Ledger: time, kind, till and scheme of each recognition, staff acknowledgement or dismissal, consent change, erasure and purge; the customer only as an erasable link.",
                notes
                    ? "Special categories (art. 9): the staff note is free text and may hold them — e.g. health data such as \"allergic to nuts\". "
                        + "It is entered at enrolment with the customer's explicit consent (art. 9(2)(a)) under the notes scope, shown only at the till, "
                        + "and deleted on withdrawal or erasure. Set policy.notes = false to switch staff notes off."
                    : "Special categories (art. 9): none. Staff notes are switched off (policy.notes = false): no note is shown; "
                        + "notes already in the registry are not used (delete them by re-enrolling without a note).",
            ]),
            Item(heading: "Recipients (art. 30(1)(d))", lines: [
                "Staff at the tills: \(config.tills.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")), through the till display pages at \(config.tillDisplay.host):\(config.tillDisplay.port).",
                "The privacy officer, through `welkom audit`.",
                "No other recipients; nothing leaves the gateway unless a chain-wide store is configured.",
            ]),
            Item(heading: "Transfers to third countries (art. 30(1)(e))", lines: ["None: all data stays on the shop's gateway (\(config.data.dir))."]),
            Item(heading: "Time limits for erasure (art. 30(1)(f))", lines: [
                "Details of recognitions, acknowledgements and dismissals: \(config.ledger.retentionDays) days (ledger.retention_days), purged daily by the agent.",
                "Consent and key material: until the customer withdraws or the consent expires; withdrawal deletes the keys within a second and unlinks the log.",
                "Consent records: kept as proof of consent; deleted with everything else on an erasure request (`welkom audit erase`).",
            ]),
            Item(heading: "Security measures (art. 30(1)(g), art. 32)", lines: [
                "Data directory and key files private to the service account (0700/0600); freed database pages are overwritten (secure_delete).",
                "Card numbers only as HMAC pseudonyms under a key kept apart from the database.",
                "Tamper-evident ledger: an RFC 9162 Merkle tree with Ed25519-signed checkpoints every \(config.ledger.checkpointIntervalSeconds) s; erasure and retention delete record bodies and salts while the tree still verifies.",
                "Fail closed: a prompt is shown only after its ledger entry is on disk.",
            ]),
        ]
    }
}
