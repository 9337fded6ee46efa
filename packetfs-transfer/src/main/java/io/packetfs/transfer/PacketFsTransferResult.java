package io.packetfs.transfer;

import java.time.Duration;

/**
 * How one side's transfer went: its figures, whether it ended verified or failed. A sender's wire figures count what
 * it sent, a receiver's what it received.
 *
 * @param ok          the receiver verified size and SHA-256 and renamed the file into place
 * @param message     what happened, for people ("receiver verified the file: ...", or why it failed)
 * @param fileBytes   file bytes sent or written
 * @param wireBytes   PacketFS frame bytes on the wire (UDP payloads, or Ethernet payloads on Layer 2), padding included
 * @param frames      frames sent or received
 * @param references  references encoded (the sender), 0 for a receiver
 * @param elapsed     from the first HELLO (the sender) or the FILE unit (the receiver) to the end
 * @param handshake   of {@code elapsed} (the sender): HELLO until the receiver answered; zero when unknown
 * @param data        of {@code elapsed} (the sender): the file's data until END; zero when unknown
 * @param closing     of {@code elapsed} (the sender): END until the receiver's verdict; zero when unknown
 * @param sha256      the file's SHA-256 (32 bytes), or an empty array when the transfer did not get that far
 * @param repair      what reliable delivery did, or null (unreliable)
 * @param congestion  what congestion control did (the sender, reliable), or null
 */
public record PacketFsTransferResult(boolean ok, String message, long fileBytes, long wireBytes, long frames,
                                     long references, Duration elapsed, Duration handshake, Duration data,
                                     Duration closing, byte[] sha256, Repair repair, Congestion congestion) {

    /** A copy of the digest. */
    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** The digest in lowercase hex, as {@code sha256sum} prints it ("" when there is none). */
    public String sha256Hex() {
        return hex(sha256);
    }

    /** Wire bytes per file byte (0 for an empty file). */
    public double wireRatio() {
        return fileBytes == 0 ? 0 : (double) wireBytes / fileBytes;
    }

    /** File bytes per second over {@link #elapsed()}. */
    public double bytesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : fileBytes / s;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(2 * b.length);
        for (byte x : b) {
            sb.append(Character.forDigit((x >>> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    /**
     * Reliable delivery's counters (docs/PROTOCOL.md 9), and the transport adapter's.
     *
     * @param framesSent             first transmissions
     * @param retransmitted          repairs sent
     * @param bytesRetransmitted     their wire bytes
     * @param timeouts               retransmission timeouts
     * @param nacksSent              NACK units sent
     * @param nacksReceived          NACK units received
     * @param duplicatesDropped      frames received twice
     * @param corruptDropped         frames whose CRC32C failed
     * @param otherSessionDropped    frames of another session
     * @param invalidDropped         malformed frames
     * @param beyondWindowDropped    frames beyond the receive window
     * @param fromOtherHosts         frames or datagrams from someone other than the peer (the adapter)
     * @param paddingBytes           zeros the UDP adapter added for segmentation offload (part of the wire bytes)
     * @param firstTransmissionBytes wire bytes of first transmissions
     */
    public record Repair(long framesSent, long retransmitted, long bytesRetransmitted, long timeouts, long nacksSent,
                         long nacksReceived, long duplicatesDropped, long corruptDropped, long otherSessionDropped,
                         long invalidDropped, long beyondWindowDropped, long fromOtherHosts, long paddingBytes,
                         long firstTransmissionBytes) {
    }

    /**
     * The congestion controller at the end (docs/PROTOCOL.md 9.5).
     *
     * @param windowBytes      congestion window, {@link Long#MAX_VALUE} when there is none
     * @param pacingRate       bytes per second, 0 when not paced
     * @param smoothedRtt      smoothed round trip, or null before the first sample
     * @param minRtt           smallest round trip seen, or null
     * @param lossRate         frames lost per frame sent
     * @param framesLost       frames reported lost
     * @param events           congestion events, or -1 when the controller does not count them
     * @param pacerWaits       times the pacer held frames back
     * @param windowWaits      times the congestion window held frames back
     */
    public record Congestion(long windowBytes, long pacingRate, Duration smoothedRtt, Duration minRtt,
                             double lossRate, long framesLost, long events, long pacerWaits, long windowWaits) {
    }
}
