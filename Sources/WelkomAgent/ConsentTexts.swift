import Foundation
import WelkomCore
import WelkomTillHub

/// The consent texts the desk offers: DATA/consent-texts/<version>.txt (or .md, .html), the same
/// files whose SHA-256 goes into a receipt. A version ending in `-nl` or `-en` is the text in that
/// language; the desk offers the highest version of each (compared as numbers where they are).
enum ConsentTexts {
    /// Texts longer than this are not offered (a customer reads it on a till screen).
    static let maximumBytes = 64 * 1024

    static func newest(in dataDirectory: URL) -> [DeskConsentText] {
        let dir = dataDirectory.appendingPathComponent("consent-texts")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var best: [Language: (version: String, file: String)] = [:]
        for name in names {
            let url = URL(fileURLWithPath: name)
            guard ["txt", "md", "html"].contains(url.pathExtension) else { continue }
            let version = url.deletingPathExtension().lastPathComponent
            guard let language = language(of: version) else { continue }
            if let current = best[language], current.version.compare(version, options: .numeric) != .orderedAscending { continue }
            best[language] = (version, name)
        }
        return Language.allCases.compactMap { language in
            guard let (version, file) = best[language],
                  let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path),
                  data.count <= maximumBytes, let text = String(data: data, encoding: .utf8) else { return nil }
            return DeskConsentText(language: language, version: version, text: text)
        }
    }

    static func language(of version: String) -> Language? {
        for language in Language.allCases where version.lowercased().hasSuffix("-" + language.rawValue) {
            return language
        }
        return nil
    }
}
