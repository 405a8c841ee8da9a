#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a system call on a reader's descriptors failed (pipe, poll, read, an ioctl): the call
/// and the system's reason, for logs and `welkom doctor`.
struct SystemCallError: Error, CustomStringConvertible, Equatable {
    var operation: String
    var errno: Int32

    var description: String { "\(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
}
