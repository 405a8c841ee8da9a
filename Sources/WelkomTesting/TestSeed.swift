#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(XCTest)
import XCTest
#endif

/// The seed of a randomised test: `WELKOM_TEST_SEED` when set (to re-run a failure exactly),
/// otherwise a fresh one each run, so runs keep exploring new cases.
///
///     var rng = TestSeed.generator(for: self)   // in an XCTestCase: prints the seed if the test fails
///     let x = UInt32.random(in: 0..<10, using: &rng)
///
/// One generator per test; derive everything the test draws from it, so the seed alone replays it.
public enum TestSeed {
    public static let environmentVariable = "WELKOM_TEST_SEED"

    /// The seed from the environment (decimal, or hex with 0x), else a fresh random one.
    public static func current() -> UInt64 {
        if let fixed = fromEnvironment() { return fixed }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    /// The seed `WELKOM_TEST_SEED` names, if it is set and parses.
    public static func fromEnvironment() -> UInt64? {
        guard let raw = getenv(environmentVariable) else { return nil }
        let text = String(cString: raw).trimmingWhitespace()
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }

    /// How to re-run a test with this seed; `filter` is what `swift test --filter` takes.
    public static func rerunHint(seed: UInt64, filter: String) -> String {
        "randomised with seed \(seed); re-run with: \(environmentVariable)=\(seed) swift test --filter '\(filter)'"
    }

    #if canImport(XCTest)
    /// A generator for this test, seeded by `current()`. If the test fails, the seed and the
    /// command that replays it are printed after the failures.
    public static func generator(for test: XCTestCase) -> SplitMix64 {
        SplitMix64(seed: seed(for: test))
    }

    /// The seed alone, for a test that needs it as a number (to seed several generators, say);
    /// printed on failure like `generator(for:)`.
    public static func seed(for test: XCTestCase) -> UInt64 {
        let seed = current()
        let filter = filter(for: test)
        test.addTeardownBlock { [weak test] in
            // `hasSucceeded` is false until the run stops, so count the failures so far instead.
            if let run = test?.testRun, run.totalFailureCount > 0 {
                print(rerunHint(seed: seed, filter: filter))
            }
        }
        return seed
    }

    /// `Module.Class/testMethod`, the form `swift test --filter` matches exactly.
    static func filter(for test: XCTestCase) -> String {
        let type = String(reflecting: Swift.type(of: test))
        // `name` is "Class.testMethod" on Linux and "-[Class testMethod]" on Darwin.
        var method = test.name
        if let space = method.lastIndex(of: " ") { method = String(method[method.index(after: space)...]) }
        else if let dot = method.lastIndex(of: ".") { method = String(method[method.index(after: dot)...]) }
        method.removeAll { $0 == "]" }
        return "\(type)/\(method)"
    }
    #endif
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
