package io.packetfs.codec;

import io.netty.channel.ChannelPipeline;
import io.packetfs.codec.reliability.PacketFsReliability;
import io.packetfs.codec.reliability.PacketFsReliabilityConfig;

/**
 * Puts the whole PacketFS codec into a pipeline in the right order, below the application's handlers and above a
 * transport adapter that moves one frame per {@link io.netty.buffer.ByteBuf}:
 *
 * <pre>
 *   inbound:   frame ByteBuf -&gt; tier decoder -&gt; CRC window checker -&gt; window validator -&gt; (application)
 *   outbound:  (application) PacketFsRefs -&gt; SYNC inserter -&gt; tier encoder -&gt; frame ByteBuf
 * </pre>
 *
 * Measured, the same pipelines come from {@code PacketFsMeteredPipelines} (module packetfs-metrics): a metrics handler
 * below the codec and its companion above it, under the names {@link #METRICS} and {@link #METRICS_CODEC_TOP}.
 */
public final class PacketFsPipelines {

    /** Handler names, so that other handlers can be placed relative to them. */
    public static final String ENCODER = "packetfs-tier-encoder";
    /** Name of the {@link PacketFsTierDecoder}. */
    public static final String DECODER = "packetfs-tier-decoder";
    /** Name of the {@link PacketFsSyncInserter}. */
    public static final String SYNC_INSERTER = "packetfs-sync-inserter";
    /** Name of the {@link PacketFsCrcWindowChecker}. */
    public static final String CRC_CHECKER = "packetfs-crc-checker";
    /** Name of the {@link PacketFsSyncValidator}. */
    public static final String SYNC_VALIDATOR = "packetfs-sync-validator";
    /** Name of the {@link PacketFsReliability} handler. */
    public static final String RELIABILITY = "packetfs-reliability";
    /** Name of the metrics handler, {@code PacketFsMetricsHandler} (right above the transport adapter). */
    public static final String METRICS = "packetfs-metrics";
    /** Name of the metrics handler's companion, {@code PacketFsMetricsHandler.codecTop()} (right above the codec). */
    public static final String METRICS_CODEC_TOP = "packetfs-metrics-codec-top";

    private PacketFsPipelines() {
    }

    /** Appends the codec handlers for {@code config} at the end of {@code pipeline}. */
    public static ChannelPipeline addCodec(ChannelPipeline pipeline, PacketFsConfig config) {
        pipeline.addLast(ENCODER, new PacketFsTierEncoder(config));
        pipeline.addLast(DECODER, new PacketFsTierDecoder(config));
        pipeline.addLast(SYNC_INSERTER, new PacketFsSyncInserter(config));
        pipeline.addLast(CRC_CHECKER, new PacketFsCrcWindowChecker());
        pipeline.addLast(SYNC_VALIDATOR, new PacketFsSyncValidator(config));
        return pipeline;
    }

    /**
     * Appends a {@link PacketFsReliability} handler and then the codec (docs/PROTOCOL.md section 9). Frames on the
     * wire stay within {@code config.maxFrameLength()}: the codec's frames are 8 bytes shorter, for the trailer.
     * Returns the reliability handler (its counters, {@link PacketFsReliability#whenAcknowledged()}).
     */
    public static PacketFsReliability addReliableCodec(ChannelPipeline pipeline, PacketFsConfig config,
                                                       PacketFsReliabilityConfig reliability) {
        PacketFsReliability handler = new PacketFsReliability(config, reliability);
        pipeline.addLast(RELIABILITY, handler);
        addCodec(pipeline, codecConfigUnderReliability(config));
        return handler;
    }

    /** The codec's configuration below reliable delivery: frames shorter by the reliability trailer. */
    public static PacketFsConfig codecConfigUnderReliability(PacketFsConfig config) {
        return config.toBuilder()
                .maxFrameLength(config.maxFrameLength() - PacketFsReliabilityConfig.TRAILER_LENGTH).build();
    }
}
