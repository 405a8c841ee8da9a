import Foundation
import XCTest
@testable import WelkomChain
import WelkomTesting

/// The hand-written reader of sealed key material must agree with JSONDecoder wherever it answers,
/// answer for everything JSONEncoder writes without escapes, and leave everything else to it.
final class ChainKeyMaterialReaderTests: XCTestCase {
    private func decoded(_ text: String) -> ChainKeyMaterial? {
        try? JSONDecoder().decode(ChainKeyMaterial.self, from: Data(text.utf8))
    }

    func testItReadsWhatJSONEncoderWritesAsJSONDecoderDoes() throws {
        var rng = TestSeed.generator(for: self)
        func hex(_ n: Int) -> String { (0..<n).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined() }
        for _ in 0..<500 {
            let m = ChainKeyMaterial(
                beaconKey: Bool.random(using: &rng) ? hex(16) : nil,
                cards: (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? String(UInt64.random(in: 1000...UInt64.max, using: &rng)) : "uid:" + hex(7)
                },
                eid: Bool.random(using: &rng)
                    ? .init(key: hex(16), exponent: UInt8.random(in: 0...255, using: &rng), epoch: Int64.random(in: .min ... .max, using: &rng))
                    : nil,
                irk: Bool.random(using: &rng) ? hex(16) : nil,
                statics: (0..<Int.random(in: 0...2, using: &rng)).map { _ in "ibeacon:\(hex(16)):\(Int.random(in: 0...65535, using: &rng)):7" })
            let json = try JSONEncoder().encode(m)
            XCTAssertEqual(ChainKeyMaterialReader.read(Array(json)), m, String(decoding: json, as: UTF8.self))
        }
    }

    func testAnythingElseIsLeftToJSONDecoder() {
        let same = [
            #"{"cards":[],"statics":[]}"#,
            #" { "statics" : [ "a" ] , "cards" : [ "1" , "2" ] , "beaconKey" : null , "irk":"ff" } "#,
            #"{"cards":[],"statics":[],"eid":{"epoch":-5,"exponent":15,"key":"00"}}"#,
            #"{"cards":[],"statics":[],"eid":null}"#,
        ]
        for text in same {
            XCTAssertNotNil(ChainKeyMaterialReader.read(Array(text.utf8)), text)
            XCTAssertEqual(ChainKeyMaterialReader.read(Array(text.utf8)), decoded(text), text)
        }
        let refused = [
            #"{"cards":["a\/b"],"statics":[]}"#,           // an escape
            #"{"cards":[],"statics":[],"other":1}"#,         // an unknown key
            #"{"cards":[],"cards":[],"statics":[]}"#,        // a key twice
            #"{"cards":null,"statics":[]}"#,                 // null where a list belongs
            #"{"statics":[]}"#,                              // a list missing
            #"{"cards":[],"statics":[],"eid":{"key":"0","exponent":300,"epoch":1}}"#,
            #"{"cards":[],"statics":[],"eid":{"key":"0","exponent":1.5,"epoch":1}}"#,
            #"{"cards":[],"statics":[],"eid":{"key":"0","exponent":01,"epoch":1}}"#,
            #"{"cards":[],"statics":[],"eid":{"key":"0","exponent":1,"epoch":99999999999999999999}}"#,
            #"{"cards":[],"statics":[]} x"#,
            #"{"cards":[],"statics":["é"]}"#,
            #"{"cards":[],"statics":[],}"#,
            #"{"cards":[],"statics":["#,
            "",
        ]
        for text in refused { XCTAssertNil(ChainKeyMaterialReader.read(Array(text.utf8)), text) }
    }
}
