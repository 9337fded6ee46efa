package io.packetfs.codec.reliability;

import io.packetfs.codec.PacketFsMeterBinder;
import io.packetfs.codec.PacketFsMeterSource;
import io.packetfs.codec.PacketFsMetricNames;

/**
 * The counters of a NACK/retransmit handler, published by a metrics handler (packetfs-metrics) when such a handler is
 * in its pipeline: {@code packetfs_nacks_total{direction="tx|rx"}}, {@code packetfs_retransmits_total} and, for the
 * frames it discards, {@code packetfs_drops_total{source="duplicate|corrupt|foreign"}}. Each getter returns a count
 * since the handler was created, read on the channel's event loop (a plain field is enough).
 */
public interface PacketFsReliabilityCounters extends PacketFsMeterSource {

    /** NACKs this side sent (asking its peer to send frames again). */
    long nacksSent();

    /** NACKs this side received from its peer. */
    long nacksReceived();

    /** Frames sent again because a NACK asked for them (or a timer fired). */
    long framesRetransmitted();

    /** Frames dropped because they had already been delivered. */
    default long duplicatesDropped() {
        return 0;
    }

    /** Frames dropped because they failed an integrity check. */
    default long corruptDropped() {
        return 0;
    }

    /** Frames dropped because they came from a peer outside the session. */
    default long foreignDropped() {
        return 0;
    }

    /** Binds the getters above to their meters; override only to add counters of your own. */
    @Override
    default void bindMeters(PacketFsMeterBinder binder) {
        binder.counter(PacketFsMetricNames.NACKS, this::nacksSent, "direction", "tx");
        binder.counter(PacketFsMetricNames.NACKS, this::nacksReceived, "direction", "rx");
        binder.counter(PacketFsMetricNames.RETRANSMITS, this::framesRetransmitted);
        binder.counter(PacketFsMetricNames.DROPS, this::duplicatesDropped, "source", "duplicate");
        binder.counter(PacketFsMetricNames.DROPS, this::corruptDropped, "source", "corrupt");
        binder.counter(PacketFsMetricNames.DROPS, this::foreignDropped, "source", "foreign");
    }
}
