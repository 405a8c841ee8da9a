/// `[radio] kernel_channel`: how an `hciN` transport opens a kernel adapter.
public enum KernelChannel: String, Sendable, CaseIterable {
    /// A raw HCI socket with a filter: shares the adapter with BlueZ (it must be up, as
    /// bluetoothd keeps it); needs CAP_NET_RAW.
    case raw
    /// The HCI user channel: the adapter exclusively, as if on a UART (it must be down in BlueZ,
    /// `btmgmt power off`); needs CAP_NET_ADMIN.
    case user
    /// The raw socket first; the user channel when the raw socket cannot scan (adapter down).
    case rawThenUser = "raw-then-user"
}
