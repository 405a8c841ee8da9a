#if canImport(Glibc)
import Glibc
#endif

/// Gives memory the process freed back to the kernel. glibc's malloc keeps freed pages of a
/// large, short-lived allocation (loading a million consents) resident unless asked to trim.
/// `malloc_trim` is glibc's own and not in Swift's Glibc module, so it is looked up by name;
/// elsewhere (musl, Darwin) there is nothing to do.
enum ReleaseFreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    static func now() {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
