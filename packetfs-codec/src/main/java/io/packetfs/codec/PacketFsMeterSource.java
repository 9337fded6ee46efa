package io.packetfs.codec;

/**
 * A component with counters of its own that a metrics handler ({@code PacketFsMetricsHandler} in packetfs-metrics)
 * should publish; every codec handler with counters is one. The metrics handler binds every handler in its pipeline
 * that implements this interface, and the channel itself if it does (the raw Ethernet channel binds its kernel drops
 * that way); other objects are bound with {@code PacketFsMetricsHandler.bind(PacketFsMeterSource)}.
 *
 * <pre>
 *   public void bindMeters(PacketFsMeterBinder binder) {
 *       binder.counter(PacketFsMetricNames.DROPS, this::kernelDrops, "source", "kernel");
 *   }
 * </pre>
 */
public interface PacketFsMeterSource {

    /** Binds this component's counters; called once per channel, on its event loop. */
    void bindMeters(PacketFsMeterBinder binder);
}
