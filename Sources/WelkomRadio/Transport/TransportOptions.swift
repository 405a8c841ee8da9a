/// What a transport needs beyond its spec, from `[radio]`: serial flow control and how a kernel
/// adapter is opened. (`welkom scan` has flags for both.)
public struct TransportOptions: Sendable, Equatable {
    /// RTS/CTS on serial transports.
    public var flowControl: Bool
    public var kernelChannel: KernelSocketChannel

    public init(flowControl: Bool = true, kernelChannel: KernelSocketChannel = .raw) {
        self.flowControl = flowControl
        self.kernelChannel = kernelChannel
    }
}

/// How `hciN` is opened (config `[radio] kernel_channel`).
public enum KernelSocketChannel: String, Sendable, CaseIterable {
    /// A raw HCI socket with a filter, alongside BlueZ: no reset, the adapter stays BlueZ's.
    case raw
    /// The HCI user channel: exclusive, driven like a UART controller (reset and all).
    case user
    /// Raw, falling back to the user channel when the adapter is down.
    case rawThenUser = "raw-then-user"
}
