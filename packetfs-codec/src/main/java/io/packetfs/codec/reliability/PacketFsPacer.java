package io.packetfs.codec.reliability;

/**
 * Spreads frames out in time at a rate (docs/PROTOCOL.md 9.5): a frame may leave when the pacer's clock has reached
 * now, and each frame moves that clock on by its size over the rate. After a pause the clock is
 * at most the burst time behind now, so at most that much time's worth of bytes leaves at once (the event
 * loop's timer cannot wake it for every frame; a burst of a quarter millisecond at the path's rate is what the
 * bottleneck's queue must absorb). Rate 0 means unpaced. Plain fields: it lives on one event loop; nothing here
 * allocates.
 */
final class PacketFsPacer {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long burstNanos;
    private final int minBurstBytes;
    private long rate;
    private long next;
    private boolean sent;

    /**
     * A pacer that lets at most {@code burstNanos} of sending (and never less than {@code minBurstBytes}) leave at
     * once.
     */
    PacketFsPacer(long burstNanos, int minBurstBytes) {
        if (burstNanos < 0 || minBurstBytes < 0) {
            throw new IllegalArgumentException("burst must not be negative: " + burstNanos + " ns, " + minBurstBytes
                    + " bytes");
        }
        this.burstNanos = burstNanos;
        this.minBurstBytes = minBurstBytes;
    }

    /** Sets the rate in bytes per second (0: unpaced). */
    void rate(long bytesPerSecond) {
        this.rate = Math.max(0, bytesPerSecond);
    }

    /** The rate in bytes per second (0: unpaced). */
    long rate() {
        return rate;
    }

    /** Nanoseconds until a frame may leave: 0 when it may leave now. */
    long delayNanos(long now) {
        if (rate == 0 || !sent) {
            return 0;
        }
        long wait = next - now;
        return wait > 0 ? wait : 0;
    }

    /** A frame of {@code bytes} left at {@code now}. */
    void onSend(long now, int bytes) {
        if (rate == 0) {
            return;
        }
        long credit = Math.max(burstNanos, bytesToNanos(minBurstBytes));
        long from = !sent || next - (now - credit) < 0 ? now - credit : next;
        sent = true;
        next = from + bytesToNanos(bytes);
    }

    private long bytesToNanos(long bytes) {
        // bytes * 1e9 / rate without overflow for any frame size and rates from 1 B/s up
        return bytes >= Long.MAX_VALUE / NANOS_PER_SECOND ? Long.MAX_VALUE / 4 : bytes * NANOS_PER_SECOND / rate;
    }
}
