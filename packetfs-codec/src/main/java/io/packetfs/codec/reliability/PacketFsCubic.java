package io.packetfs.codec.reliability;

/**
 * CUBIC congestion control (RFC 9438) in wire bytes, with HyStart++'s delay test to leave slow start before the
 * bottleneck's queue overflows (RFC 9406), and a pacing rate of the window over the smoothed round trip (twice that
 * in slow start, 1.25 times in congestion avoidance), as Linux paces TCP. docs/PROTOCOL.md 9.5 says why CUBIC.
 * <ul>
 *   <li>Slow start from {@link #INITIAL_WINDOW_FRAMES} frames: the window grows by the bytes acknowledged, while the
 *       sender fills it.</li>
 *   <li>Slow start ends at the first loss, or when a round trip's smallest RTT sample exceeds the previous round's by
 *       a eighth of it (at least 4 ms, at most 16 ms; at least 8 samples a round): the queue is building.</li>
 *   <li>A loss of a frame sent after the last congestion event is a new event: the window drops to 0.7 of itself and
 *       grows back along the cubic curve towards (and past) the window before the event; losses of frames sent
 *       before the event belong to it, and the window does not grow until a frame sent after it is
 *       acknowledged.</li>
 *   <li>A retransmission timeout sets the window to 2 frames and starts slow start again.</li>
 * </ul>
 * Plain fields: one instance per session, on its event loop; nothing here allocates.
 */
public final class PacketFsCubic implements PacketFsCongestionControl {

    /** Frames in the first window (as RFC 6928's initial window of 10 segments). */
    public static final int INITIAL_WINDOW_FRAMES = 10;
    /** The smallest window, in frames. */
    public static final int MIN_WINDOW_FRAMES = 2;
    /** CUBIC's multiplicative decrease (RFC 9438 beta_cubic). */
    static final double BETA = 0.7;
    /** CUBIC's scaling constant, in frames per second cubed (RFC 9438 C). */
    static final double C = 0.4;
    /** The Reno-friendly region's additive increase, in frames per round trip (RFC 9438 alpha_cubic). */
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);
    static final double SLOW_START_PACING_GAIN = 2.0;
    static final double PACING_GAIN = 1.25;
    /** Round-trip assumed for pacing before the first sample. */
    static final long INITIAL_RTT_NANOS = 1_000_000L;
    static final int HYSTART_MIN_SAMPLES = 8;
    static final long HYSTART_MIN_ETA_NANOS = 4_000_000L;
    static final long HYSTART_MAX_ETA_NANOS = 16_000_000L;
    private static final long MAX_WINDOW_BYTES = 1L << 30;

    private final int mss;
    private double cwnd;
    private double ssthresh = Double.MAX_VALUE;
    private double wMax;
    private double wEst;
    private double k;
    private long epochStart;
    private boolean recovering;
    private long recoveryStart;
    private long congestionEvents;
    private long slowStartExitsByDelay;

    // HyStart++ rounds (a round ends when a frame sent after it began is acknowledged)
    private long roundStart = Long.MIN_VALUE;
    private boolean roundStarted;
    private long lastRoundMinRtt = Long.MAX_VALUE;
    private long roundMinRtt = Long.MAX_VALUE;
    private int roundSamples;

    /** A controller for frames of at most {@code maxFrameBytes} wire bytes. */
    public PacketFsCubic(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes must be positive: " + maxFrameBytes);
        }
        this.mss = maxFrameBytes;
        this.cwnd = (double) INITIAL_WINDOW_FRAMES * mss;
    }

    /** The factory of the default controller. */
    public static Factory factory() {
        return PacketFsCubic::new;
    }

    @Override
    public long congestionWindow() {
        return (long) cwnd;
    }

    @Override
    public long pacingRate(long smoothedRttNanos) {
        long rtt = smoothedRttNanos > 0 ? smoothedRttNanos : INITIAL_RTT_NANOS;
        double gain = inSlowStart() ? SLOW_START_PACING_GAIN : PACING_GAIN;
        return Math.max(1, (long) (gain * cwnd * 1e9 / rtt));
    }

    @Override
    public boolean inSlowStart() {
        return cwnd < ssthresh;
    }

    /** The slow start threshold in bytes ({@code Long.MAX_VALUE} before the first congestion event). */
    public long slowStartThreshold() {
        return ssthresh == Double.MAX_VALUE ? Long.MAX_VALUE : (long) ssthresh;
    }

    /** Congestion events so far (losses of one round trip count once; persistent congestion counts too). */
    @Override
    public long congestionEvents() {
        return congestionEvents;
    }

    /** Times slow start ended on rising delay (HyStart++) rather than on loss. */
    public long slowStartExitsByDelay() {
        return slowStartExitsByDelay;
    }

    @Override
    public void onAck(long now, long ackedBytes, long rttSampleNanos, long smoothedRttNanos, long newestSentNanos,
                      boolean cwndLimited) {
        if (recovering) {
            if (newestSentNanos - recoveryStart <= 0) {
                return; // acknowledges frames sent before the congestion event: no growth during recovery
            }
            recovering = false;
        }
        if (inSlowStart()) {
            hystart(newestSentNanos, rttSampleNanos, now);
        }
        if (ackedBytes <= 0 || !cwndLimited) {
            return;
        }
        if (inSlowStart()) {
            cwnd = Math.min(MAX_WINDOW_BYTES, cwnd + ackedBytes);
            return;
        }
        // congestion avoidance (RFC 9438 4.2-4.4), in frames of mss bytes
        double w = cwnd / mss;
        double acked = (double) ackedBytes / mss;
        long rtt = smoothedRttNanos > 0 ? smoothedRttNanos : INITIAL_RTT_NANOS;
        double t = (now - epochStart) / 1e9;
        double target = cubic(t + rtt / 1e9);
        target = Math.max(w, Math.min(1.5 * w, target));
        wEst += ALPHA * acked / w;
        double next = w + (target - w) * acked / w;
        if (cubic(t) < wEst) {
            next = Math.max(next, wEst); // the Reno-friendly region: never slower than Reno would grow
        }
        cwnd = Math.min(MAX_WINDOW_BYTES, Math.max(next, MIN_WINDOW_FRAMES) * mss);
    }

    /** HyStart++'s delay test, once per round trip. */
    private void hystart(long newestSentNanos, long rttSampleNanos, long now) {
        if (!roundStarted || newestSentNanos - roundStart > 0) {
            roundStarted = true;
            roundStart = now; // frames sent from now on end this round when acknowledged
            lastRoundMinRtt = roundMinRtt;
            roundMinRtt = Long.MAX_VALUE;
            roundSamples = 0;
        }
        if (rttSampleNanos <= 0) {
            return;
        }
        roundMinRtt = Math.min(roundMinRtt, rttSampleNanos);
        roundSamples++;
        if (roundSamples >= HYSTART_MIN_SAMPLES && lastRoundMinRtt != Long.MAX_VALUE) {
            long eta = Math.max(HYSTART_MIN_ETA_NANOS, Math.min(HYSTART_MAX_ETA_NANOS, lastRoundMinRtt / 8));
            if (roundMinRtt >= lastRoundMinRtt + eta) {
                ssthresh = cwnd; // the queue is building: go on along the cubic curve from here
                wMax = cwnd / mss;
                wEst = wMax;
                k = 0;
                epochStart = now;
                slowStartExitsByDelay++;
            }
        }
    }

    @Override
    public void onLoss(long now, long sentNanos) {
        if (congestionEvents > 0 && sentNanos - recoveryStart <= 0) {
            return; // sent before the last event began: part of it, however late it is reported
        }
        congestionEvents++;
        recovering = true;
        recoveryStart = now;
        double w = cwnd / mss;
        // fast convergence (RFC 9438 4.7): a flow whose window keeps falling short of its last maximum releases room
        wMax = w < wMax ? w * (1 + BETA) / 2 : w;
        double reduced = Math.max(MIN_WINDOW_FRAMES, w * BETA);
        cwnd = reduced * mss;
        ssthresh = cwnd;
        wEst = reduced;
        k = Math.cbrt(Math.max(0, wMax - reduced) / C);
        epochStart = now;
    }

    @Override
    public void onRetransmitTimeout(long now) {
        congestionEvents++;
        double w = cwnd / mss;
        wMax = w;
        ssthresh = Math.max(MIN_WINDOW_FRAMES, w * BETA) * mss;
        cwnd = (double) MIN_WINDOW_FRAMES * mss;
        wEst = MIN_WINDOW_FRAMES;
        k = Math.cbrt(Math.max(0, wMax - MIN_WINDOW_FRAMES) / C);
        epochStart = now;
        recovering = true;
        recoveryStart = now;
        roundStarted = false;
        lastRoundMinRtt = Long.MAX_VALUE;
        roundMinRtt = Long.MAX_VALUE;
    }

    /** W_cubic(t) of RFC 9438, in frames. */
    private double cubic(double t) {
        double d = t - k;
        return C * d * d * d + wMax;
    }

    @Override
    public String toString() {
        return "PacketFsCubic(cwnd=" + (long) cwnd + " B, ssthresh=" + slowStartThreshold() + ", events="
                + congestionEvents + ")";
    }
}
