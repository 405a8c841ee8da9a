import PostgresNIO

/// A one-dimensional PostgreSQL array bound as one parameter in binary form, whose elements may
/// be NULL. Why by hand: postgres-nio encodes `[String]` and `[ByteBuffer]` but no array with
/// NULL elements, and a shipped ledger entry's customer, till or detail is often absent. With it,
/// a batch of entries goes as one `INSERT … SELECT FROM unnest($1, $2, …)`: no JSON to write
/// here and parse again in the server.
struct ChainArrayParameter: PostgresDynamicTypeEncodable {
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private let elementType: PostgresDataType
    private var elements = ByteBuffer()
    private var count: Int32 = 0

    /// A text[] of these strings (nil: NULL).
    static func text<S: Sequence>(_ values: S) -> ChainArrayParameter where S.Element == String? {
        var a = ChainArrayParameter(array: .textArray, element: .text)
        for v in values {
            if let v { a.append(utf8: v) } else { a.appendNull() }
        }
        return a
    }

    /// A bytea[] of these byte strings.
    static func bytea<S: Sequence>(_ values: S) -> ChainArrayParameter where S.Element == [UInt8] {
        var a = ChainArrayParameter(array: .byteaArray, element: .bytea)
        for v in values {
            a.elements.writeInteger(Int32(v.count))
            a.elements.writeBytes(v)
            a.count += 1
        }
        return a
    }

    private init(array: PostgresDataType, element: PostgresDataType) {
        psqlType = array
        elementType = element
    }

    private mutating func append(utf8 s: String) {
        let lengthAt = elements.writerIndex
        elements.writeInteger(Int32(0))
        let n = elements.writeString(s)
        elements.setInteger(Int32(n), at: lengthAt)
        count += 1
    }

    private mutating func appendNull() {
        elements.writeInteger(Int32(-1))
        count += 1
    }

    /// array_recv's layout: dimensions, has-nulls flag (ignored by the server), element type,
    /// then per dimension its length and lower bound, then each element as length (-1: NULL) and bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(count == 0 ? Int32(0) : 1)
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(elementType.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(count)
        buffer.writeInteger(Int32(1))
        var copy = elements
        buffer.writeBuffer(&copy)
    }
}
