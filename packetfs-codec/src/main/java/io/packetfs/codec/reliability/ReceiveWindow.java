package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;

/**
 * The receiving half's window (docs/PROTOCOL.md 9.1 and 9.3): the frames held ahead of a gap, by sequence number in a
 * power-of-two ring, and for every missing frame when it went missing and when it was last asked for; with the
 * gap scan that decides which gaps are due for a NACK. {@link PacketFsReliability} owns the frames' lifecycle
 * (delivery, release) and builds the NACK units; this class only keeps the books. Preallocated arrays and plain
 * fields: it lives on one event loop and allocates nothing per frame.
 */
final class ReceiveWindow {

    /** Where the gap scan puts the gaps that are due: the NACK being built. */
    interface GapRequests {

        /** Whether this scan may ask for another gap (it has NACK frames left). */
        boolean open();

        /** Asks for the frame {@code seq} (already marked requested here). */
        void request(int seq);
    }

    private final ByteBuf[] slots;
    private final long[] missingSince;
    private final long[] nackedAt;
    private final boolean[] nacked;
    private final int mask;
    /** The next sequence to deliver: every frame below it was passed up. */
    private int next;
    /** One more than the highest sequence received. */
    private int highest;
    /** Every gap below this sequence (and at or above next) has been requested at least once. */
    private int scanFrom;
    /** No requested gap is due to be requested again before this time. */
    private long renackDueNanos = Long.MAX_VALUE;

    /** A window that holds up to {@code frames} frames ahead of the next to deliver. */
    ReceiveWindow(int frames) {
        int size = Integer.highestOneBit(Math.max(2, frames - 1)) << 1;
        this.slots = new ByteBuf[size];
        this.missingSince = new long[size];
        this.nackedAt = new long[size];
        this.nacked = new boolean[size];
        this.mask = size - 1;
    }

    /** The next sequence to deliver. */
    int next() {
        return next;
    }

    /** One more than the highest sequence received. */
    int highest() {
        return highest;
    }

    /** Whether a frame is missing below the highest received. */
    boolean hasGap() {
        return highest - next > 0;
    }

    /**
     * Frame {@code seq} (not below {@link #next()}) arrived at {@code now}: when it is the newest, the frames between
     * the previous newest and it go missing from now on, and true is returned.
     */
    boolean arrived(int seq, long now) {
        int slot = seq & mask;
        if (seq - highest >= 0) {
            for (int s = highest; s != seq; s++) {
                int hole = s & mask;
                missingSince[hole] = now;
                nacked[hole] = false;
            }
            nacked[slot] = false;
            highest = seq + 1;
            return true;
        }
        return false;
    }

    /**
     * How long ago frame {@code seq}, which just arrived and is not held, was asked for ({@code -1}: it was not, or
     * it is held already); it counts as requested no more.
     */
    long repairedAfter(int seq, long now) {
        int slot = seq & mask;
        if (nacked[slot] && slots[slot] == null) {
            nacked[slot] = false;
            return now - nackedAt[slot];
        }
        return -1;
    }

    /** Whether frame {@code seq} is held. */
    boolean holds(int seq) {
        return slots[seq & mask] != null;
    }

    /** Holds {@code frame} (sequence {@code seq}, ahead of a gap) until the frames before it arrive. */
    void hold(int seq, ByteBuf frame) {
        slots[seq & mask] = frame;
    }

    /** The next frame to deliver arrived and is passed up. */
    void delivered() {
        next++;
    }

    /** The held frame that is next in order, which is then delivered, or null when it is missing. */
    ByteBuf takeNext() {
        int slot = next & mask;
        ByteBuf frame = slots[slot];
        if (frame != null) {
            slots[slot] = null;
            next++;
        }
        return frame;
    }

    /** The number of frames held now. */
    int framesHeld() {
        int n = 0;
        for (ByteBuf b : slots) {
            if (b != null) {
                n++;
            }
        }
        return n;
    }

    /** Releases every frame held. */
    void releaseAll() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                slots[i].release();
                slots[i] = null;
            }
        }
    }

    /**
     * Asks {@code requests} for every gap that is due (see {@link PacketFsReliability}'s class javadoc). Called after
     * every read batch, so it costs O(frames that arrived since) and not O(open gaps): gaps requested before are
     * walked again only when the earliest of them is due ({@link #renackDueNanos}), after {@code interval}, and new
     * gaps are walked from {@link #scanFrom}, stopping at the first that is not due (neither missing for
     * {@code nackDelayNanos} nor passed by {@code reorderThreshold} later frames; the ones after it are younger and
     * fewer frames follow them).
     */
    void scan(long now, long interval, long nackDelayNanos, int reorderThreshold, GapRequests requests) {
        if (scanFrom - next < 0) {
            scanFrom = next;
        }
        if (now - renackDueNanos >= 0) {
            long earliest = Long.MAX_VALUE;
            for (int s = next; s != scanFrom && requests.open(); s++) {
                int slot = s & mask;
                if (slots[slot] != null || !nacked[slot]) {
                    continue;
                }
                if (now - nackedAt[slot] >= interval) {
                    request(s, now, requests);
                    earliest = Math.min(earliest, now + interval);
                } else {
                    earliest = Math.min(earliest, nackedAt[slot] + interval);
                }
            }
            // a scan cut short by the frame limit leaves gaps unvisited: look again at the next batch
            renackDueNanos = requests.open() ? earliest : now;
        }
        int s = scanFrom;
        for (; s != highest && requests.open(); s++) {
            int slot = s & mask;
            if (slots[slot] != null) {
                continue;
            }
            if (now - missingSince[slot] < nackDelayNanos && highest - 1 - s < reorderThreshold) {
                break; // neither old enough nor passed by enough frames, and every later gap even less so
            }
            request(s, now, requests);
            renackDueNanos = Math.min(renackDueNanos, now + interval);
        }
        scanFrom = s;
    }

    private void request(int seq, long now, GapRequests requests) {
        int slot = seq & mask;
        nacked[slot] = true;
        nackedAt[slot] = now;
        requests.request(seq);
    }
}
