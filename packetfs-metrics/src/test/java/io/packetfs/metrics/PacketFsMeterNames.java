package io.packetfs.metrics;

import java.util.List;

/**
 * The start of one line per meter as a Prometheus registry renders {@link PacketFsMetrics} (the examples' tests use it
 * on a scrape over HTTP).
 */
public final class PacketFsMeterNames {

    /** Every meter, as the Prometheus registry renders it before any traffic. */
    public static final List<String> RENDERED = List.of(
            "# TYPE packetfs_latency_seconds summary",
            "packetfs_latency_seconds{operation=\"encode\",tier=\"0\",quantile=\"0.5\"}",
            "packetfs_latency_seconds{operation=\"encode\",tier=\"1\",quantile=\"0.95\"}",
            "packetfs_latency_seconds{operation=\"decode\",tier=\"2\",quantile=\"0.99\"}",
            "packetfs_latency_seconds_count{operation=\"decode\",tier=\"0\"}",
            "packetfs_latency_seconds_sum{operation=\"encode\",tier=\"2\"}",
            "# TYPE packetfs_throughput_pps gauge",
            "packetfs_throughput_pps{direction=\"tx\"}",
            "packetfs_throughput_pps{direction=\"rx\"}",
            "# TYPE packetfs_crc_errors_total counter",
            "packetfs_crc_errors_total 0.0",
            "# TYPE packetfs_sync_frames_total counter",
            "packetfs_sync_frames_total 0.0",
            "# TYPE packetfs_bits_packed_total counter",
            "packetfs_bits_packed_total{tier=\"0\"}",
            "packetfs_bits_packed_total{tier=\"1\"}",
            "packetfs_bits_packed_total{tier=\"2\"}",
            "# TYPE packetfs_bits_unpacked_total counter",
            "# TYPE packetfs_frame_size_bytes summary",
            "packetfs_frame_size_bytes_count{direction=\"tx\"}",
            "packetfs_frame_size_bytes_sum{direction=\"rx\"}",
            "# TYPE packetfs_frames_total counter",
            "# TYPE packetfs_wire_bytes_total counter",
            "# TYPE packetfs_drops_total counter",
            "packetfs_drops_total{source=\"kernel\"}",
            "packetfs_drops_total{source=\"decoder\"}",
            "packetfs_drops_total{source=\"pool\"}",
            "# TYPE packetfs_nacks_total counter",
            "packetfs_nacks_total{direction=\"tx\"}",
            "packetfs_nacks_total{direction=\"rx\"}",
            "# TYPE packetfs_retransmits_total counter",
            "# TYPE packetfs_pool_hits_total counter",
            "packetfs_pool_hits_total{kind=\"copy\"}",
            "# TYPE packetfs_window_errors_total counter",
            "# TYPE packetfs_sequence_errors_total counter");

    private PacketFsMeterNames() {
    }
}
