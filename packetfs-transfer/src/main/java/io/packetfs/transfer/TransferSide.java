package io.packetfs.transfer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.pool.PacketFsPool;

/** What a sender and a receiver share: the pool, the settings, the pipeline, and one channel each. */
abstract class TransferSide {

    final PacketFsPool pool;
    final PacketFsTransferConfig config;
    final TransferPipeline pipeline = new TransferPipeline();
    private boolean initialized;

    TransferSide(PacketFsPool pool, PacketFsTransferConfig config) {
        this.pool = ObjectUtil.checkNotNull(pool, "pool");
        this.config = ObjectUtil.checkNotNull(config, "config");
    }

    /** The settings. */
    public PacketFsTransferConfig config() {
        return config;
    }

    /**
     * Adds the codec (and reliable delivery, when configured), the pool coder and the transfer handler to a channel's
     * pipeline, after what is already there (the transport adapter). For one channel.
     */
    public ChannelHandler initializer() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (initialized) {
                    throw new IllegalStateException("a " + TransferSide.this.getClass().getSimpleName()
                            + " serves one channel; make one per transfer");
                }
                initialized = true;
                addHandlers(ch);
            }
        };
    }

    /** Adds this side's handlers to {@code ch}. */
    abstract void addHandlers(Channel ch);
}
