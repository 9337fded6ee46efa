package io.packetfs.codec.reliability;

/**
 * Decides how much a reliable sender may have in flight and how fast its frames leave (docs/PROTOCOL.md 9.5). Loss
 * detection, retransmission and round-trip measurement stay in {@link PacketFsReliability}; it tells the controller
 * what happened through these callbacks, all on the channel's event loop, with times from the event loop's clock
 * (nanoseconds) and sizes in wire bytes. A controller holds the state of one session: the factory makes one per
 * handler.
 * <p>
 * The default is {@link PacketFsCubic} (CUBIC, RFC 9438, with HyStart++ slow start, RFC 9406, and pacing);
 * {@link #unlimited()} turns congestion control off (flow control and a rate cap still apply).
 */
public interface PacketFsCongestionControl {

    /** Makes the controller of one session. */
    @FunctionalInterface
    interface Factory {
        /** A controller for frames of at most {@code maxFrameBytes} wire bytes. */
        PacketFsCongestionControl newController(int maxFrameBytes);
    }

    /** Bytes that may be in flight (sent and not yet reported received, repairs included). */
    long congestionWindow();

    /**
     * Bytes per second the pacer lets out, given the smoothed round trip ({@code -1} before the first sample);
     * 0 for unpaced.
     */
    long pacingRate(long smoothedRttNanos);

    /**
     * The peer reported {@code ackedBytes} more bytes received. {@code rttSampleNanos} is a round-trip sample taken
     * from this report ({@code -1}: none); {@code newestSentNanos} is when the newest frame it covers was first sent;
     * {@code cwndLimited} says whether the window, not the application, limited sending since the previous report
     * (a controller should not grow a window the sender does not fill).
     */
    void onAck(long now, long ackedBytes, long rttSampleNanos, long smoothedRttNanos, long newestSentNanos,
               boolean cwndLimited);

    /**
     * A frame first sent at {@code sentNanos} was reported lost (the peer asked for it again). A controller treats
     * the losses of one round trip as one congestion event.
     */
    void onLoss(long now, long sentNanos);

    /** The retransmission timeout expired: nothing was acknowledged for a whole timeout. */
    void onRetransmitTimeout(long now);

    /** Whether the controller is in slow start (for metrics and tests). */
    default boolean inSlowStart() {
        return false;
    }

    /** Congestion events the controller has answered so far (for summaries and metrics); -1 if it does not count. */
    default long congestionEvents() {
        return -1;
    }

    /** A factory of controllers that never limit: no congestion window, no pacing. */
    static Factory unlimited() {
        return maxFrameBytes -> new PacketFsCongestionControl() {
            @Override
            public long congestionWindow() {
                return Long.MAX_VALUE;
            }

            @Override
            public long pacingRate(long smoothedRttNanos) {
                return 0;
            }

            @Override
            public void onAck(long now, long ackedBytes, long rttSampleNanos, long smoothedRttNanos,
                              long newestSentNanos, boolean cwndLimited) {
                // never limits
            }

            @Override
            public void onLoss(long now, long sentNanos) {
                // never limits
            }

            @Override
            public void onRetransmitTimeout(long now) {
                // never limits
            }

            @Override
            public String toString() {
                return "unlimited";
            }
        };
    }
}
