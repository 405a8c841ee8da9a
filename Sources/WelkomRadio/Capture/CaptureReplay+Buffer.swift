import WelkomCore

extension CaptureReplay {
    /// One record's sightings appended to `out`, read straight from the reader's buffer
    /// (`SightingExtractor.appendSightings`); a packet that path does not judge goes the copying
    /// way, `process`, which counts its anomalies as it always has.
    static func append(_ view: BtsnoopRecordView, reader: BtsnoopReader, extractor: inout SightingExtractor,
                       receiver: String? = nil, into out: inout [Sighting]) {
        guard view.isControllerToHost else { return }
        if !view.isTruncated, let (type, bytes) = reader.h4Packet(of: view),
           extractor.appendSightings(h4Type: type, packet: bytes, at: view.date, receiver: receiver, into: &out) {
            return
        }
        let record = BtsnoopRecord(timestampMicroseconds: view.timestampMicroseconds, flags: view.flags,
                                   originalLength: view.originalLength, cumulativeDrops: view.cumulativeDrops,
                                   data: Array(view.data))
        for var sighting in process(record, reader: reader, extractor: &extractor) {
            sighting.receiver = receiver
            out.append(sighting)
        }
    }
}
