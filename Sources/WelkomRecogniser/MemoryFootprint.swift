/// Estimates of the bytes a table holds, by capacity rather than count (what the process pays),
/// for `Recogniser.tableMemoryBytes` and the benchmark's bytes per customer.
enum MemoryFootprint {
    static func of<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }

    /// A Dictionary's buckets: key and value, plus about one byte of metadata each.
    static func of<K, V>(_ dictionary: [K: V]) -> Int {
        dictionary.capacity * (MemoryLayout<K>.stride + MemoryLayout<V>.stride + 1)
    }
}
