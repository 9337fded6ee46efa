package io.packetfs.codec;

import io.netty.channel.ChannelPipeline;

/**
 * Puts the whole PacketFS codec into a pipeline in the right order, below the application's handlers and above a
 * transport adapter that moves one frame per {@link io.netty.buffer.ByteBuf}:
 *
 * <pre>
 *   inbound:   frame ByteBuf -&gt; tier decoder -&gt; CRC window checker -&gt; window validator -&gt; (application)
 *   outbound:  (application) PacketFsRefs -&gt; SYNC inserter -&gt; tier encoder -&gt; frame ByteBuf
 * </pre>
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
}
