/**
 * PacketFS metrics: the codec's counters and timings as Micrometer meters ({@code docs/PROTOCOL.md} defines the wire
 * format; README.md, "Metrics", lists the meters).
 *
 * <p>{@link io.packetfs.metrics.PacketFsMetrics} holds the meters of a process in one registry;
 * {@link io.packetfs.metrics.PacketFsMetricsHandler} publishes one channel's figures into them, binding every
 * {@link io.packetfs.codec.PacketFsMeterSource} in its pipeline; {@link io.packetfs.metrics.PacketFsMeteredPipelines}
 * adds the codec with both handlers in place. The codec itself does not depend on Micrometer.
 */
package io.packetfs.metrics;
