/**
 * Serving PacketFS meters to Prometheus: {@link io.packetfs.metrics.prometheus.PacketFsMetricsServer} answers
 * {@code GET /metrics} with the meters of a {@code PrometheusMeterRegistry} (fill it with
 * {@code PacketFsMetrics} from packetfs-metrics). A program that exports through another
 * Micrometer registry does not need this module.
 */
package io.packetfs.metrics.prometheus;
