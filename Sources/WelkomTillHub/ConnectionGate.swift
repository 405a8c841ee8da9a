import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// What a till listener's connections may do: how many, how long to send a request head, how
/// long to sit idle, how long a peer may leave our writes unread.
public struct ConnectionRules: Sendable {
    public var limiter: ConnectionLimiter
    /// From connecting (or from the end of the previous answer) to a complete request head.
    /// A slow-loris client that trickles its headers is closed when this runs out.
    public var headerTimeout: TimeAmount
    /// Hummingbird's idle timeout: nothing read or written for this long (a body that stalls).
    public var idleTimeout: TimeAmount
    /// A peer that reads nothing we send for this long (its socket buffer full) is closed:
    /// an event stream to a vanished page ends instead of holding its buffers for good.
    public var writeStallTimeout: TimeAmount

    public init(limiter: ConnectionLimiter, headerTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60),
                writeStallTimeout: TimeAmount = .seconds(30)) {
        self.limiter = limiter
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.writeStallTimeout = writeStallTimeout
    }

    /// A child channel that puts the gate in front of `base` (plain HTTP/1.1, or TLS around it).
    public func gated<Base: ServerChildChannel>(_ base: Base) -> GatedChildChannel<Base> {
        GatedChildChannel(base: base, rules: self)
    }

    /// HTTP/1.1 settings with the header and idle timeouts.
    public var http1Configuration: HTTP1Channel.Configuration {
        let headerTimeout = self.headerTimeout
        return HTTP1Channel.Configuration(additionalChannelHandlers: [RequestHeadTimeoutHandler(timeout: headerTimeout)],
                                          idleTimeout: idleTimeout)
    }
}

/// `base` behind the connection gate: every accepted connection is counted first and, over a
/// cap, closed before any byte of it is read.
public struct GatedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base
    let rules: ConnectionRules

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGateHandler(limiter: rules.limiter, writeStallTimeout: rules.writeStallTimeout, logger: logger),
                position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// First in every connection's pipeline: admits it under the caps (else closes it at once),
/// gives its place back when it closes, and closes it when the peer leaves our writes unread.
final class ConnectionGateHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limiter: ConnectionLimiter
    private let writeStallTimeout: TimeAmount
    private let logger: Logger
    private var stallTimer: Scheduled<Void>?

    init(limiter: ConnectionLimiter, writeStallTimeout: TimeAmount, logger: Logger) {
        self.limiter = limiter
        self.writeStallTimeout = writeStallTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let client = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limiter.admit(client) else {
            let counts = limiter.counts
            // Rate of these lines is bounded by the refusals themselves; debug keeps a flood out of the journal.
            logger.debug("connection refused: over the connection cap",
                         metadata: ["open": "\(counts.open)", "refused": "\(counts.refused)"])
            // After the set-up that is running now: closing in the middle of it would fail it.
            let channel = context.channel
            context.eventLoop.execute { channel.close(promise: nil) }
            return
        }
        let limiter = self.limiter
        context.channel.closeFuture.whenComplete { _ in limiter.release(client) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
        } else if stallTimer == nil {
            let channel = context.channel
            stallTimer = context.eventLoop.scheduleTask(in: writeStallTimeout) {
                channel.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }
}

/// Closes a connection that has not sent a complete request head within `timeout` of
/// connecting or of its previous answer ending. (Hummingbird's idle timeout counts from the
/// last parsed part, and a trickled head is no part until it is complete.)
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// Requests whose head was read and whose answer has not ended (pipelining allows several).
    private var pending = 0

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            pending += 1
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            pending = max(0, pending - 1)
            if pending == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) {
            channel.close(promise: nil)
        }
    }
}

/// The request context of the agent's till listener: Hummingbird's basic one plus the
/// client's address, which the pairing limit counts by.
public struct TillRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
