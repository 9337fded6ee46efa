package io.packetfs.codec;

/**
 * The names of the PacketFS meters, as a {@link PacketFsMeterSource} binds its counters to them through a
 * {@link PacketFsMeterBinder}: dotted names in Micrometer's style, which a Prometheus registry renders as the names in
 * each constant's javadoc (README.md, "Metrics", lists them with their tags). The names belong to the codec so that
 * every handler can bind its own counters without a metrics library; the meters themselves (Micrometer) live in
 * packetfs-metrics.
 */
public final class PacketFsMetricNames {

    /** {@code packetfs_latency_seconds}: time the frame codec spent on a frame. */
    public static final String LATENCY = "packetfs.latency";
    /** {@code packetfs_throughput_pps}. */
    public static final String THROUGHPUT = "packetfs.throughput.pps";
    /** {@code packetfs_frames_total}. */
    public static final String FRAMES = "packetfs.frames";
    /** {@code packetfs_wire_bytes_total}. */
    public static final String WIRE_BYTES = "packetfs.wire.bytes";
    /** {@code packetfs_frame_size_bytes}. */
    public static final String FRAME_SIZE = "packetfs.frame.size";
    /** {@code packetfs_bits_packed_total}. */
    public static final String BITS_PACKED = "packetfs.bits.packed";
    /** {@code packetfs_bits_unpacked_total}. */
    public static final String BITS_UNPACKED = "packetfs.bits.unpacked";
    /** {@code packetfs_sync_frames_total}. */
    public static final String SYNC_FRAMES = "packetfs.sync.frames";
    /** {@code packetfs_crc_errors_total}. */
    public static final String CRC_ERRORS = "packetfs.crc.errors";
    /** {@code packetfs_window_errors_total}. */
    public static final String WINDOW_ERRORS = "packetfs.window.errors";
    /** {@code packetfs_sequence_errors_total}. */
    public static final String SEQUENCE_ERRORS = "packetfs.sequence.errors";
    /** {@code packetfs_drops_total}. */
    public static final String DROPS = "packetfs.drops";
    /** {@code packetfs_nacks_total}. */
    public static final String NACKS = "packetfs.nacks";
    /** {@code packetfs_retransmits_total}. */
    public static final String RETRANSMITS = "packetfs.retransmits";
    /** {@code packetfs_pool_hits_total}. */
    public static final String POOL_HITS = "packetfs.pool.hits";
    /** {@code packetfs_congestion_window_bytes}: the sender's congestion window. */
    public static final String CONGESTION_WINDOW = "packetfs.congestion.window.bytes";
    /** {@code packetfs_pacing_rate_bytes_per_second}: the rate the sender's pacer lets frames out at. */
    public static final String PACING_RATE = "packetfs.pacing.rate.bytes.per.second";
    /** {@code packetfs_rtt_seconds}: the sender's smoothed round trip. */
    public static final String RTT = "packetfs.rtt.seconds";
    /** {@code packetfs_loss_ratio}: frames the peer reported lost over frames sent. */
    public static final String LOSS_RATIO = "packetfs.loss.ratio";

    private PacketFsMetricNames() {
    }
}
