import Foundation
import Logging
import NIOCore
import NIOPosix
import WelkomConsent

/// The agent's side of DATA/agent.sock: each connection carries one consent change as a JSON
/// line, handed to the ConsentApplier; the answer goes back once the change is applied. This is
/// how `welkom consent withdraw` knows the running agent matches the customer no more before it
/// unlinks the ledger — in milliseconds, where polling the registry took up to 200 ms.
final class AgentControlServer: Sendable {
    let dataDirectory: URL
    let applier: ConsentApplier
    let logger: Logger
    private let channel: any Channel

    enum Failure: Error, CustomStringConvertible {
        case anotherAgent(String)
        case cannotListen(String, String)
        var description: String {
            switch self {
            case let .anotherAgent(path):
                "another agent is already running on this data directory (it answers on \(path)); stop it first — two agents on one ledger would both write it"
            case let .cannotListen(path, reason): "cannot listen on \(path): \(reason)"
            }
        }
    }

    /// Binds the socket. A socket file left by an agent that died is replaced; one that answers
    /// belongs to a running agent, and then this one refuses to start.
    static func start(dataDirectory: URL, applier: ConsentApplier, logger: Logger) async throws -> AgentControlServer {
        let url = AgentControlAddress.socketURL(dataDirectory: dataDirectory)
        if FileManager.default.fileExists(atPath: url.path) {
            if AgentControlClient.agentIsListening(dataDirectory: dataDirectory) {
                throw Failure.anotherAgent(url.path)
            }
            unlink(url.path)
        }
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ControlConnection(applier: applier, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try await AgentControlAddress.withPath(dataDirectory: dataDirectory) { path in
                bootstrap.bind(unixDomainSocketPath: path)
            }.get()
        } catch {
            throw Failure.cannotListen(url.path, "\(error)")
        }
        chmod(url.path, 0o600)
        return AgentControlServer(dataDirectory: dataDirectory, applier: applier, logger: logger, channel: channel)
    }

    private init(dataDirectory: URL, applier: ConsentApplier, logger: Logger, channel: any Channel) {
        self.dataDirectory = dataDirectory
        self.applier = applier
        self.logger = logger
        self.channel = channel
    }

    func stop() async {
        try? await channel.close()
        unlink(AgentControlAddress.socketURL(dataDirectory: dataDirectory).path)
    }
}

/// One connection: reads up to the first newline (at most 4 KiB), applies, answers, closes.
private final class ControlConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let applier: ConsentApplier
    private let logger: Logger
    private var buffer: [UInt8] = []
    private var answered = false

    init(applier: ConsentApplier, logger: Logger) {
        self.applier = applier
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        guard let end = buffer.firstIndex(of: 0x0A) else {
            if buffer.count > 4096 { reply(context.channel, AgentControlReply(applied: false, error: "request too long")) }
            return
        }
        answered = true
        guard let request = try? JSONDecoder().decode(AgentControlRequest.self, from: Data(buffer[..<end])) else {
            reply(context.channel, AgentControlReply(applied: false, error: "not a consent change"))
            return
        }
        let (channel, applier, logger) = (context.channel, applier, logger)
        Task {
            do {
                _ = try await applier.apply(request.change)
                Self.send(channel, AgentControlReply(applied: true))
            } catch {
                logger.error("consent change from the control socket not applied", metadata: ["error": "\(error)"])
                Self.send(channel, AgentControlReply(applied: false, error: "\(error)"))
            }
        }
    }

    private func reply(_ channel: any Channel, _ answer: AgentControlReply) {
        answered = true
        Self.send(channel, answer)
    }

    private static func send(_ channel: any Channel, _ answer: AgentControlReply) {
        var data = (try? JSONEncoder().encode(answer)) ?? Data("{\"applied\":false}".utf8)
        data.append(0x0A)
        channel.writeAndFlush(ByteBuffer(bytes: data)).whenComplete { _ in channel.close(promise: nil) }
    }
}
