import Foundation
import Hummingbird
import WelkomCore

/// Who may see a till's page: paired displays only. A display proves it is paired with its
/// token, in the `welkom_till_<id>` cookie set at pairing, or as `Authorization: Bearer <token>`.
enum TillAccess {
    enum Decision: Equatable {
        /// Paired (with this pairing), or the hub runs without pairing (tests).
        case allowed(pairingID: String?)
        /// No token, or one that is unknown or revoked: 401, no customer data.
        case unauthorised
        /// A valid token of another till.
        case forbidden
        /// A valid token of this till whose role may not use this route (a customer screen on a
        /// till route, a till display on the desk's).
        case wrongRole(PairingRole)
        /// The pairing store could not be read.
        case unavailable
    }

    static func cookieName(till: TillID) -> String { "welkom_till_" + till }

    /// Checks a request against the store. `till` nil: any paired till will do (the index).
    /// The till routes: any role that sees prompts.
    static func decide(_ request: Request, till: TillID?, store: PairingStore?) async -> Decision {
        await check(request, till: till, store: store, roles: [.till, .desk]).decision
    }

    /// The decision and, when allowed by a stored pairing, that pairing. Only a pairing of one of
    /// `roles` is let in; one of this till with another role is `wrongRole`.
    static func check(_ request: Request, till: TillID?, store: PairingStore?,
                      roles: Set<PairingRole>) async -> (decision: Decision, pairing: Pairing?) {
        guard let store else { return (.allowed(pairingID: nil), nil) }
        var candidates: [String] = []
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            candidates.append(String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        let cookies = Self.cookies(request)
        if let till {
            if let token = cookies[cookieName(till: till)] { candidates.append(token) }
        } else {
            candidates += cookies.filter { $0.key.hasPrefix("welkom_till_") }.map(\.value)
        }
        var sawOtherTill = false
        var sawRole: PairingRole?
        for token in candidates.prefix(8) {
            let pairing: Pairing?
            do { pairing = try await store.pairing(token: token) } catch { return (.unavailable, nil) }
            guard let pairing else { continue }
            guard till == nil || pairing.till == till else { sawOtherTill = true; continue }
            guard roles.contains(pairing.role) else { sawRole = pairing.role; continue }
            return (.allowed(pairingID: pairing.id), pairing)
        }
        if let sawRole { return (.wrongRole(sawRole), nil) }
        return (sawOtherTill ? .forbidden : .unauthorised, nil)
    }

    /// The request's cookies by name (the last of a repeated name wins).
    static func cookies(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                out[pair[0].trimmingCharacters(in: .whitespaces)] = pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }

    /// The cookie a paired display keeps: not readable by scripts, not sent by other sites,
    /// over HTTPS only when the hub serves HTTPS. It lasts as long as the token (`maxAge`
    /// seconds) and is sent again, with a fresh Max-Age, whenever the page renews its pairing.
    static func setCookie(till: TillID, token: String, secure: Bool, maxAge: Int) -> String {
        "\(cookieName(till: till))=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
