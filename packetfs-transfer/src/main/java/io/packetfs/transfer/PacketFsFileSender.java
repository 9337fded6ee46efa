package io.packetfs.transfer;

import io.netty.channel.Channel;
import io.netty.util.internal.ObjectUtil;
import io.packetfs.codec.pool.PacketFsPool;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one file to a {@link PacketFsFileReceiver} that holds the same pool, as references into the pool
 * (docs/PROTOCOL.md 7), over a channel the caller opens: {@code PacketFsTransports.open} or a {@code Bootstrap} of
 * its own, with {@link #initializer()} as the handler. Then {@link #start(Channel)}, and the result comes as a
 * future: a {@link PacketFsTransferResult} once the receiver verified the file, or a
 * {@link PacketFsTransferException} that says why not.
 *
 * <pre>
 *   PacketFsFileSender sender = new PacketFsFileSender(pool, file, config, (done, total) -&gt; { });
 *   Channel ch = PacketFsTransports.open(endpoint, PacketFsTransports.Role.CONNECT, group, sender.initializer(),
 *           config.frameLength()).sync().channel();
 *   PacketFsTransferResult r = sender.start(ch).get();
 *   ch.close();
 * </pre>
 *
 * One transfer per instance and per channel. The file is read and hashed on a thread of its own; everything else
 * runs on the channel's event loop. The pool stays open, and the channel is the caller's to close.
 */
public final class PacketFsFileSender extends TransferSide {

    private final Path file;
    private final FileSendHandler handler;
    private boolean started;

    /** A sender of {@code file}, reporting progress to {@code listener} (null: none). */
    public PacketFsFileSender(PacketFsPool pool, Path file, PacketFsTransferConfig config,
                              PacketFsTransferListener listener) {
        super(pool, config);
        this.file = ObjectUtil.checkNotNull(file, "file");
        this.handler = new FileSendHandler(pool, file, config, pipeline,
                listener == null ? PacketFsTransferListener.NONE : listener);
    }

    @Override
    void addHandlers(Channel ch) {
        pipeline.addSender(ch, pool, config, handler);
    }

    /**
     * Starts the transfer on {@code ch} (whose pipeline {@link #initializer()} built, open towards the receiver);
     * any thread. Returns {@link #result()}.
     */
    public CompletableFuture<PacketFsTransferResult> start(Channel ch) {
        ObjectUtil.checkNotNull(ch, "ch");
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("the transfer of " + file + " was started already");
            }
            started = true;
        }
        ch.eventLoop().execute(() -> {
            if (ch.pipeline().get(FileSendHandler.class) != handler) {
                handler.done.completeExceptionally(new IllegalStateException("the channel's pipeline was not built "
                        + "by this sender's initializer(); pass it to the bootstrap or PacketFsTransports.open"));
                return;
            }
            handler.start(ch);
        });
        return handler.done;
    }

    /** Completes when the transfer ends: verified, or exceptionally with a {@link PacketFsTransferException}. */
    public CompletableFuture<PacketFsTransferResult> result() {
        return handler.done;
    }
}
