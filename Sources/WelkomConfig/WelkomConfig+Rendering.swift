extension WelkomConfig {
    /// The effective config as TOML, every key written out with its value (defaults filled
    /// in), as `welkom config check` prints it. Parsing it gives this config back.
    public func rendered() -> String {
        var w = TOMLWriter()
        w.comment("Welkom: the effective configuration, every key with the value in use.")
        data.render(into: &w)
        recognition.render(into: &w)
        radio.render(into: &w)
        zones.render(into: &w)
        if readers.isEmpty {
            w.blankLine()
            w.comment("no [[reader]] configured")
        }
        for reader in readers { reader.render(into: &w) }
        cards.render(into: &w)
        for till in tills { till.render(into: &w) }
        tillDisplay.render(into: &w)
        ledger.render(into: &w)
        policy.render(into: &w)
        templates.render(into: &w)
        for offer in offers { offer.render(into: &w) }
        for display in poleDisplays { display.render(into: &w) }
        log.render(into: &w)
        metrics.render(into: &w)
        chain.render(into: &w)
        return w.text
    }
}
