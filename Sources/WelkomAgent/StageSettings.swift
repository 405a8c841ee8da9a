import Foundation
import WelkomCards
import WelkomConfig
import WelkomCore
import WelkomIdentifiers
import WelkomPoleDisplay
import WelkomPolicy
import WelkomRadio
import WelkomRecogniser
import WelkomTillHub
import WelkomZones

/// The config as each stage's own settings: the one place that reads `WelkomConfig` for the
/// stages, so no stage imports it. The config has already refused every value it cannot use
/// (each with its file, line and key); every enum is mapped by an exhaustive switch, so a case
/// added on either side stops the build here instead of falling back to a default.
public enum StageSettings {
    // MARK: Recogniser

    public static func recogniser(_ config: WelkomConfig) -> RecogniserSettings {
        RecogniserSettings(enabled: config.recognitionActive, companyID: config.recognition.companyID,
                           skewWindows: config.recognition.skewWindows,
                           allowStaticIdentifiers: config.recognition.allowStaticIdentifiers,
                           rpaFalseMatchBound: config.recognition.rpaFalseMatchBound)
    }

    // MARK: Policy

    /// `[policy]`, `[templates]`, `[[offer]]` and `[[till]]` as the policy's settings.
    public static func policy(_ config: WelkomConfig) -> PolicySettings {
        let p = config.policy
        // The config checked `time_zone` against tzdata; "" means the system's zone.
        let zone = p.timeZone.isEmpty ? TimeZone.current : (TimeZone(identifier: p.timeZone) ?? .current)
        let t = config.templates
        return PolicySettings(
            cooldowns: [.greeting: TimeInterval(p.greetingCooldownMinutes * 60),
                        .note: TimeInterval(p.noteCooldownMinutes * 60),
                        .offer: TimeInterval(p.offerCooldownMinutes * 60)],
            promptLifetime: TimeInterval(p.promptLifetimeSeconds),
            tills: config.tills.map(\.id),
            quietHours: p.quietHoursMinutes.flatMap { QuietHours(start: $0.start, end: $0.end) },
            timeZone: zone,
            maxOffers: p.maxOffers,
            offers: config.offers.map(offer),
            templates: PromptTemplates(
                greetingNamed: [.nl: t.greetingNamedNL, .en: t.greetingNamedEN],
                greeting: [.nl: t.greetingNL, .en: t.greetingEN],
                offer: [.nl: t.offerNL, .en: t.offerEN],
                note: [.nl: t.noteNL, .en: t.noteEN]),
            notes: p.notes)
    }

    private static func offer(_ o: OfferSettings) -> Offer {
        var text: [Language: String] = [:]
        if !o.textNL.isEmpty { text[.nl] = o.textNL }
        if !o.textEN.isEmpty { text[.en] = o.textEN }
        return Offer(id: o.id, text: text, validFrom: CalendarDay(o.validFrom), validUntil: CalendarDay(o.validUntil),
                     tags: Set(o.tags))
    }

    // MARK: Zones

    /// Till zones from `[zones]` and `[[zone]]`; nil without any zone (prompts go to the first till).
    /// `welkom replay` routes a capture's recognitions with the same tracker.
    public static func zoneTracker(_ settings: ZoneSettings) -> ZoneTracker? {
        guard !settings.zones.isEmpty else { return nil }
        return ZoneTracker(
            zones: settings.zones.map { Zone(till: $0.till, receiver: $0.receiver.isEmpty ? nil : $0.receiver,
                                             rssiMin: $0.rssiMin, rssiMax: $0.rssiMax) },
            tuning: ZoneTuning(percentile: settings.percentile, windowSeconds: settings.windowSeconds,
                               enterMarginDB: settings.enterMarginDB, leaveMarginDB: settings.leaveMarginDB,
                               dwellSeconds: settings.dwellSeconds))
    }

    // MARK: Till hub and pole displays

    /// `[[till]]` as the till hub's list of pages.
    public static func tills(_ config: WelkomConfig) -> [TillInfo] {
        config.tills.map { TillInfo(id: $0.id, name: $0.name, language: $0.language) }
    }

    /// `[[pole_display]]`, one configuration per display.
    public static func poleDisplays(_ config: WelkomConfig) -> [PoleDisplayConfiguration] {
        config.poleDisplays.map { display in
            let commandSet: PoleDisplayCommandSet = switch display.commandSet {
            case .escpos: .escpos
            case .cd5220: .cd5220
            }
            return PoleDisplayConfiguration(till: display.till, path: display.path, commandSet: commandSet,
                                            baud: display.baud, clearAfter: .seconds(display.clearAfterSeconds),
                                            codePage: UInt8(clamping: display.codePage))
        }
    }

    // MARK: Sources

    /// `[radio]`'s options for every receiver's transport.
    public static func radioOptions(_ radio: RadioSettings) -> TransportOptions {
        let channel: KernelSocketChannel = switch radio.kernelChannel {
        case .raw: .raw
        case .user: .user
        case .rawThenUser: .rawThenUser
        }
        return TransportOptions(flowControl: radio.flowControl, kernelChannel: channel)
    }

    /// Every `[[reader]]`, in file order.
    public static func readers(_ config: WelkomConfig) throws(AgentSources.Problem) -> [CardReaderSettings] {
        var readers: [CardReaderSettings] = []
        let exemptions = paymentCardExemptions(config)
        for (index, reader) in config.readers.enumerated() {
            readers.append(try self.reader(reader, at: index, exempting: exemptions))
        }
        return readers
    }

    /// `[cards] allow_prefixes`, for the readers and for enrolment alike, so a number a reader lets
    /// through can be enrolled and one enrolment refuses is dropped at every reader.
    public static func paymentCardExemptions(_ config: WelkomConfig) -> PaymentCardExemptions {
        // The config checked each prefix (6–18 digits), so this cannot fail for a parsed config;
        // a hand-built one with a bad prefix exempts nothing rather than too much.
        PaymentCardExemptions(prefixes: config.cards.allowPrefixes) ?? .none
    }

    /// The `[[reader]]` at `index` (0-based) as the card reader stage describes it. Throws only for
    /// settings the config's parser refuses (a libusb reader without `usb`), so a hand-built config
    /// cannot slip a default device in either.
    public static func reader(_ reader: ReaderSettings, at index: Int,
                              exempting exemptions: PaymentCardExemptions = .none) throws(AgentSources.Problem) -> CardReaderSettings {
        let port = reader.port.isEmpty ? nil : reader.port
        func usb() throws(AgentSources.Problem) -> WelkomCards.USBDeviceID {
            guard let id = reader.usb else {
                throw AgentSources.Problem(key: "reader[\(index + 1)].usb",
                                           message: "a \(reader.kind.rawValue) reader needs usb = \"vvvv:pppp\"")
            }
            return WelkomCards.USBDeviceID(vendor: id.vendor, product: id.product)
        }
        let layout: WelkomCards.KeyboardLayout = switch reader.layout {
        case .us: .us
        case .nl: .nl
        case .de: .de
        case .fr: .fr
        case .be: .be
        }
        let device: CardReaderSettings.Device = switch reader.kind {
        case .hidKeyboard: .hidKeyboard(try usb(), port: port, layout: layout)
        case .hidPOS: .hidPOS(try usb(), port: port)
        case .acr122u: .acr122u(try usb(), port: port)
        case .evdev: .evdev(path: reader.path, layout: layout)
        case .serial: .serial(path: reader.path, baud: reader.baud)
        }
        return CardReaderSettings(device: device, till: reader.till, exemptions: exemptions)
    }
}
