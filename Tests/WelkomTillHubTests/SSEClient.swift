import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One thing an SSE client saw, in order.
enum SSEClientEvent: Sendable, Equatable {
    case opened(status: Int, contentType: String?)
    case message(SSEMessage)
    case comment(String)
    case closed
    case timedOut
}

/// A dispatched Server-Sent Event as a browser's EventSource would see it.
struct SSEMessage: Sendable, Equatable {
    var id: String?
    var event: String
    var data: String

    /// The data decoded as a JSON object.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
    }
}

/// A Server-Sent Events reader built on URLSession (libcurl on Linux): an HTTP client written
/// independently of Hummingbird, reading the stream chunk by chunk as a browser does, with the
/// event-stream parsing rules of the HTML spec (fields, comments, blank-line dispatch).
final class SSEConnection: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: URLSession calls the delegate on its own serial queue; `parser` and `raw` are
    // touched only there (and `raw` read under `lock`), everything else is immutable.
    let events: AsyncStream<SSEClientEvent>
    private let continuation: AsyncStream<SSEClientEvent>.Continuation
    private var parser = SSEParser()
    private let lock = NSLock()
    private var rawBytes = Data()
    private var session: URLSession?
    private var task: URLSessionDataTask?

    init(url: URL, lastEventID: String? = nil) {
        (events, continuation) = AsyncStream.makeStream(of: SSEClientEvent.self)
        super.init()
        var request = URLRequest(url: url)
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let lastEventID {
            request.setValue(lastEventID, forHTTPHeaderField: "Last-Event-ID")
        }
        request.timeoutInterval = 120
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: queue)
        let task = session.dataTask(with: request)
        self.session = session
        self.task = task
        task.resume()
    }

    /// Everything received so far, as text (to search for what must never be sent).
    var raw: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: rawBytes, as: UTF8.self)
    }

    func close() {
        task?.cancel()
        session?.invalidateAndCancel()
    }

    /// Ends the event stream with `.timedOut` (a watchdog uses it so no test can hang).
    func timeOut() {
        continuation.yield(.timedOut)
        continuation.finish()
        close()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        continuation.yield(.opened(status: http?.statusCode ?? 0,
                                   contentType: http?.value(forHTTPHeaderField: "Content-Type")))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        rawBytes.append(data)
        lock.unlock()
        for item in parser.feed(data) {
            continuation.yield(item)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        continuation.yield(.closed)
        continuation.finish()
    }
}

/// The `text/event-stream` parsing rules, enough for these tests (UTF-8, LF or CRLF line ends).
struct SSEParser {
    private var pending = Data()
    private var id: String?
    private var event = ""
    private var dataLines: [String] = []

    mutating func feed(_ chunk: Data) -> [SSEClientEvent] {
        pending.append(chunk)
        var out: [SSEClientEvent] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var lineData = pending[pending.startIndex..<newline]
            if lineData.last == UInt8(ascii: "\r") { lineData = lineData.dropLast() }
            pending = Data(pending[pending.index(after: newline)...])
            let line = String(decoding: lineData, as: UTF8.self)
            if line.isEmpty {
                if !dataLines.isEmpty {
                    out.append(.message(SSEMessage(id: id, event: event.isEmpty ? "message" : event,
                                                   data: dataLines.joined(separator: "\n"))))
                }
                event = ""
                dataLines = []
                continue
            }
            if line.hasPrefix(":") {
                out.append(.comment(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)))
                continue
            }
            let field: Substring
            var value: Substring
            if let colon = line.firstIndex(of: ":") {
                field = line[..<colon]
                value = line[line.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
            } else {
                field = line[...]
                value = ""
            }
            switch field {
            case "id": id = String(value)
            case "event": event = String(value)
            case "data": dataLines.append(String(value))
            default: break
            }
        }
        return out
    }
}

/// The next event from `iterator`, or `.timedOut` after `seconds` so a broken stream fails the test instead of hanging it.
func nextEvent(
    _ iterator: inout AsyncStream<SSEClientEvent>.Iterator, of connection: SSEConnection, within seconds: Double = 5,
    isolation: isolated (any Actor)? = #isolation
) async -> SSEClientEvent {
    let watchdog = Task {
        try await Task.sleep(for: .seconds(seconds))
        connection.timeOut()
    }
    defer { watchdog.cancel() }
    return await iterator.next(isolation: isolation) ?? .closed
}

/// The next dispatched message, skipping the opening and comments (heartbeats); nil if the stream ended or timed out.
func nextMessage(
    _ iterator: inout AsyncStream<SSEClientEvent>.Iterator, of connection: SSEConnection, within seconds: Double = 5,
    isolation: isolated (any Actor)? = #isolation
) async -> SSEMessage? {
    while true {
        switch await nextEvent(&iterator, of: connection, within: seconds, isolation: isolation) {
        case .opened, .comment: continue
        case .message(let message): return message
        case .closed, .timedOut: return nil
        }
    }
}

struct StreamEnded: Error, CustomStringConvertible {
    var description: String { "the event stream ended or timed out before the next message" }
}

/// Like `nextMessage`, but throws when none came, so a test can simply `try await` it.
func requireMessage(
    _ iterator: inout AsyncStream<SSEClientEvent>.Iterator, of connection: SSEConnection, within seconds: Double = 5,
    isolation: isolated (any Actor)? = #isolation
) async throws -> SSEMessage {
    guard let message = await nextMessage(&iterator, of: connection, within: seconds, isolation: isolation) else {
        throw StreamEnded()
    }
    return message
}
