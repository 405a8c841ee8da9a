import Foundation
import XCTest
@testable import WelkomChain

/// What every chain test starts from: a throw-away cluster, a scratch directory with a chain key,
/// and the admin's connection with the schema migrated. Connections a test opens are closed in
/// tearDown: postgres-nio asserts that every connection is closed before it goes.
class ChainTestCase: XCTestCase {
    var cluster: PostgresCluster!
    var work: URL!
    var key: ChainKey!
    var admin: ChainDatabase!
    var opened: [ChainDatabase] = []

    func connect(_ url: ChainURL) async throws -> ChainDatabase {
        let db = try await ChainDatabase.connect(url)
        opened.append(db)
        return db
    }

    override func setUp() async throws {
        cluster = try PostgresCluster()
        work = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        key = try ChainKey.load(path: work.appendingPathComponent("chain.key").path, create: true)
        admin = try await ChainDatabase.connect(cluster.adminURL)
        try await ChainSchema.migrate(admin, key: key)
    }

    override func tearDown() async throws {
        for db in opened { await db.close() }
        await admin?.close()
        cluster?.remove()
        if let work { try? FileManager.default.removeItem(at: work) }
    }
}
