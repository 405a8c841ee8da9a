import CQRencode

/// A QR code as an inline SVG, for the desk's one-time key (`welkom-wlk1:` URI). Encoded by
/// Debian's libqrencode (error correction M, 8-bit mode, smallest version that fits); the SVG
/// is one path of dark modules on a white square with the four-module quiet zone scanners need.
enum QRCodeSVG {
    /// Nil when libqrencode refuses the text (too long for any version).
    static func render(_ text: String, moduleSize: Int = 8) -> String? {
        let bytes = Array(text.utf8)
        guard let code = bytes.withUnsafeBufferPointer({ buffer in
            QRcode_encodeData(Int32(buffer.count), buffer.baseAddress, 0, QR_ECLEVEL_M)
        }) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        let side = (width + 2 * quiet) * moduleSize
        var path = ""
        for y in 0..<width {
            for x in 0..<width where code.pointee.data[y * width + x] & 1 == 1 {
                path += "M\((x + quiet) * moduleSize) \((y + quiet) * moduleSize)h\(moduleSize)v\(moduleSize)h-\(moduleSize)z"
            }
        }
        return #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(side)" height="\#(side)" viewBox="0 0 \#(side) \#(side)" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="\#(side)" height="\#(side)" fill="white"/><path fill="black" d="\#(path)"/></svg>"#
    }
}
