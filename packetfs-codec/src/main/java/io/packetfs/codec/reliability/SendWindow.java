package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;

/**
 * The sending half's window (docs/PROTOCOL.md 9.3 and 9.5): the frames kept for repair until the peer's STATUS
 * covers them, by sequence number in a power-of-two ring, and for every frame when it was first and last sent,
 * whether it was sent again, reported lost or waits for a repair; with the repair queue. Three indexes split the
 * ring: {@link #acked()} (every frame below it was delivered and released), {@link #transmitted()} (every frame below
 * it was sent at least once) and {@link #next()} (the sequence of the next frame written).
 * {@link PacketFsReliability} writes, paces and flushes the frames and keeps the counters; this class only keeps the
 * books. Preallocated arrays and plain fields: it lives on one event loop and allocates nothing per frame.
 */
final class SendWindow {

    private final ByteBuf[] ring;
    private final int mask;
    private final long[] sentAt;
    private final long[] lastTxAt;
    private final boolean[] resent;
    /** For a frame sent again: {@link #transmitted} at that moment (frames from there on left after the repair). */
    private final int[] resentBefore;
    /** Wire bytes of first transmissions once each frame had left (frames in flight are a difference of two). */
    private final long[] bytesAfter;
    /** Whether a frame's repair counts in {@link #repairBytesInFlight}. */
    private final boolean[] repairInFlight;
    /** Whether a frame was reported lost since its first transmission (counted once). */
    private final boolean[] lost;
    /** Whether a frame waits in the repair queue. */
    private final boolean[] repairQueued;
    /** Frames to send again, ahead of new frames (a deque: the oldest frame's repair goes first). */
    private final int[] repairQueue;
    private int repairHead;
    private int repairTail;
    /** The sequence of the next frame written. */
    private int next;
    /** Every frame below it was acknowledged (and released). */
    private int acked;
    /** Every frame below it was sent at least once. */
    private int transmitted;
    /** Bytes of repairs sent and not yet acknowledged (the frames before the peer's newest that it lacks). */
    private long repairBytesInFlight;

    /** A window of {@code frames} frames, a power of two. */
    SendWindow(int frames) {
        this.ring = new ByteBuf[frames];
        this.mask = frames - 1;
        this.sentAt = new long[frames];
        this.lastTxAt = new long[frames];
        this.resent = new boolean[frames];
        this.resentBefore = new int[frames];
        this.bytesAfter = new long[frames];
        this.repairInFlight = new boolean[frames];
        this.lost = new boolean[frames];
        this.repairQueued = new boolean[frames];
        this.repairQueue = new int[frames];
    }

    /** The number of frames the ring holds. */
    int capacity() {
        return ring.length;
    }

    /** The sequence of the next frame written. */
    int next() {
        return next;
    }

    /** Every frame below this sequence was acknowledged. */
    int acked() {
        return acked;
    }

    /** Every frame below this sequence was sent at least once. */
    int transmitted() {
        return transmitted;
    }

    /** Whether the ring holds as many unacknowledged frames as it can. */
    boolean full() {
        return next - acked >= ring.length;
    }

    /** Whether frame {@code seq} was sent and is not acknowledged yet (so it can be sent again). */
    boolean outstanding(int seq) {
        return seq - acked >= 0 && seq - transmitted < 0;
    }

    /** Keeps {@code frame}, already numbered {@link #next()}, until it is acknowledged. */
    void add(ByteBuf frame) {
        ring[next & mask] = frame;
        next++;
    }

    /** The frame {@code seq}, which is kept (not yet acknowledged). */
    ByteBuf frame(int seq) {
        return ring[seq & mask];
    }

    /**
     * The first frame not yet sent, marked as sent for the first time at {@code now} (not sent again, not lost, no
     * repair in flight); {@link #transmittedOne} follows once it was written.
     */
    ByteBuf firstTransmission(long now) {
        int slot = transmitted & mask;
        sentAt[slot] = now;
        lastTxAt[slot] = now;
        resent[slot] = false;
        lost[slot] = false;
        repairInFlight[slot] = false;
        return ring[slot];
    }

    /**
     * The frame {@link #firstTransmission} returned was written; {@code bytesSent}: the wire bytes of every first
     * transmission so far, this one's included.
     */
    void transmittedOne(long bytesSent) {
        bytesAfter[transmitted & mask] = bytesSent;
        transmitted++;
    }

    /** When frame {@code seq} was first sent. */
    long sentAt(int seq) {
        return sentAt[seq & mask];
    }

    /** When frame {@code seq} was last sent (first time or repair). */
    long lastTxAt(int seq) {
        return lastTxAt[seq & mask];
    }

    /** Whether frame {@code seq} was sent again since its first transmission. */
    boolean resent(int seq) {
        return resent[seq & mask];
    }

    /** For frame {@code seq}, sent again: {@link #transmitted()} when it was. */
    int resentBefore(int seq) {
        return resentBefore[seq & mask];
    }

    /** First-transmission bytes sent once frame {@code seq} had left. */
    long bytesAfter(int seq) {
        return bytesAfter[seq & mask];
    }

    /**
     * Frame {@code seq} is sent again at {@code now} (Karn: no round-trip sample from it any more); its bytes count
     * in {@link #repairBytesInFlight()} until it is acknowledged.
     */
    void resend(int seq, long now) {
        int slot = seq & mask;
        resent[slot] = true;
        resentBefore[slot] = transmitted;
        lastTxAt[slot] = now;
        if (!repairInFlight[slot]) {
            repairInFlight[slot] = true;
            repairBytesInFlight += ring[slot].readableBytes();
        }
    }

    /** Bytes of repairs sent and not yet acknowledged. */
    long repairBytesInFlight() {
        return repairBytesInFlight;
    }

    /** Frame {@code seq} was reported lost: true the first time since its first transmission. */
    boolean markLost(int seq) {
        int slot = seq & mask;
        if (lost[slot]) {
            return false;
        }
        lost[slot] = true;
        return true;
    }

    /** Every frame below {@code seq} (above {@link #acked()}, at most {@link #transmitted()}) was delivered. */
    void acknowledge(int seq) {
        for (int s = acked; s != seq; s++) {
            int slot = s & mask;
            if (repairInFlight[slot]) {
                repairInFlight[slot] = false;
                repairBytesInFlight -= ring[slot].readableBytes();
            }
            ring[slot].release();
            ring[slot] = null;
        }
        acked = seq;
    }

    /** Releases every frame kept. */
    void releaseAll() {
        for (int i = 0; i < ring.length; i++) {
            if (ring[i] != null) {
                ring[i].release();
                ring[i] = null;
            }
        }
    }

    // ---- the repair queue ----

    /** Whether frame {@code seq} waits in the repair queue. */
    boolean repairQueued(int seq) {
        return repairQueued[seq & mask];
    }

    /** Queues {@code seq} for a repair (once; {@code first}: ahead of every other repair). */
    void queueRepair(int seq, boolean first) {
        int slot = seq & mask;
        if (repairQueued[slot]) {
            return;
        }
        if (repairTail - repairHead >= repairQueue.length) {
            return; // cannot happen (a frame is queued at most once), but never overwrite the queue
        }
        repairQueued[slot] = true;
        if (first) {
            repairQueue[--repairHead & mask] = seq;
        } else {
            repairQueue[repairTail++ & mask] = seq;
        }
    }

    /** Whether a repair is queued. */
    boolean hasRepair() {
        return repairHead != repairTail;
    }

    /** Takes the next repair from the queue (call only when {@link #hasRepair()}). */
    int pollRepair() {
        int seq = repairQueue[repairHead++ & mask];
        repairQueued[seq & mask] = false;
        return seq;
    }
}
