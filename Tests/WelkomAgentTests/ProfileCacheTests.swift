import XCTest
import WelkomCore
@testable import WelkomAgent

final class ProfileCacheTests: XCTestCase {
    func profile(_ id: String, name: String? = nil) -> CustomerProfile {
        CustomerProfile(customer: id, name: name, language: .nl, scopes: [.greeting])
    }

    func testKeepsWhatWasReadUnderTheCurrentGeneration() {
        var cache = ProfileCache()
        let g = cache.generation
        cache.store(profile("anna", name: "Anna"), readAt: g)
        XCTAssertEqual(cache.profile(of: "anna")?.name, "Anna")
        XCTAssertNil(cache.profile(of: "ben"))
    }

    func testAReadThatBeganBeforeAChangeIsNotKept() {
        var cache = ProfileCache()
        let before = cache.generation
        cache.invalidateAll()          // an enrolment changed the registry while the read ran
        cache.store(profile("anna", name: "Old name"), readAt: before)
        XCTAssertNil(cache.profile(of: "anna"))
        let beforeWithdrawal = cache.generation
        cache.forget("ben")            // a withdrawal (of anyone) while the read ran
        cache.store(profile("ben"), readAt: beforeWithdrawal)
        XCTAssertNil(cache.profile(of: "ben"))
    }

    func testWithdrawalAndInvalidationEmptyIt() {
        var cache = ProfileCache()
        cache.store(profile("anna"), readAt: cache.generation)
        cache.store(profile("ben"), readAt: cache.generation)
        cache.forget("anna")
        XCTAssertNil(cache.profile(of: "anna"))
        XCTAssertNotNil(cache.profile(of: "ben"))
        cache.invalidateAll()
        XCTAssertEqual(cache.count, 0)
    }

    func testStaysWithinItsCapacity() {
        var cache = ProfileCache(capacity: 8)
        for i in 0..<100 {
            cache.store(profile("c\(i)"), readAt: cache.generation)
            XCTAssertLessThanOrEqual(cache.count, 8)
            XCTAssertNotNil(cache.profile(of: "c\(i)"), "the profile just read is kept")
        }
    }
}
