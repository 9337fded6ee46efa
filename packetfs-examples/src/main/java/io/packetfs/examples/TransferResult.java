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
    /** Wire bytes of first transmissions (reliable mode), or -1. */
    long firstTransmissionBytes = -1;

    /** Records what the reliability handler of {@code ch} did, if there is one. */
    void recordRepair(io.netty.channel.Channel ch) {
        io.packetfs.codec.PacketFsReliability r = Transfers.reliabilityOf(ch);
        io.packetfs.transport.PacketFsUdpAdapter udp = ch.pipeline().get(io.packetfs.transport.PacketFsUdpAdapter.class);
        io.packetfs.transport.PacketFsEthernetAdapter l2 =
                ch.pipeline().get(io.packetfs.transport.PacketFsEthernetAdapter.class);
        foreignFrames = udp != null ? udp.foreignDatagrams() : l2 != null ? l2.foreignFrames() : 0;
        if (r != null) {
            repair = String.format("frames sent %,d, retransmitted %,d (%,d bytes, %,d timeouts); NACKs sent %,d, received %,d; "
                            + "dropped: duplicate %,d, corrupt %,d, other session %,d, invalid %,d, beyond window %,d",
                    r.framesSent(), r.framesRetransmitted(), r.bytesRetransmitted(), r.retransmitTimeouts(), r.nacksSent(),
                    r.nacksReceived(),
                    r.duplicatesDropped(), r.corruptDropped(), r.foreignDropped(), r.invalidDropped(),
                    r.overflowDropped()) + String.format(", from other hosts %,d", foreignFrames);
            retransmitted = r.framesRetransmitted();
            nacksSent = r.nacksSent();
            timeouts = r.retransmitTimeouts();
            firstTransmissionBytes = r.bytesSent();
            corruptDropped = r.corruptDropped();
            invalidDropped = r.invalidDropped();
            duplicatesDropped = r.duplicatesDropped();
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
                + (repair == null ? "" : String.format("%n%s: %s", who, repair));
    }
}
