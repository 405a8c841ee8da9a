import ArgumentParser
import Foundation
import WelkomAgent
import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomRegistry

struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Enrol, withdraw and list customers' consents.",
        discussion: """
            Scopes: greeting, name, offers, notes. IDs are opaque strings chosen by the back office. \
            Keys are 32 hex digits, most significant byte first. Every change is also a ledger entry. \
            A change returns once the agent running on the data directory has applied it (or says \
            that no agent runs there).
            """,
        subcommands: [Enroll.self, Withdraw.self, List.self, Export.self, Import.self])

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a customer's opt-in and their identifiers.")

        @OptionGroup var target: ConsentTarget
        @Option(help: "The customer's ID (opaque, from the back office).") var customer: String
        @Option(help: "Comma-separated scopes: greeting, name, offers, notes.") var scopes: String
        @Option(help: "The name staff may see (shown only with the name scope).") var name: String?
        @Option(help: "nl or en.") var locale: String = "nl"
        @Option(name: .customLong("beacon-key"), help: ArgumentHelp("WLK1 beacon key, 32 hex digits.", valueName: "HEX"))
        var beaconKey: String?
        @Option(help: ArgumentHelp("A loyalty card number, or an NFC card's UID as uid:HEX (repeatable). Only its keyed pseudonym is stored.", valueName: "NUMBER"))
        var card: [String] = []
        @Option(help: ArgumentHelp("The consent lapses at the start of this day (UTC).", valueName: "YYYY-MM-DD"))
        var expires: String?
        @Option(name: .customLong("consent-text-version"), help: "Which consent text the customer agreed to.")
        var consentTextVersion: String?
        @Option(help: "A staff note the customer agreed to (shown at the till only under the notes scope).") var note: String?
        @Option(name: .customLong("eid-key"), help: ArgumentHelp("Eddystone-EID identity key, 32 hex digits.", valueName: "HEX"))
        var eidKey: String?
        @Option(name: .customLong("eid-exponent"), help: ArgumentHelp("The beacon's EID rotation exponent K, 0…15.", valueName: "K"))
        var eidExponent: Int?
        @Option(name: .customLong("eid-epoch"), help: ArgumentHelp("Unix time at which the beacon's time counter read 0.", valueName: "UNIX"))
        var eidEpoch: Int64?
        @Option(help: ArgumentHelp("Identity resolving key of a paired fob or phone, 32 hex digits (for RPAs).", valueName: "HEX"))
        var irk: String?
        @Option(name: .customLong("static"), help: ArgumentHelp(
            "A static identifier (repeatable): ibeacon:UUID:MAJOR:MINOR, altbeacon:40HEX, address:12HEX. Matched only where recognition.allow_static_identifiers is set.",
            valueName: "ID"))
        var staticIdentifiers: [String] = []
        @Option(help: ArgumentHelp("A back-office tag that offers target (repeatable).", valueName: "TAG"))
        var tag: [String] = []
        @Option(help: ArgumentHelp("The agent's config, for [cards] allow_prefixes (default: /etc/welkom/welkom.toml when present, else the defaults).", valueName: "PATH"))
        var config: String?

        var form: EnrolmentForm {
            EnrolmentForm(customer: customer, scopes: scopes, name: name, locale: locale, beaconKey: beaconKey, cards: card,
                         expires: expires, consentTextVersion: consentTextVersion, note: note, eidKey: eidKey,
                         eidExponent: eidExponent, eidEpoch: eidEpoch, irk: irk, staticIdentifiers: staticIdentifiers, tags: tag)
        }

        func run() async throws {
            let exemptions = StageSettings.paymentCardExemptions(try loadConfig(path: config).0)
            let enrolment: Enrolment
            do { enrolment = try form.enrolment(exempting: exemptions) } catch { throw ValidationError(error.message) }
            let notice: AgentNotice?
            if let data = target.local {
                notice = try await ConsentService.open(dataDirectory: data.url).enroll(enrolment)
            } else {
                do { try await target.withChain { try await $0.enroll(enrolment) } } catch let refused as RegistryError {
                    printError("\(refused)")
                    throw Exit.dataError
                } catch let exit as ExitCode {
                    throw exit
                } catch {
                    printError("\(error)")
                    throw Exit.ioError
                }
                notice = nil
            }
            print("enrolled \(customer): scopes \(enrolment.scopes.sorted().map(\.rawValue).joined(separator: ","))"
                  + (enrolment.beaconKey != nil ? ", beacon key" : "") + (enrolment.eid != nil ? ", EID key" : "")
                  + (enrolment.irk != nil ? ", IRK" : "")
                  + (enrolment.staticIdentifiers.isEmpty ? "" : ", \(enrolment.staticIdentifiers.count) static identifier(s)")
                  + (card.isEmpty ? "" : ", \(card.count) card(s)"))
            reportAgent(notice)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a consent: delete the customer's keys and unlink their ledger entries.")
        @OptionGroup var target: ConsentTarget
        @Option(help: "The customer's ID.") var customer: String

        func run() async throws {
            guard let data = target.local else { return try await withdrawCentrally() }
            let outcome: ConsentService.Withdrawal?
            do {
                let dir = try data.existing()
                try requireWritableDataDirectory(dir)  // refused with the fix, exit 73, before anything is touched
                outcome = try await ConsentService.open(dataDirectory: dir).withdraw(customer)
            } catch let failure as ConsentService.Failure {
                printError("\(failure)")
                throw Exit.ioError
            }
            guard let outcome else {
                printError("no consent for customer \(FieldLimits.escapingControls(customer)) in \(data.data)")
                throw Exit.dataError
            }
            print("withdrawn \(customer): key material deleted, \(outcome.unlinked) ledger entries unlinked")
            reportAgent(outcome.agent)
        }

        /// Central: every store drops the customer as it reads the change (`chain status` shows how far each has read).
        private func withdrawCentrally() async throws {
            let outcome: ChainRegistry.Withdrawal?
            do { outcome = try await target.withChain { try await $0.withdraw(customer) } } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            guard let outcome else {
                printError("no consent for customer \(FieldLimits.escapingControls(customer)) in the chain registry")
                throw Exit.dataError
            }
            print("withdrawn \(customer): key material deleted, \(outcome.unlinked) ledger entries unlinked")
            reportAgent(nil)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List consents (never key material).")
        @OptionGroup var target: ConsentTarget
        @Option(help: "table or jsonl.") var format: ListFormat = .table

        func run() async throws { try await printConsents(target, format: format) }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export consents as JSON lines (never key material).")
        @OptionGroup var target: ConsentTarget
        @Option(help: "jsonl or table.") var format: ListFormat = .jsonl

        func run() async throws { try await printConsents(target, format: format) }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol customers from a JSON-lines file.",
            discussion: """
                One object per line with the enroll options as keys: customer, scopes (list or \
                comma-separated), name, locale, beacon_key, cards (list), expires, consent_text_version, note, \
                eid_key, eid_exponent, eid_epoch, irk, static (list), tags (list). \
                Every line is checked before any is enrolled, and nothing is imported unless every \
                line is valid: unknown keys, a customer or a card on two lines, and control characters \
                are refused with their line numbers. The consents are written in one transaction.
                """)
        @OptionGroup var target: ConsentTarget
        @Argument(help: ArgumentHelp("The file to import.", valueName: "FILE.jsonl")) var file: String
        @Option(help: ArgumentHelp("The agent's config, for [cards] allow_prefixes (default: /etc/welkom/welkom.toml when present, else the defaults).", valueName: "PATH"))
        var config: String?

        func run() async throws {
            let exemptions = StageSettings.paymentCardExemptions(try loadConfig(path: config).0)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                printError("\(file): cannot read the file as UTF-8 text")
                throw Exit.ioError
            }
            let enrolments: [Enrolment]
            switch ConsentImportFile.parse(text, file: file, exempting: exemptions) {
            case let .success(all): enrolments = all
            case let .failure(problems):
                problems.lines.forEach(printError)
                printError("nothing imported")
                throw Exit.dataError
            }
            let notice: AgentNotice?
            do {
                if let data = target.local {
                    notice = try await ConsentService.open(dataDirectory: data.url).enroll(all: enrolments)
                } else {
                    do { try await target.withChain { try await $0.enroll(all: enrolments) } } catch let error as ChainError {
                        printError("\(error)")
                        throw Exit.ioError
                    }
                    notice = nil
                }
            } catch let refused as RegistryError {
                // Checked against what is already enrolled, in the one transaction: nothing was written.
                printError("\(file): \(refused)")
                printError("nothing imported")
                throw Exit.dataError
            } catch let failure as ConsentService.Failure {
                printError("\(failure)")
                throw Exit.ioError
            }
            print("imported \(enrolments.count) consent(s)")
            reportAgent(notice)
        }
    }
}

/// Said on stderr, so scripts reading stdout see the same lines as before. nil: the change went
/// to the chain's central registry, where each store's agent picks it up.
private func reportAgent(_ notice: AgentNotice?) {
    guard let notice else {
        printError("recorded in the chain registry; each connected store applies it within seconds (welkom chain status shows how far each has read)")
        return
    }
    switch notice {
    case .applied: printError("the running agent has applied the change")
    case .noAgentRunning: printError("no agent is running on this data directory; the next one to start loads the change")
    }
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, jsonl
}

private func printConsents(_ target: ConsentTarget, format: ListFormat) async throws {
    let consents: [ConsentSummary]
    if let data = target.local {
        consents = try await ConsentRegistry(dataDirectory: data.existing()).consents()
    } else {
        // Summaries only: no chain key needed to list.
        consents = try await withChainDatabase(target.postgres ?? "") { db in
            try await ChainSchema.check(db, key: nil)
            return try await ChainRegistry.consents(db)
        }
    }
    switch format {
    case .jsonl:
        for c in consents { print(consentLine(c)) }
    case .table:
        print("CUSTOMER".padding(toLength: 20, withPad: " ", startingAt: 0) + " SCOPES".padding(toLength: 28, withPad: " ", startingAt: 0)
              + " LOCALE  IDENTIFIERS          EXPIRES")
        for c in consents {
            let ids = [c.hasBeaconKey ? "wlk1" : nil, c.hasEID ? "eid" : nil, c.hasIRK ? "rpa" : nil,
                       c.staticKinds.isEmpty ? nil : "\(c.staticKinds.count) static",
                       c.cardCount > 0 ? "\(c.cardCount) card" : nil].compactMap { $0 }.joined(separator: ", ")
            // Consents stored before IDs were checked may hold control characters: escaped, never raw.
            print(FieldLimits.escapingControls(c.customer).padding(toLength: 20, withPad: " ", startingAt: 0) + " "
                  + c.scopes.sorted().map(\.rawValue).joined(separator: ",").padding(toLength: 27, withPad: " ", startingAt: 0)
                  + " " + c.language.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                  + " " + ids.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + " " + (c.expires.map { String($0.rfc3339.prefix(10)) } ?? "-"))
        }
        print("\(consents.count) consent(s)")
    }
}

/// One consent as `consent list|export --format jsonl` prints it: which identifiers are held,
/// never the keys. Keys in this order, absent values as null.
private func consentLine(_ c: ConsentSummary) -> String {
    var o = JSONObjectWriter()
    o.add("customer", c.customer)
    o.add("scopes", c.scopes.sorted().map(\.rawValue))
    o.add("name", c.name)
    o.add("locale", c.language.rawValue)
    o.add("beacon_key", c.hasBeaconKey)
    o.add("cards", c.cardCount)
    o.add("enrolled", c.enrolled.rfc3339)
    o.add("expires", c.expires?.rfc3339)
    o.add("consent_text_version", c.consentTextVersion)
    o.add("eid_key", c.hasEID)
    o.add("irk", c.hasIRK)
    o.add("static", c.staticKinds)
    o.add("tags", c.tags.sorted())
    return o.line
}
