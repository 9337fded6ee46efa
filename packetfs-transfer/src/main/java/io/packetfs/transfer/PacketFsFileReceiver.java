package io.packetfs.transfer;

import io.netty.channel.Channel;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.reliability.PacketFsReliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Receives one file from a {@link PacketFsFileSender} that holds the same pool (docs/PROTOCOL.md 7), over a channel
 * the caller opens with {@link #initializer()} as its handler (a listening one: the first sender with the same pool
 * is served). The file is written under a temporary name next to {@code output}, hashed as it is written, and renamed
 * to {@code output} only after its size and SHA-256 verify; a transfer that fails leaves no file.
 *
 * <pre>
 *   PacketFsFileReceiver receiver = new PacketFsFileReceiver(pool, output, config, null);
 *   Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.LISTEN, group, receiver.initializer(),
 *           config.frameLength()).sync().channel();
 *   PacketFsTransferResult r = receiver.result().get();
 *   receiver.close(ch, Duration.ofSeconds(2));
 * </pre>
 */
public final class PacketFsFileReceiver extends TransferSide {

    private final Path output;
    private final FileReceiveHandler handler;

    /** A receiver writing {@code output}, reporting progress to {@code listener} (null: none). */
    public PacketFsFileReceiver(PacketFsPool pool, Path output, PacketFsTransferConfig config,
                                PacketFsTransferListener listener) {
        super(pool, config);
        this.output = ObjectUtil.checkNotNull(output, "output");
        this.handler = new FileReceiveHandler(pool, output, config, pipeline,
                listener == null ? PacketFsTransferListener.NONE : listener);
    }

    @Override
    void addHandlers(Channel ch) {
        pipeline.addReceiver(ch, pool, config, handler);
    }

    /** Completes when the transfer ends: verified and renamed, or exceptionally with a {@link PacketFsTransferException}. */
    public CompletableFuture<PacketFsTransferResult> result() {
        return handler.done;
    }

    /**
     * Gives up (an interrupted receiver, say): tells the sender, deletes the partial file, and waits up to 2 s for
     * that to happen. Any thread; nothing happens once the transfer ended.
     */
    public void abort(String why) {
        handler.abort(why);
    }

    /**
     * Closes {@code ch} after the verdict reached the sender: flushes it and, with reliable delivery, waits until the
     * sender acknowledged it (it is repaired if lost), for at most {@code linger}.
     */
    public void close(Channel ch, Duration linger) throws InterruptedException {
        ch.eventLoop().submit(ch::flush).await(linger.toMillis(), TimeUnit.MILLISECONDS);
        PacketFsReliability reliability = pipeline.reliability();
        if (reliability != null) {
            reliability.whenAcknowledged().await(linger.toMillis(), TimeUnit.MILLISECONDS);
        }
        ch.close().sync();
    }

    @Override
    public String toString() {
        return "PacketFsFileReceiver(" + output + ", " + config + ")";
    }
}
