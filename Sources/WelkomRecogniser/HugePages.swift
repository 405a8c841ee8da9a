import CWelkomAES

/// Transparent huge pages for the arrays a hit reads at a random slot: with 4 KiB pages each such
/// read is also a TLB miss (and a costly nested page walk in a VM). Advice only: where the kernel
/// has no huge pages both calls do nothing.
enum HugePages {
    /// Advises huge pages for the array's whole capacity: call after `reserveCapacity`, before the
    /// appends first touch the pages.
    static func advise<T>(_ array: inout [T]) {
        let bytes = array.capacity * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { welkom_advise_huge_pages($0.baseAddress, bytes) }
    }

    /// Asks the kernel to back the filled part of the array with huge pages now, not eventually.
    static func collapse<T>(_ array: inout [T]) {
        let bytes = array.count * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { welkom_collapse_huge_pages($0.baseAddress, bytes) }
    }
}
