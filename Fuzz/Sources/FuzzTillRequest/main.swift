import Dispatch
import Foundation
import FuzzSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOEmbedded
import WelkomCore
import WelkomTillHub

/// The till hub's request handling (issue 12): the input is read as an HTTP/1.1 request — a
/// request line, header lines, a blank line, a body — and sent through the hub's router with
/// pairing and the Host check on, as the agent has it: the Host allow-list, cookie and bearer
/// parsing, the pairing form and JSON, the Last-Event-ID cursor, path parameters. Whatever the
/// bytes, the answer is one of the statuses docs/contract.md lists, and a foreign Host never gets
/// past the check.

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-fuzz-till-\(getpid())")
let store = try! PairingStore(dataDirectory: directory)
atexit { try? FileManager.default.removeItem(at: directory) }
let hosts = HostAllowList(configured: ["kassa.winkel.lan"], listenHost: "127.0.0.1", loopback: true)
let quiet: Logger = {
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    return logger
}()
let hub: TillHub = {
    TillHub(tills: [TillInfo(id: "1", name: "Kassa 1"), TillInfo(id: "2", name: "Kassa 2")], logger: quiet,
                   pairings: store, hosts: hosts) { _ in }
}()
let responder: some HTTPResponder<BasicRequestContext> = {
    let router = Router()
    hub.addRoutes(to: router)
    return router.buildResponder()
}()
let channel = EmbeddedChannel()
let allowed: Set<Int> = [200, 204, 303, 400, 401, 403, 404, 405, 409, 421, 429, 503]

/// The status, handed from the task to the fuzzer's thread (which waits on the semaphore).
final class Answer: @unchecked Sendable {
    var status = 0
}

/// Splits the input into a request; nil when it has no request line with a known method.
func request(from bytes: [UInt8]) -> Request? {
    let text = String(decoding: bytes, as: UTF8.self)
    let (head, body) = text.range(of: "\r\n\r\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) }
        ?? (text, "")
    var lines = head.components(separatedBy: "\r\n")
    let first = lines.removeFirst().split(separator: " ", maxSplits: 2)
    guard first.count >= 2, let method = HTTPRequest.Method(String(first[0])) else { return nil }
    var path = String(first[1])
    if !path.hasPrefix("/") { path = "/" + path }
    var fields = HTTPFields()
    var authority: String?
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        if name.lowercased() == "host" { authority = value; continue }
        guard let fieldName = HTTPField.Name(name) else { continue }
        fields.append(HTTPField(name: fieldName, value: value))
    }
    let head2 = HTTPRequest(method: method, scheme: "http", authority: authority, path: path, headerFields: fields)
    return Request(head: head2, body: .init(buffer: ByteBuffer(string: body)))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTillRequest(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard bytes.count <= 8192, let request = request(from: bytes) else { return 0 }
    let hostVerdict = hosts.check(request.head.authority)
    let done = DispatchSemaphore(value: 0)
    let answer = Answer()
    Task {
        let context = BasicRequestContext(source: .init(channel: channel, logger: quiet))
        let response = try? await responder.respond(to: request, context: context)
        answer.status = response?.status.code ?? 404   // a thrown HTTPError (no route) is the router's 404/405
        done.signal()
    }
    done.wait()
    let status = answer.status
    precondition(allowed.contains(status), "unexpected status \(status)")
    if hostVerdict == .refused { precondition(status == 421, "a foreign Host got \(status)") }
    if hostVerdict == .missing { precondition(status == 400, "no Host got \(status)") }
    return 0
}

runFuzzer(fuzzTillRequest)
