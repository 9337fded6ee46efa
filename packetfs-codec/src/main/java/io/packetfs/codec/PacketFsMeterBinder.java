package io.packetfs.codec;

import java.util.function.LongSupplier;

/**
 * Binds a component's own cumulative counters to shared meters: the seam between the codec, which depends on Netty
 * only, and a metrics library. {@code PacketFsMetricsHandler} (packetfs-metrics, which publishes into Micrometer
 * meters) hands one to {@link PacketFsMeterSource#bindMeters(PacketFsMeterBinder)}, then reads each
 * supplier on the channel's event loop when it publishes (about once a second, and when the channel closes) and adds
 * the growth since the last reading to the counter. So a supplier may read a plain field of a handler that only its
 * event loop writes; it is never called per frame. Several channels may bind the same name and tags: their growth
 * adds up in one counter.
 */
public interface PacketFsMeterBinder {

    /**
     * Binds {@code total}, a count that only grows (a decrease is ignored), to the counter named {@code name} (one of
     * {@link PacketFsMetricNames}, such as {@link PacketFsMetricNames#NACKS}, rendered by Prometheus as
     * {@code packetfs_nacks_total}) with the tags {@code key1, value1, key2, value2, ...}.
     */
    void counter(String name, LongSupplier total, String... tags);

    /**
     * Binds {@code value}, a level that goes up and down (a congestion window, a rate), to the gauge named
     * {@code name} with the tags {@code key1, value1, ...}: read on the event loop when the handler publishes, shown
     * by the gauge until the next reading. Several channels that bind the same gauge share it: the last reading wins.
     */
    void gauge(String name, java.util.function.DoubleSupplier value, String... tags);
}
