package io.packetfs.codec.reliability;

/**
 * A duration smoothed as RFC 6298 smooths a round trip (mean with gain 1/8, mean deviation with gain 1/4), in
 * nanoseconds, with the smallest sample seen. The reliability handler keeps one for its round trip (first
 * transmission to the STATUS that reports it received; Karn's rule: never a frame sent twice) and one for the repair
 * time (NACK to the requested frame's arrival). Plain fields: it lives on one event loop.
 */
final class PacketFsRttEstimator {

    private long mean = -1;
    private long deviation;
    private long min = Long.MAX_VALUE;

    /** Adds a sample (negative samples, from a clock that went back, are ignored). */
    void sample(long nanos) {
        if (nanos < 0) {
            return;
        }
        min = Math.min(min, nanos);
        if (mean < 0) {
            mean = nanos;
            deviation = nanos / 2;
        } else {
            deviation = (3 * deviation + Math.abs(mean - nanos)) / 4;
            mean = (7 * mean + nanos) / 8;
        }
    }

    /** Whether any sample was taken. */
    boolean measured() {
        return mean >= 0;
    }

    /** The smoothed value, or -1 before the first sample. */
    long smoothed() {
        return mean;
    }

    /** The smoothed mean deviation (0 before the first sample). */
    long deviation() {
        return deviation;
    }

    /** The smallest sample, or -1 before the first. */
    long min() {
        return mean < 0 ? -1 : min;
    }

    /**
     * The smoothed value plus {@code k} deviations (at least {@code floorDeviation}), within {@code [min, max]};
     * {@code initial} before the first sample.
     */
    long timeout(int k, long floorDeviation, long min, long max, long initial) {
        if (mean < 0) {
            return initial;
        }
        return Math.max(min, Math.min(max, mean + Math.max(floorDeviation, k * deviation)));
    }
}
