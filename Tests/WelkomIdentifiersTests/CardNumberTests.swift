import XCTest
import WelkomIdentifiers

/// docs/identifiers.md (loyalty cards): what a reader delivers → normalised number, payment card, or a
/// rejection that does not repeat the code.
final class CardNumberTests: XCTestCase {
    private let visaTestPAN = "4111111111111111"

    // MARK: Check digits

    func testEAN13CheckDigitOfKnownBarcodes() {
        // 8712345678906 (docs/test-rigs.md): 8+1+3+5+7+9 = 33, 3·(7+2+4+6+8+0) = 81, 114 → 6.
        XCTAssertEqual(CardNumber.ean13CheckDigit([8, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0] as [UInt8]), 6)
        // 4006381333931, the classic example: 20 + 3·23 = 89 → 1.
        XCTAssertEqual(CardNumber.ean13CheckDigit([4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3] as [UInt8]), 1)
        // The same weights from the right check EAN-8: 9638507|4.
        XCTAssertEqual(CardNumber.ean13CheckDigit([9, 6, 3, 8, 5, 0, 7] as [UInt8]), 4)
        // Out-of-range values do not trap.
        XCTAssertEqual(CardNumber.ean13CheckDigit([255, 255] as [UInt8]), CardNumber.ean13CheckDigit([5, 5] as [UInt8]))
    }

    func testLuhn() {
        XCTAssertTrue(CardNumber.luhnValid("4111111111111111"))
        XCTAssertTrue(CardNumber.luhnValid("5555555555554444"))
        XCTAssertTrue(CardNumber.luhnValid("79927398713"))
        XCTAssertFalse(CardNumber.luhnValid("4111111111111112"))
        XCTAssertFalse(CardNumber.luhnValid("79927398710"))
        XCTAssertFalse(CardNumber.luhnValid(""))
        XCTAssertFalse(CardNumber.luhnValid("4111 1111 1111 1111"))
        XCTAssertFalse(CardNumber.luhnValid("41x1"))
    }

    // MARK: EAN

    func testValidEAN13() {
        XCTAssertEqual(CardNumber.classify("8712345678906"), .loyalty(normalised: "8712345678906", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify("4006381333931\r\n"), .loyalty(normalised: "4006381333931", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify("  4006381333931 \r"), .loyalty(normalised: "4006381333931", symbology: .ean13))
    }

    func testEAN13WithBadCheckDigitSaysWhatIsWrong() {
        let code = CardNumber.classify("8712345678903\n")
        XCTAssertEqual(code, .invalid(.checkDigit(symbology: .ean13, found: 3, expected: 6)))
        guard case .invalid(let problem) = code else { return XCTFail("\(code)") }
        XCTAssertEqual(problem.description, "EAN-13 check digit is 3, expected 6")
    }

    func testEAN8() {
        XCTAssertEqual(CardNumber.classify("96385074"), .loyalty(normalised: "96385074", symbology: .ean8))
        XCTAssertEqual(CardNumber.classify("96385071"), .invalid(.checkDigit(symbology: .ean8, found: 1, expected: 4)))
    }

    func testAIMSymbologyIdentifier() {
        // ]E0 = EAN-13: the modifier digit is not part of the number.
        XCTAssertEqual(CardNumber.classify("]E08712345678906"), .loyalty(normalised: "8712345678906", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify("]E496385074"), .loyalty(normalised: "96385074", symbology: .ean8))
        // Half an EAN, as the scanner itself labels it: rejected.
        XCTAssertEqual(CardNumber.classify("]E0871234567"), .invalid(.eanLength(digits: 9)))
        // ]C0 = Code 128: generic rules after the prefix.
        XCTAssertEqual(CardNumber.classify("]C0123456789"), .loyalty(normalised: "123456789", symbology: .numeric))
    }

    // MARK: Other barcodes

    func testHalfABarcodeIsNotMistakenForAnEAN() {
        // Nine digits are no EAN-13; without a symbology identifier the spec's rule for
        // all-digit codes applies (numeric barcode, digits alone). Readers discard partial
        // reads themselves (a fragment without line end), see SerialScannerSource.
        XCTAssertEqual(CardNumber.classify("871234567"), .loyalty(normalised: "871234567", symbology: .numeric))
        XCTAssertEqual(CardNumber.classify("871"), .invalid(.tooFewDigits(count: 3, minimum: 4)))
        // Twelve digits are no EAN-13 either, and are not checked as one.
        XCTAssertEqual(CardNumber.classify("871234567890"), .loyalty(normalised: "871234567890", symbology: .numeric))
    }

    func testNumericCodeLengthLimits() {
        XCTAssertEqual(CardNumber.classify("1234"), .loyalty(normalised: "1234", symbology: .numeric))
        let forty = String(repeating: "1234567890", count: 4)
        XCTAssertEqual(CardNumber.classify(forty), .loyalty(normalised: forty, symbology: .numeric))
        XCTAssertEqual(CardNumber.classify(forty + "1"), .invalid(.tooManyDigits(count: 41, maximum: 40)))
        // A Luhn-valid 16-digit number in a card brand's range is a payment card even without a
        // track around it (issue 12); one outside every brand's range is a loyalty number.
        XCTAssertEqual(CardNumber.classify(visaTestPAN), .paymentCard)
        XCTAssertEqual(CardNumber.classify("7000000000000005"), .loyalty(normalised: "7000000000000005", symbology: .numeric))
    }

    func testAlphanumericCodesKeepTheirDigits() {
        XCTAssertEqual(CardNumber.classify("AH-2620-1234-5678"), .loyalty(normalised: "262012345678", symbology: .text))
        XCTAssertEqual(CardNumber.classify("https://example.test/c/00012345"),
                       .loyalty(normalised: "00012345", symbology: .text))
        XCTAssertEqual(CardNumber.classify("hello world"), .invalid(.noDigits(length: 11)))
        XCTAssertEqual(CardNumber.classify("AB12"), .invalid(.tooFewDigits(count: 2, minimum: 4)))
    }

    func testGarbageAndControlCharacters() {
        XCTAssertEqual(CardNumber.classify(""), .invalid(.emptyLine))
        XCTAssertEqual(CardNumber.classify(" \r\n"), .invalid(.emptyLine))
        XCTAssertEqual(CardNumber.classify("8712\u{07}345678906"), .invalid(.controlCharacter(position: 5)))
        XCTAssertEqual(CardNumber.classify("\u{1B}[A8712345678906"), .invalid(.controlCharacter(position: 1)))
        XCTAssertEqual(CardNumber.classify("87\u{1D}12345"), .invalid(.controlCharacter(position: 3)))
        XCTAssertEqual(CardNumber.classify("1234\u{85}5678"), .invalid(.controlCharacter(position: 5)))
        // Positions count from the line as received, leading spaces included.
        XCTAssertEqual(CardNumber.classify("  12\u{00}34"), .invalid(.controlCharacter(position: 5)))
        XCTAssertEqual(CardNumber.classify("ÿþ#@!"), .invalid(.noDigits(length: 5)))
    }

    func testBytesThatAreNotUTF8() {
        XCTAssertEqual(CardNumber.classify(line: [0x38, 0x37, 0xFF, 0x31] as [UInt8]), .invalid(.notUTF8(position: 3)))
        XCTAssertEqual(CardNumber.classify(line: Array("8712345678906\r\n".utf8)),
                       .loyalty(normalised: "8712345678906", symbology: .ean13))
        XCTAssertEqual(CardNumber.classify(line: Array("é1234".utf8)), .loyalty(normalised: "1234", symbology: .text))
        XCTAssertEqual(CardNumber.classify(line: [0xC3, 0xA9, 0xC3] as [UInt8]), .invalid(.notUTF8(position: 3)))
    }

    // MARK: Magnetic stripes

    func testTrack2PaymentCardIsDropped() {
        XCTAssertEqual(CardNumber.classify(";\(visaTestPAN)=25121010000000000000?"), .paymentCard)
        XCTAssertEqual(CardNumber.classify(";5555555555554444=2601201?\r\n"), .paymentCard)
        // Expiry absent ('=' in its place) still carries a service code.
        XCTAssertEqual(CardNumber.classify(";\(visaTestPAN)==101?"), .paymentCard)
        // A reader that strips the sentinels.
        XCTAssertEqual(CardNumber.classify("\(visaTestPAN)=2512101"), .paymentCard)
        // Glued to half a barcode read just before it: still a payment card, never digits.
        XCTAssertEqual(CardNumber.classify("871234567;\(visaTestPAN)=2512101000?"), .paymentCard)
        // Tracks 1 and 2 on one line.
        XCTAssertEqual(CardNumber.classify("%B\(visaTestPAN)^DOE/JANE^2512101?;\(visaTestPAN)=2512101?"), .paymentCard)
    }

    func testTrack2LoyaltyCardGivesThePANDigits() {
        // Not Luhn-valid: a loyalty card with a stripe.
        XCTAssertEqual(CardNumber.classify(";4111111111111112=25121010000?"),
                       .loyalty(normalised: "4111111111111112", symbology: .track2))
        // Short PAN, Luhn-valid but fewer than 13 digits.
        XCTAssertEqual(CardNumber.classify(";79927398713=9912?"), .loyalty(normalised: "79927398713", symbology: .track2))
        // No field separator at all.
        XCTAssertEqual(CardNumber.classify(";700123456789?"), .loyalty(normalised: "700123456789", symbology: .track2))
        // ...but a Luhn-valid 12 digits in Maestro's range (60) is a Maestro PAN (issue 12).
        XCTAssertEqual(CardNumber.classify(";600123456789?"), .paymentCard)
        // Luhn-valid 16 digits but no service code after '=': still a Visa PAN (issue 12).
        XCTAssertEqual(CardNumber.classify(";\(visaTestPAN)=?"), .paymentCard)
    }

    func testMalformedTrack2() {
        XCTAssertEqual(CardNumber.classify(";6001234567=2512"), .invalid(.malformedTrack(track: 2, defect: .noEndSentinel)))
        XCTAssertEqual(CardNumber.classify(";60A1234567=2512?"), .invalid(.malformedTrack(track: 2, defect: .nonDigitInPAN)))
        XCTAssertEqual(CardNumber.classify(";123=2512?"), .invalid(.malformedTrack(track: 2, defect: .panLength)))
        XCTAssertEqual(CardNumber.classify(";?"), .invalid(.malformedTrack(track: 2, defect: .panLength)))
    }

    func testTrack1() {
        XCTAssertEqual(CardNumber.classify("%B\(visaTestPAN)^DOE/JANE^25121010000000000000?"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("%B4111 1111 1111 1111^DOE/JANE^2512101?"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("%B1234567890^DE VRIES/ANNA^?"),
                       .loyalty(normalised: "1234567890", symbology: .track1))
        XCTAssertEqual(CardNumber.classify("%B1234567890^DE VRIES/ANNA^"),
                       .invalid(.malformedTrack(track: 1, defect: .noEndSentinel)))
        XCTAssertEqual(CardNumber.classify("%1234567890^X^?"), .invalid(.malformedTrack(track: 1, defect: .noFormatCode)))
        XCTAssertEqual(CardNumber.classify("%B1234567890?"), .invalid(.malformedTrack(track: 1, defect: .noFieldSeparator)))
    }

    func testWhatScannersPrefixAndStrip() {
        // A HID-POS scanner puts its AIM identifier before QR and Code 128 payloads.
        XCTAssertEqual(CardNumber.classify("]Q1https://example.test/c/00012345"),
                       .loyalty(normalised: "00012345", symbology: .text))
        XCTAssertEqual(CardNumber.classify("]C0AH-2620-1234"), .loyalty(normalised: "26201234", symbology: .text))
        XCTAssertEqual(CardNumber.classify("]C0MEMBER CARD NO. 1234567890123456789012345 OF WELKOM SHOP, UTRECHT"),
                       .loyalty(normalised: "1234567890123456789012345", symbology: .text))
        // A payment card stays one whatever wraps it: an AIM prefix, stripped sentinels, a QR.
        XCTAssertEqual(CardNumber.classify("]E0;\(visaTestPAN)=25121010000000000000?"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("\(visaTestPAN)=25121010000000000000"), .paymentCard)
        XCTAssertEqual(CardNumber.classify("]Q1pay:%B\(visaTestPAN)^DOE/JANE^2512101?"), .paymentCard)
    }

    func testReaderProblemsNameNoCode() {
        XCTAssertEqual(CardCodeProblem.unmappedKey(position: 3).description,
                       "a key at position 3 types nothing in the configured keyboard layout")
        XCTAssertEqual(CardCodeProblem.malformedReport("CCID answer out of sequence").description,
                       "malformed reader report: CCID answer out of sequence")
    }

    // MARK: NFC

    func testNFCUIDSizes() {
        XCTAssertEqual(CardNumber.normaliseNFC(uid: [0x04, 0xA1, 0xB2, 0xC3]),
                       .loyalty(normalised: "uid:04a1b2c3", symbology: .nfcUID))
        XCTAssertEqual(CardNumber.normaliseNFC(uid: [0x04, 0x5A, 0x3B, 0x2C, 0x1D, 0x80, 0xFF]),
                       .loyalty(normalised: "uid:045a3b2c1d80ff", symbology: .nfcUID))
        XCTAssertEqual(CardNumber.normaliseNFC(uid: Array(0..<10)),
                       .loyalty(normalised: "uid:00010203040506070809", symbology: .nfcUID))
        for size in [0, 1, 3, 5, 6, 8, 9, 11, 16] {
            XCTAssertEqual(CardNumber.normaliseNFC(uid: [UInt8](repeating: 0xAB, count: size)),
                           .invalid(.uidLength(bytes: size)), "size \(size)")
        }
    }

    func testEnrolmentAcceptsNFCUIDsThatNoReaderTypes() {
        XCTAssertEqual(CardNumber.enrolment("uid:04A1B2C3"), .loyalty(normalised: "uid:04a1b2c3", symbology: .nfcUID))
        XCTAssertEqual(CardNumber.enrolment(" UID:04112233445566 "),
                       .loyalty(normalised: "uid:04112233445566", symbology: .nfcUID))
        XCTAssertEqual(CardNumber.enrolment("uid:0411223344"), .invalid(.uidLength(bytes: 5)))
        XCTAssertEqual(CardNumber.enrolment("uid:04A1B2C"),
                       .invalid(.malformedReport("an NFC UID is \"uid:\" followed by pairs of hex digits")))
        XCTAssertEqual(CardNumber.enrolment("8712345678906"), .loyalty(normalised: "8712345678906", symbology: .ean13))
        // A reader's text is never an NFC UID: a printed "uid:…" is just a code with digits.
        XCTAssertEqual(CardNumber.classify("uid:04a1b2c3"), .loyalty(normalised: "04123", symbology: .text))
    }

    // MARK: Privacy

    func testNothingPrintableRepeatsTheCode() {
        let inputs = [
            "8712345678903", "96385071", ";60A1234567=2512?", ";6001234567=2512", "%B1234567890?",
            "1234567890\u{07}", String(repeating: "98765", count: 9), "]E0871234567",
            ";\(visaTestPAN)=25121010000?", "%B\(visaTestPAN)^DOE/JANE^2512101?",
        ]
        for input in inputs {
            let code = CardNumber.classify(input)
            let printed = "\(code) \(String(reflecting: code))"
            for run in input.split(whereSeparator: { !$0.isNumber }) where run.count >= 4 {
                XCTAssertFalse(printed.contains(run), "'\(printed)' repeats digits of the input")
            }
            XCTAssertFalse(printed.contains("DOE"))
        }
        // A loyalty number is a possible stranger's too: the description names only the kind.
        XCTAssertEqual("\(CardNumber.classify("8712345678906"))", "loyalty(ean13)")
    }
}
