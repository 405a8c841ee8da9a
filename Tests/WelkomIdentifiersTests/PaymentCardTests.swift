import XCTest
import WelkomIdentifiers
import WelkomTesting

/// Invariant 6, "payment cards never enter": a PAN is a payment card whatever wraps it — bare,
/// spaced, dashed, a complete or partial track, with or without sentinels — by Luhn and the
/// brands' IIN ranges (`PaymentCardRanges`); only the shop's own declared prefixes are exempt.
final class PaymentCardTests: XCTestCase {
    /// Test PANs the brands and acquirers publish (Visa, Mastercard, Amex, Discover, JCB, Diners,
    /// UnionPay and Maestro test cards of Stripe's, Adyen's and PayPal's sandboxes).
    static let publishedTestPANs: [(brand: String, pan: String)] = [
        ("Visa", "4111111111111111"),
        ("Visa", "4012888888881881"),
        ("Visa", "4222222222222"),
        ("Visa", "4000056655665556"),
        ("Mastercard", "5555555555554444"),
        ("Mastercard", "5500005555555559"),
        ("Mastercard", "5105105105105100"),
        ("Mastercard", "2223003122003222"),
        ("Mastercard", "2221000000000009"),
        ("American Express", "378282246310005"),
        ("American Express", "371449635398431"),
        ("American Express", "340000000000009"),
        ("Discover", "6011111111111117"),
        ("Discover", "6011000990139424"),
        ("Discover", "6445644564456445"),
        ("JCB", "3530111333300000"),
        ("JCB", "3566002020360505"),
        ("Diners Club", "30569309025904"),
        ("Diners Club", "38520000023237"),
        ("Diners Club", "36227206271667"),
        ("UnionPay", "6200000000000005"),
        ("UnionPay", "6250941006528599"),
        ("Maestro", "6759649826438453"),
        ("Maestro", "5018000000000009"),
    ]

    /// Every framing a reader or a back office may wrap a PAN in.
    static func framings(_ pan: String) -> [String] {
        let grouped4 = stride(from: 0, to: pan.count, by: 4).map { i -> String in
            let start = pan.index(pan.startIndex, offsetBy: i)
            return String(pan[start..<(pan.index(start, offsetBy: 4, limitedBy: pan.endIndex) ?? pan.endIndex)])
        }
        return [
            pan,
            grouped4.joined(separator: " "),
            grouped4.joined(separator: "-"),
            " \(pan) \r\n",
            "%B\(pan)^DOE/JANE^2512101000000000?",          // track 1, complete
            "%B\(pan)^DOE/JANE^",                           // track 1 without end sentinel
            "B\(pan)^DOE/JANE^2512",                        // track 1 without sentinels
            ";\(pan)=25121010000000000000?",                 // track 2, complete
            ";\(pan)=2512?",                                 // track 2 with only an expiry
            ";\(pan)=?",                                     // track 2, expiry absent
            ";\(pan)?",                                      // track 2 without a field separator
            ";\(pan)",                                       // track 2 without end sentinel
            "\(pan)=2512",                                   // track 2 without sentinels
            "]C0\(pan)",                                     // an AIM prefix before the number
            "]E0\(pan)",
            "card: \(pan)",
            "\(grouped4.joined(separator: ".")) ",           // digits alone are the PAN
        ]
    }

    func testPublishedTestPANsAreInTheirBrandsRange() {
        for (brand, pan) in Self.publishedTestPANs {
            XCTAssertTrue(CardNumber.luhnValid(pan), "\(brand) test PAN is Luhn-valid")
            XCTAssertEqual(PaymentCardRanges.brand(of: pan.utf8.map { $0 - 48 }), brand, pan)
            XCTAssertTrue(PaymentCardRanges.isPaymentCard(pan), brand)
        }
    }

    func testPublishedTestPANsAreDroppedInEveryFraming() {
        for (brand, pan) in Self.publishedTestPANs {
            for framing in Self.framings(pan) {
                XCTAssertEqual(CardNumber.classify(framing), .paymentCard, "\(brand) as \(framing.debugDescription)")
                XCTAssertEqual(CardNumber.classify(line: Array(framing.utf8)), .paymentCard, "\(brand) bytes")
                XCTAssertEqual(CardNumber.enrolment(framing), .paymentCard, "\(brand) at enrolment")
            }
        }
    }

    /// The issue's own reproductions (issue 12, finding 1).
    func testTheReportedReadsAreDropped() {
        for read in [";5500005555555559?", "4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559",
                     ";4111111111111111=2512?", "4111111111111111=2512", "%B4111111111111111^DOE/JANE^2512?"] {
            XCTAssertEqual(CardNumber.classify(read), .paymentCard, read)
        }
    }

    /// A PAN after other digits, a PAN glued to text: still found.
    func testAPANAmongOtherDigitsIsFound() {
        XCTAssertEqual(CardNumber.classify("order 12 4111 1111 1111 1111"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("12-4111111111111111"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("871234567;5500005555555559?"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("ref:4111111111111111/x"), .paymentCard)
    }

    /// Not payment cards: wrong Luhn digit, no brand's range or length, EANs, NFC UIDs.
    func testLoyaltyNumbersStayLoyaltyNumbers() {
        XCTAssertEqual(CardNumber.classify("4111111111111112"), .loyalty(normalised: "4111111111111112", symbology: .numeric))
        XCTAssertEqual(CardNumber.classify(";4111111111111112=25121010000?"),
                       .loyalty(normalised: "4111111111111112", symbology: .track2))
        // Luhn-valid, but 7… is no brand's (ISO/IEC 7812 MII 7: petroleum) — a loyalty number.
        XCTAssertEqual(CardNumber.classify("7000000000000005"), .loyalty(normalised: "7000000000000005", symbology: .numeric))
        // Mastercard is 16 digits only: 17 Luhn-valid digits starting 55 are not one.
        XCTAssertEqual(CardNumber.classify("55000055555555596"), .loyalty(normalised: "55000055555555596", symbology: .numeric))
        XCTAssertEqual(CardNumber.classify("8712345678906"), .loyalty(normalised: "8712345678906", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify("4006381333931"), .loyalty(normalised: "4006381333931", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify("AH-2620-1234-5678"), .loyalty(normalised: "262012345678", symbology: .text))
        // An NFC UID is never a PAN, whatever its bytes spell in hex.
        XCTAssertEqual(CardNumber.normaliseNFC(uid: [0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11]),
                       .loyalty(normalised: "uid:41111111111111", symbology: .nfcUID))
        XCTAssertEqual(CardNumber.enrolment("uid:41111111111111"), .loyalty(normalised: "uid:41111111111111", symbology: .nfcUID))
    }

    /// `[cards] allow_prefixes`: the shop's own numbers in a brand's range pass; nothing else does.
    func testAnAllowedPrefixLetsTheShopsOwnNumbersThrough() throws {
        let own = "6012345000000002"
        XCTAssertTrue(PaymentCardRanges.isPaymentCard(own), "Maestro/Discover range, Luhn-valid")
        XCTAssertEqual(CardNumber.classify(own), .paymentCard)
        let exemptions = try XCTUnwrap(PaymentCardExemptions(prefixes: ["6012345"]))
        XCTAssertEqual(CardNumber.classify(own, exempting: exemptions), .loyalty(normalised: own, symbology: .numeric))
        XCTAssertEqual(CardNumber.classify(";\(own)=2512?", exempting: exemptions), .loyalty(normalised: own, symbology: .track2))
        XCTAssertEqual(CardNumber.enrolment(own, exempting: exemptions), .loyalty(normalised: own, symbology: .numeric))
        // Other payment cards stay payment cards.
        XCTAssertEqual(CardNumber.classify("4111 1111 1111 1111", exempting: exemptions), .paymentCard)
        XCTAssertEqual(CardNumber.classify("6011111111111117", exempting: exemptions), .paymentCard)
        // A prefix too short to be an issuer's would let whole brands through: refused.
        XCTAssertNil(PaymentCardExemptions(prefixes: ["4"]))
        XCTAssertNil(PaymentCardExemptions(prefixes: ["60123x"]))
        XCTAssertNil(PaymentCardExemptions(prefixes: ["1234567890123456789"]))
    }

    /// Any Luhn-valid number in any brand's range, of a length that brand issues, in any framing,
    /// is a payment card. Seeded: a failure prints the seed to run it again.
    func testRandomPANsInEveryBrandsRangeAreDroppedInAnyFraming() {
        var rng = TestSeed.generator(for: self)
        for _ in 0..<3_000 {
            let row = PaymentCardRanges.table.randomElement(using: &rng)!
            let lengths = row.lengths.filter { !row.gaps.contains($0) }
            let length = lengths.randomElement(using: &rng)!
            let prefix = String(Int.random(in: row.low...row.high, using: &rng))
            var body = prefix
            while body.count < length - 1 { body += String(Int.random(in: 0...9, using: &rng)) }
            let pan = body + String(Self.luhnCheckDigit(body))
            XCTAssertTrue(PaymentCardRanges.isPaymentCard(pan), "\(row.brand) \(pan)")
            let framings = Self.framings(pan)
            let framing = framings.randomElement(using: &rng)!
            XCTAssertEqual(CardNumber.classify(framing), .paymentCard, "\(row.brand) as \(framing.debugDescription)")
            XCTAssertEqual(CardNumber.enrolment(framing), .paymentCard, "\(row.brand) at enrolment")
        }
    }

    /// A rejection or a drop never repeats the number.
    func testNothingPrintedRepeatsThePAN() {
        for (_, pan) in Self.publishedTestPANs {
            for framing in Self.framings(pan) {
                let code = CardNumber.classify(framing)
                XCTAssertFalse("\(code) \(String(reflecting: code))".contains(pan.prefix(6)))
            }
        }
    }

    static func luhnCheckDigit(_ body: String) -> Int {
        var sum = 0
        for (i, c) in body.reversed().enumerated() {
            var d = Int(c.asciiValue! - 48)
            if i % 2 == 0 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return (10 - sum % 10) % 10
    }
}
