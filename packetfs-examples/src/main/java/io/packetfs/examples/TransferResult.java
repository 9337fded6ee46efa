package io.packetfs.examples;

/** How a transfer ended, and its figures. */
final class TransferResult {

    boolean ok;
    String message;
    long fileBytes;
    long wireBytes;
    long frames;
    long refs;
    double seconds;
    /** Of {@link #seconds} (the sender; 0 when unknown): HELLO to its answer, file data until END, END to CLOSE. */
    double handshakeSeconds;
    double dataSeconds;
    double closingSeconds;
    /** CPU seconds of the whole process during the transfer (set by bench-goodput only). */
    double cpuSeconds;
    /** Loss repair and drops (reliable mode), or null. */
    String repair;
    long retransmitted;
    /** First transmissions of frames (reliable mode): each passed the codec once, unlike {@link #frames}. */
    long framesSent;
    long corruptDropped;
    long invalidDropped;
    long duplicatesDropped;
    long foreignFrames;
    long nacksSent;
    long timeouts;
    /** What congestion control did (the sender, reliable mode), or null. */
    String congestion;
    long congestionWindow;
    long pacingRate;
    double smoothedRttMillis = -1;
    double lossRate;
    /** Of {@link #wireBytes}: padding the UDP adapter added for segmentation offload (sender). */
    long paddingBytes;
    /** Wire bytes of first transmissions (reliable mode), or -1. */
    long firstTransmissionBytes = -1;

    /** The CLI's view of a transfer's result: the same figures, and the summary lines formatted from them. */
    static TransferResult of(io.packetfs.transfer.PacketFsTransferResult t) {
        TransferResult r = new TransferResult();
        r.ok = t.ok();
        r.message = t.message();
        r.fileBytes = t.fileBytes();
        r.wireBytes = t.wireBytes();
        r.frames = t.frames();
        r.refs = t.references();
        r.seconds = t.elapsed().toNanos() / 1e9;
        r.handshakeSeconds = t.handshake().toNanos() / 1e9;
        r.dataSeconds = t.data().toNanos() / 1e9;
        r.closingSeconds = t.closing().toNanos() / 1e9;
        io.packetfs.transfer.PacketFsTransferResult.Repair p = t.repair();
        if (p != null) {
            r.foreignFrames = p.fromOtherHosts();
            r.paddingBytes = p.paddingBytes();
            r.repair = String.format("frames sent %,d, retransmitted %,d (%,d bytes, %,d timeouts); NACKs sent %,d, "
                            + "received %,d; dropped: duplicate %,d, corrupt %,d, other session %,d, invalid %,d, "
                            + "beyond window %,d, from other hosts %,d",
                    p.framesSent(), p.retransmitted(), p.bytesRetransmitted(), p.timeouts(), p.nacksSent(),
                    p.nacksReceived(), p.duplicatesDropped(), p.corruptDropped(), p.otherSessionDropped(),
                    p.invalidDropped(), p.beyondWindowDropped(), p.fromOtherHosts())
                    + (p.paddingBytes() == 0 ? "" : String.format("; padding for segmentation offload %,d bytes",
                    p.paddingBytes()));
            r.retransmitted = p.retransmitted();
            r.framesSent = p.framesSent();
            r.nacksSent = p.nacksSent();
            r.timeouts = p.timeouts();
            r.firstTransmissionBytes = p.firstTransmissionBytes();
            r.corruptDropped = p.corruptDropped();
            r.invalidDropped = p.invalidDropped();
            r.duplicatesDropped = p.duplicatesDropped();
        }
        io.packetfs.transfer.PacketFsTransferResult.Congestion c = t.congestion();
        if (c != null) {
            r.congestionWindow = c.windowBytes();
            r.pacingRate = c.pacingRate();
            r.smoothedRttMillis = c.smoothedRtt() == null ? -1 : c.smoothedRtt().toNanos() / 1e6;
            r.lossRate = c.lossRate();
            String events = c.events() < 0 ? "" : String.format(", %,d congestion events", c.events());
            r.congestion = String.format("congestion window %s, pacing %s, smoothed RTT %s (min %s), loss %.3f %% "
                            + "(%,d frames)%s; paced %,d times, window-limited %,d times",
                    c.windowBytes() == Long.MAX_VALUE ? "none" : String.format("%,d bytes", c.windowBytes()),
                    c.pacingRate() == 0 ? "off" : String.format("%.1f MB/s", c.pacingRate() / 1e6),
                    c.smoothedRtt() == null ? "-" : String.format("%.2f ms", c.smoothedRtt().toNanos() / 1e6),
                    c.minRtt() == null ? "-" : String.format("%.2f ms", c.minRtt().toNanos() / 1e6),
                    100 * c.lossRate(), c.framesLost(), events, c.pacerWaits(), c.windowWaits());
        }
        return r;
    }

    /**
     * Waits for a transfer's future: its result, or, when it failed with a {@link
     * io.packetfs.transfer.PacketFsTransferException}, the figures of the failed transfer.
     */
    static TransferResult await(java.util.concurrent.Future<io.packetfs.transfer.PacketFsTransferResult> f)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        try {
            return of(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof io.packetfs.transfer.PacketFsTransferException) {
                return of(((io.packetfs.transfer.PacketFsTransferException) e.getCause()).result());
            }
            throw e;
        }
    }

    static TransferResult failure(String message) {
        TransferResult r = new TransferResult();
        r.ok = false;
        r.message = message;
        return r;
    }

    String summary(String who) {
        double secs = Math.max(seconds, 1e-9);
        return String.format("%s: %s%n%s: %,d bytes of file, %,d wire bytes (ratio %.4f, %s), %,d frames, "
                        + "%,.0f frames/s, %,.1f MB/s of file, %.2f s",
                who, message, who, fileBytes, wireBytes, fileBytes == 0 ? 0.0 : (double) wireBytes / fileBytes,
                fileBytes == 0 ? "empty file" : String.format("%.1fx fewer bytes on the wire",
                        (double) fileBytes / Math.max(1, wireBytes)),
                frames, frames / secs, fileBytes / secs / 1e6, seconds)
                + (repair == null ? "" : String.format("%n%s: %s", who, repair))
                + (congestion == null ? "" : String.format("%n%s: %s", who, congestion))
                + (dataSeconds <= 0 ? "" : String.format("%n%s: time: handshake %.3f s, data %.3f s, END to the "
                        + "receiver's verdict (its last frames, SHA-256 check, fsync, rename) %.3f s", who,
                        handshakeSeconds, dataSeconds, closingSeconds));
    }
}
