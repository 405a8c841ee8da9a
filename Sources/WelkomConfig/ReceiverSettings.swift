/// One `[[radio.receiver]]`: a further BLE controller with its own transport, named for zones.
public struct ReceiverSettings: Sendable, Equatable {
    /// `name`: what `[[zone]] receiver` calls it (letters, digits, '.', '_', '-'). Required.
    public var name: String
    /// `transport`: a transport spec as `[radio] transport`. Required.
    public var transport: String

    public init(name: String, transport: String) {
        self.name = name
        self.transport = transport
    }

    /// Why `name` cannot name a receiver, or nil.
    static func problem(inName name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > 32 { return "must be at most 32 characters" }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
        return allowed ? nil : "\(TOMLWriter.quoted(name)) may hold only letters, digits, '.', '_' and '-'"
    }
}

extension ReceiverSettings {
    /// Nil when the receiver cannot be used as written (the issues are logged).
    static func read(_ s: inout ConfigSection) -> ReceiverSettings? {
        let name = s.string("name")
        let transport = s.string("transport")
        s.finish()
        var usable = true
        if let name {
            if let problem = problem(inName: name) { s.report("name", problem); usable = false }
        } else {
            if !s.contains("name") { s.report("name", "missing; every [[radio.receiver]] needs a name") }
            usable = false
        }
        if let transport {
            if transport.isEmpty {
                s.report("transport", "must not be empty; remove the [[radio.receiver]] instead")
                usable = false
            } else if let problem = RadioSettings.problem(inTransport: transport) {
                s.report("transport", problem)
                usable = false
            }
        } else {
            if !s.contains("transport") { s.report("transport", "missing; every [[radio.receiver]] needs a transport") }
            usable = false
        }
        guard usable, let name, let transport else { return nil }
        return ReceiverSettings(name: name, transport: transport)
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("radio.receiver")
        w.key("name", name)
        w.key("transport", transport)
    }
}
