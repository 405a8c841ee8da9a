import Foundation
import Hummingbird
import WelkomCore

/// The desk: staff start an enrolment on `/desk/{id}` (the till whose reader the desk uses), the
/// card is scanned on that till's reader (`offerCard`) or typed, the customer reads the consent
/// text and answers on `/desk/{id}/customer`. Both pages need a pairing of that till with the `desk` role
/// (`welkom till pair --desk`); every POST is also checked for its origin, as the till's are.
/// Nothing is written anywhere until the customer confirms (or asks not to be asked again).
extension TillHub {
    // MARK: Sessions (on the actor)

    /// The session at `till`, after dropping one left idle too long (and the card it held).
    func deskSession(till: TillID) -> DeskSession? {
        if let session = deskSessions[till], clock.now().timeIntervalSince(session.touched) > session.lifetime {
            deskSessions[till] = nil
            logger.info("desk enrolment abandoned: nothing recorded", metadata: ["till": "\(till)"])
        }
        return deskSessions[till]
    }

    /// An answer or a withdrawal is being carried out at `till`'s desk. Starting anew or cancelling
    /// then waits (409) until it is done, so staff see its outcome rather than lose it — a customer
    /// enrolled or withdrawn while the page had moved on would not know it.
    func deskIsBusy(till: TillID) -> Bool {
        switch deskSession(till: till)?.step {
        case .recording?, .withdrawing?: true
        default: false
        }
    }

    /// nil while the desk is busy (`deskIsBusy`).
    func deskStart(till: TillID) -> String? {
        guard !deskIsBusy(till: till) else { return nil }
        let session = DeskSession(id: DeskSession.newID(), step: .waitingForCard, touched: clock.now())
        deskSessions[till] = session
        logger.info("desk enrolment started", metadata: ["till": "\(till)"])
        return session.id
    }

    /// Staff start a withdrawal by card: the next card scanned or typed at this desk is withdrawn.
    func deskStartWithdrawal(till: TillID, pairing: String?) -> String? {
        guard !deskIsBusy(till: till) else { return nil }
        let session = DeskSession(id: DeskSession.newID(), step: .waitingForWithdrawalCard, touched: clock.now(), pairing: pairing)
        deskSessions[till] = session
        logger.info("desk withdrawal started", metadata: ["till": "\(till)"])
        return session.id
    }

    /// False, cancelling nothing, while the desk is busy (`deskIsBusy`).
    func deskCancel(till: TillID) -> Bool {
        guard !deskIsBusy(till: till) else { return false }
        if deskSessions.removeValue(forKey: till) != nil {
            logger.info("desk enrolment cancelled: nothing recorded", metadata: ["till": "\(till)"])
        }
        return true
    }

    /// A card for the session waiting at `till`; false when none waits (the scan is then an
    /// ordinary one: recognised, or not).
    func deskTakeCard(till: TillID, card: String, source: DeskSession.CardSource) -> Bool {
        guard var session = deskSession(till: till) else { return false }
        if session.step == .waitingForWithdrawalCard, let desk = consentDesk.withLock({ $0 }) {
            session.step = .withdrawing
            session.touched = clock.now()
            deskSessions[till] = session
            // Carried out off the reader's path; the desk page follows it through the state.
            let (id, pairing) = (session.id, session.pairing)
            Task { await self.deskWithdraw(till: till, sessionID: id, card: card, pairing: pairing, desk: desk) }
            return true
        }
        guard session.step == .waitingForCard else { return false }
        session.step = .consent(card: card, source: source)
        session.touched = clock.now()
        deskSessions[till] = session
        logger.info("desk enrolment has its card", metadata: ["till": "\(till)", "source": "\(source.rawValue)"])
        return true
    }

    private func deskWithdraw(till: TillID, sessionID: String, card: String, pairing: String?, desk: any TillConsentDesk) async {
        let outcome: DeskSession.Outcome
        do {
            outcome = try await desk.withdraw(card: card, till: till, pairing: pairing) ? .withdrawn : .notEnrolled
        } catch {
            logger.warning("withdrawal at the desk not finished", metadata: [
                "till": "\(till)", "error.type": "\(String(reflecting: type(of: error)))"])
            outcome = .failed
        }
        guard var session = deskSessions[till], session.id == sessionID else { return }
        session.step = .finished(outcome)
        session.touched = clock.now()
        deskSessions[till] = session
        logger.info("desk withdrawal by card", metadata: ["till": "\(till)", "outcome": "\(outcome.rawValue)"])
    }

    /// A card scanned on `till`'s reader: taken by the desk when an enrolment there waits for
    /// one, so it is not also looked up as a customer's card.
    public func offerCard(till: TillID, normalised card: String) -> Bool {
        deskTakeCard(till: till, card: card, source: .scanner)
    }

    /// Moves the session to "recording" and hands out its card; nil when `sessionID` is not the
    /// session waiting for an answer (another press, an older page).
    func deskBeginAnswer(till: TillID, sessionID: String) -> String? {
        guard var session = deskSession(till: till), session.id == sessionID,
              case let .consent(card, source) = session.step else { return nil }
        session.step = .recording(card: card, source: source)
        session.touched = clock.now()
        deskSessions[till] = session
        return card
    }

    /// The answer is recorded (or refused: back to the question).
    func deskEndAnswer(till: TillID, sessionID: String, outcome: DeskSession.Outcome?) {
        guard var session = deskSessions[till], session.id == sessionID,
              case let .recording(card, source) = session.step else { return }
        // The card number is forgotten here: a finished session keeps only its outcome.
        session.step = outcome.map { .finished($0) } ?? .consent(card: card, source: source)
        session.touched = clock.now()
        deskSessions[till] = session
    }

    // MARK: Routes

    nonisolated func addDeskRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/desk/{till}") { request, context in
            await self.deskPage(request, context, render: DeskPage.render)
        }
        router.get("/desk/{till}/customer") { request, context in
            await self.deskPage(request, context, customerSide: true, render: CustomerPage.render)
        }
        router.get("/desk/{till}/state") { request, context in
            let access = await self.deskAccess(request, context, post: false, customerSide: true)
            guard let till = access.till else { return access.refusalResponse }
            return await self.deskStateResponse(till: till.id)
        }
        router.post("/desk/{till}/start") { request, context in
            let access = await self.deskAccess(request, context, post: true)
            guard let till = access.till else { return access.refusalResponse }
            guard let id = await self.deskStart(till: till.id) else { return Self.deskBusy }
            return Self.json(.ok, "{\"session\":\(JSONText.quoted(id))}")
        }
        router.post("/desk/{till}/withdraw") { request, context in
            let access = await self.deskAccess(request, context, post: true)
            guard let till = access.till else { return access.refusalResponse }
            guard let id = await self.deskStartWithdrawal(till: till.id, pairing: access.pairing) else { return Self.deskBusy }
            return Self.json(.ok, "{\"session\":\(JSONText.quoted(id))}")
        }
        router.post("/desk/{till}/cancel") { request, context in
            let access = await self.deskAccess(request, context, post: true)
            guard let till = access.till else { return access.refusalResponse }
            guard await self.deskCancel(till: till.id) else { return Self.deskBusy }
            return Response(status: .noContent)
        }
        router.post("/desk/{till}/card") { request, context in
            let access = await self.deskAccess(request, context, post: true)
            guard let till = access.till, let desk = access.desk else { return access.refusalResponse }
            let form: FormBody
            do throws(FormRefusal) { form = try await Self.form(request) } catch { return error.response }
            switch desk.checkCard(form.first("card") ?? "") {
            case .failure(let refusal):
                return Self.text(.unprocessableContent, refusal.description)
            case .success(let card):
                guard await self.deskTakeCard(till: till.id, card: card, source: .typed) else {
                    return Self.text(.conflict, "no enrolment is waiting for a card: start one first")
                }
                return Response(status: .noContent)
            }
        }
        router.post("/desk/{till}/customer/confirm") { request, context in
            let access = await self.deskAccess(request, context, post: true, customerSide: true)
            guard let till = access.till, let desk = access.desk else { return access.refusalResponse }
            return await self.confirmResponse(request, till: till, desk: desk, pairing: access.pairing)
        }
        router.post("/desk/{till}/customer/decline") { request, context in
            let access = await self.deskAccess(request, context, post: true, customerSide: true)
            guard let till = access.till, let desk = access.desk else { return access.refusalResponse }
            return await self.declineResponse(request, till: till, desk: desk, pairing: access.pairing)
        }
    }

    private nonisolated static var deskBusy: Response {
        text(.conflict, "an answer or a withdrawal is being recorded at this desk: wait for its outcome")
    }

    /// What a desk request may use, or the answer that refuses it.
    struct DeskAccess {
        var till: TillInfo?
        var desk: (any TillConsentDesk)?
        /// The desk display's pairing, for the receipt.
        var pairing: String?
        var refusal: Response?

        static func refused(_ response: Response) -> DeskAccess { DeskAccess(refusal: response) }
        var refusalResponse: Response { refusal ?? TillHub.text(.forbidden, "refused") }
    }

    /// The display must hold a desk pairing of this till, a POST must come from this origin, and
    /// the agent must have attached its consent desk.
    /// `customerSide`: the customer page, its state and its answers, which the desk's customer
    /// screen may use too; the staff routes take a desk pairing only.
    private nonisolated func deskAccess<Context: RequestContext>(_ request: Request, _ context: Context, post: Bool,
                                                                 customerSide: Bool = false) async -> DeskAccess {
        let tillID = context.parameters.get("till").map { $0.removingPercentEncoding ?? $0 }
        let roles: Set<PairingRole> = customerSide ? [.desk, .customer] : [.desk]
        let (decision, pairing) = await TillAccess.check(request, till: tillID, store: pairings, roles: roles)
        guard case .allowed = decision else { return .refused(Self.deskRefusal(decision)) }
        guard let tillID, let till = tillsByID[tillID] else { return .refused(Self.text(.notFound, "unknown till")) }
        if post, !Self.isSameOrigin(request) { return .refused(Self.text(.forbidden, "cross-origin request refused")) }
        guard let desk = consentDesk.withLock({ $0 }) else {
            return .refused(Self.text(.serviceUnavailable, "the desk is not available"))
        }
        return DeskAccess(till: till, desk: desk, pairing: pairing?.id)
    }

    private nonisolated static func deskRefusal(_ decision: TillAccess.Decision) -> Response {
        switch decision {
        case .allowed: text(.ok, "")
        case .unauthorised: text(.unauthorized, "this display is not paired: see /pair")
        case .forbidden: text(.forbidden, "this display is paired with another till")
        case .wrongRole(.customer): text(.forbidden, "this display is a desk's customer screen: it shows the customer page only")
        case .wrongRole: text(.forbidden, "this display is not paired as a desk (welkom till pair --till ID --desk)")
        case .unavailable: text(.serviceUnavailable, "pairings cannot be read right now")
        }
    }

    private nonisolated func deskPage<Context: RequestContext>(
        _ request: Request, _ context: Context, customerSide: Bool = false, render: (TillInfo) -> String
    ) async -> Response {
        let access = await deskAccess(request, context, post: false, customerSide: customerSide)
        guard let till = access.till else {
            if access.refusal?.status == .unauthorized {
                var response = Self.html(PairPage.notPaired)
                response.status = .unauthorized
                return response
            }
            return access.refusalResponse
        }
        var response = Self.html(render(till))
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return response
    }

    private func deskStateResponse(till: TillID) async -> Response {
        let session = deskSession(till: till)
        var state = DeskStatePayload(session: session?.id, step: "idle")
        switch session?.step {
        case nil: break
        case .waitingForCard?: state.step = "card"
        case .waitingForWithdrawalCard?: state.step = "withdraw-card"
        case .withdrawing?: state.step = "withdrawing"
        case let .consent(_, source)?, let .recording(_, source)?:
            state.step = "consent"
            state.card = source.rawValue
            state.texts = await consentDesk.withLock({ $0 })?.consentTexts() ?? []
        case let .finished(outcome)?:
            state.step = "done"
            state.outcome = outcome.rawValue
        }
        return Self.json(.ok, state.encoded())
    }

    private nonisolated func confirmResponse(_ request: Request, till: TillInfo, desk: any TillConsentDesk,
                                             pairing: String?) async -> Response {
        let form: FormBody
        do throws(FormRefusal) { form = try await Self.form(request) } catch { return error.response }
        var scopes: Set<Scope> = []
        for word in form.all("scope") {
            guard let scope = Scope(rawValue: word) else { return Self.text(.unprocessableContent, "unknown scope") }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { return Self.text(.unprocessableContent, "tick at least one choice") }
        guard let language = Language(rawValue: form.first("language") ?? "") else {
            return Self.text(.unprocessableContent, "language must be nl or en")
        }
        let name = form.first("name").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let session = form.first("session"), let card = await deskBeginAnswer(till: till.id, sessionID: session) else {
            return Self.text(.conflict, "this enrolment is no longer waiting for an answer")
        }
        let result: DeskEnrolmentResult
        do {
            result = try await desk.enrol(DeskEnrolmentRequest(
                till: till.id, pairing: pairing, card: card, scopes: scopes, language: language,
                name: scopes.contains(.name) ? name : nil, wantsKey: form.first("key") == "1"))
        } catch let refusal as DeskRefusal {
            await deskEndAnswer(till: till.id, sessionID: session, outcome: nil)
            return Self.text(.unprocessableContent, refusal.description)
        } catch {
            await deskEndAnswer(till: till.id, sessionID: session, outcome: nil)
            logger.warning("desk enrolment not recorded", metadata: ["till": "\(till.id)",
                                                                     "error.type": "\(String(reflecting: type(of: error)))"])
            return Self.text(.serviceUnavailable, "the consent could not be recorded; nothing was stored, try again")
        }
        await deskEndAnswer(till: till.id, sessionID: session, outcome: .enrolled)
        logger.info("consent given at the desk", metadata: ["till": "\(till.id)", "key": "\(result.keyURI != nil)"])
        // The key leaves the gateway once, in this answer, as a QR code; nothing keeps the SVG.
        let qr = result.keyURI.flatMap { QRCodeSVG.render($0) }
        var body = "{\"outcome\":\"enrolled\""
        if let qr { body += ",\"qr\":\(JSONText.quoted(qr))" }
        return Self.json(.ok, body + "}")
    }

    private nonisolated func declineResponse(_ request: Request, till: TillInfo, desk: any TillConsentDesk,
                                             pairing: String?) async -> Response {
        let form: FormBody
        do throws(FormRefusal) { form = try await Self.form(request) } catch { return error.response }
        guard let session = form.first("session"), let card = await deskBeginAnswer(till: till.id, sessionID: session) else {
            return Self.text(.conflict, "this enrolment is no longer waiting for an answer")
        }
        guard form.first("do_not_ask") == "1" else {
            await deskEndAnswer(till: till.id, sessionID: session, outcome: .declined)
            logger.info("consent declined at the desk: nothing recorded", metadata: ["till": "\(till.id)"])
            return Self.json(.ok, "{\"outcome\":\"declined\"}")
        }
        do {
            try await desk.doNotAsk(card: card, till: till.id, pairing: pairing)
        } catch let refusal as DeskRefusal {
            await deskEndAnswer(till: till.id, sessionID: session, outcome: nil)
            return Self.text(.unprocessableContent, refusal.description)
        } catch {
            await deskEndAnswer(till: till.id, sessionID: session, outcome: nil)
            logger.warning("do-not-ask not recorded", metadata: ["till": "\(till.id)",
                                                                 "error.type": "\(String(reflecting: type(of: error)))"])
            return Self.text(.serviceUnavailable, "could not be recorded; try again")
        }
        await deskEndAnswer(till: till.id, sessionID: session, outcome: .doNotAsk)
        return Self.json(.ok, "{\"outcome\":\"do_not_ask\"}")
    }

    /// Why a desk form was not read: its answer to the page.
    struct FormRefusal: Error {
        var response: Response
    }

    /// The desk form, or the answer refusing it: a body over 16 KiB (the forms are a few hundred
    /// bytes) is 413, a field that does not decode is 400 naming it — never read as empty.
    private nonisolated static func form(_ request: Request) async throws(FormRefusal) -> FormBody {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: 16 * 1024) } catch {
            throw FormRefusal(response: text(.contentTooLarge, "the form is larger than 16 KiB"))
        }
        do { return try FormBody(parsing: String(buffer: buffer)) } catch {
            throw FormRefusal(response: text(.badRequest, error.description))
        }
    }

    nonisolated static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `GET /desk/{id}/state`: where the enrolment at this desk stands. Never a card number:
/// only whether the card came from the scanner or was typed.
struct DeskStatePayload: Encodable {
    var session: String?
    /// idle, card (waiting for it), consent (the customer answers), done
    var step: String
    var card: String?
    var outcome: String?
    var texts: [DeskConsentText] = []

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
