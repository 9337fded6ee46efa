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

    /** Records what the reliability handler of {@code ch} did, if there is one. */
    void recordRepair(io.netty.channel.Channel ch) {
        io.packetfs.codec.PacketFsReliability r = Transfers.reliabilityOf(ch);
        io.packetfs.transport.PacketFsUdpAdapter udp = ch.pipeline().get(io.packetfs.transport.PacketFsUdpAdapter.class);
        io.packetfs.transport.PacketFsEthernetAdapter l2 =
                ch.pipeline().get(io.packetfs.transport.PacketFsEthernetAdapter.class);
        foreignFrames = udp != null ? udp.foreignDatagrams() : l2 != null ? l2.foreignFrames() : 0;
        if (udp != null) {
            // zeros after frames so that a segmented send's datagrams have one size: on the wire too
            paddingBytes = udp.paddingBytes();
            wireBytes += paddingBytes;
        }
        if (r != null) {
            repair = String.format("frames sent %,d, retransmitted %,d (%,d bytes, %,d timeouts); NACKs sent %,d, received %,d; "
                            + "dropped: duplicate %,d, corrupt %,d, other session %,d, invalid %,d, beyond window %,d",
                    r.framesSent(), r.framesRetransmitted(), r.bytesRetransmitted(), r.retransmitTimeouts(), r.nacksSent(),
                    r.nacksReceived(),
                    r.duplicatesDropped(), r.corruptDropped(), r.foreignDropped(), r.invalidDropped(),
                    r.overflowDropped()) + String.format(", from other hosts %,d", foreignFrames)
                    + (paddingBytes == 0 ? "" : String.format("; padding for segmentation offload %,d bytes",
                    paddingBytes));
            retransmitted = r.framesRetransmitted();
            nacksSent = r.nacksSent();
            timeouts = r.retransmitTimeouts();
            firstTransmissionBytes = r.bytesSent();
            corruptDropped = r.corruptDropped();
            invalidDropped = r.invalidDropped();
            duplicatesDropped = r.duplicatesDropped();
        }
    }

    /** Records the congestion controller's state at the end (call on the sender, in reliable mode). */
    void recordCongestion(io.netty.channel.Channel ch) {
        io.packetfs.codec.PacketFsReliability r = Transfers.reliabilityOf(ch);
        if (r == null) {
            return;
        }
        congestionWindow = r.congestionWindow();
        pacingRate = r.pacingRate();
        smoothedRttMillis = r.smoothedRttNanos() < 0 ? -1 : r.smoothedRttNanos() / 1e6;
        lossRate = r.lossRate();
        long counted = r.congestionControl().congestionEvents();
        String events = counted < 0 ? "" : String.format(", %,d congestion events", counted);
        congestion = String.format("congestion window %s, pacing %s, smoothed RTT %s (min %s), loss %.3f %% "
                        + "(%,d frames)%s; paced %,d times, window-limited %,d times",
                congestionWindow == Long.MAX_VALUE ? "none" : String.format("%,d bytes", congestionWindow),
                pacingRate == 0 ? "off" : String.format("%.1f MB/s", pacingRate / 1e6),
                smoothedRttMillis < 0 ? "-" : String.format("%.2f ms", smoothedRttMillis),
                r.minRttNanos() < 0 ? "-" : String.format("%.2f ms", r.minRttNanos() / 1e6),
                100 * lossRate, r.framesLost(), events, r.pacerWaits(), r.congestionWindowWaits());
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
