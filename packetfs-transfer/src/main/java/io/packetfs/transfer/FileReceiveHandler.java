package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsSync;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.reliability.PacketFsPeerTimeoutException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The receiving side of a file transfer (docs/PROTOCOL.md section 7), at the top of a pipeline whose pool decoder
 * turns references back into bytes. Answers HELLO when the pools match (CLOSE with POOL_MISMATCH otherwise),
 * writes the file to a temporary name next to the output, acknowledges every verified window, and at END checks
 * the size and SHA-256 before renaming the file into place. Any integrity error (CRC, lost window, reference
 * outside the pool, SHA-256) stops the transfer on both sides and deletes the temporary file: a partial file never
 * looks complete.
 */
final class FileReceiveHandler extends ChannelInboundHandlerAdapter {

    final CompletableFuture<PacketFsTransferResult> done = new CompletableFuture<>();
    private final PacketFsPool pool;
    private final Path output;
    private final TransferPipeline pipeline;
    private final PacketFsTransferListener listener;
    private boolean handshaken;
    private PacketFsTransferUnits.FileInfo info;
    private Path temp;
    private FileChannel file;
    private MessageDigest sha;
    private FileWriteBehind writeBehind;
    /** END arrived; the writer is finishing and hashing the last bytes. */
    private boolean verifying;
    private long written;
    private long start;
    private long reported;
    private byte[] digest;
    private ChannelHandlerContext ctx;

    private final long timeoutNanos;
    private final boolean reliable;
    private final long timeoutSeconds;
    private volatile long lastHeard;
    private io.netty.util.concurrent.ScheduledFuture<?> watchdog;
    private long strayFrames;
    /** The file is verified and being synced and renamed on another thread; nothing may touch it meanwhile. */
    private boolean finishing;

    FileReceiveHandler(PacketFsPool pool, Path output, PacketFsTransferConfig config, TransferPipeline pipeline,
                       PacketFsTransferListener listener) {
        this.reliable = config.reliable();
        this.timeoutSeconds = config.peerTimeout().toSeconds();
        this.timeoutNanos = config.peerTimeout().toNanos();
        this.pool = pool;
        this.output = output;
        this.pipeline = pipeline;
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Once a sender is accepted, silence longer than the timeout ends the transfer (the sender died or left). */
    private void watchSilence() {
        if (watchdog == null) {
            watchdog = ctx.executor().scheduleAtFixedRate(() -> {
                if (!done.isDone() && silentNanos() > timeoutNanos) {
                    senderSilent();
                }
                report();
            }, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /**
     * How long the sender has said nothing: in reliable mode its frames count when they reach the reliability
     * handler, not only when data reaches this one (a sender repairing a gap, or paced down at a bottleneck,
     * may deliver nothing new here for a while and still be there).
     */
    private long silentNanos() {
        return pipeline.silentNanos(lastHeard);
    }

    private void report() {
        if (info != null && written != reported) {
            reported = written;
            listener.onProgress(written, info.size());
        }
    }

    private void senderSilent() {
        stop(PacketFsTransferUnits.CLOSE_ABORTED, "the sender went silent for " + timeoutSeconds
                + " s; the transfer is incomplete and the partial file was deleted");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done.isDone() || finishing) {
                return;
            }
            lastHeard = System.nanoTime();
            if (msg instanceof ByteBuf) {
                onData((ByteBuf) msg);
            } else if (msg instanceof PacketFsSync) {
                PacketFsSync s = (PacketFsSync) msg;
                if (!reliable && s.status() != PacketFsSync.CrcStatus.MISMATCH) {
                    // unreliable mode's flow control (reliable mode: the reliability handler's STATUS does it)
                    ctx.writeAndFlush(PacketFsTransferUnits.syncAck(ctx.alloc(), s.windowId()), ctx.voidPromise());
                }
            } else if (msg instanceof PacketFsControlUnit) {
                onControl((PacketFsControlUnit) msg);
            }
        } catch (IOException e) {
            stop(PacketFsTransferUnits.CLOSE_IO, "cannot write " + output + ": " + e.getMessage());
        } catch (PacketFsException e) {
            stop(PacketFsTransferUnits.CLOSE_PROTOCOL, e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onData(ByteBuf data) throws IOException {
        if (file == null) {
            stop(PacketFsTransferUnits.CLOSE_PROTOCOL, "data arrived before FILE");
            return;
        }
        int n = data.readableBytes();
        if (written + n > info.size()) {
            stop(PacketFsTransferUnits.CLOSE_INTEGRITY, "more data than the announced " + info.size() + " bytes");
            return;
        }
        writeBehind.write(data); // hashed and written in order on the writer thread
        written += n;
    }

    private void onControl(PacketFsControlUnit unit) throws IOException {
        switch (unit.opcode()) {
            case PacketFsControlUnit.HELLO: {
                PacketFsTransferUnits.Hello h = PacketFsTransferUnits.parseHello(unit.content());
                if (h.role() != PacketFsTransferUnits.ROLE_SENDER) {
                    return;
                }
                if (!Arrays.equals(h.fingerprint(), pool.fingerprint()) || h.poolSize() != pool.size()) {
                    stop(PacketFsTransferUnits.CLOSE_POOL_MISMATCH, "pool mismatch: this receiver holds pool "
                            + pool.fingerprintHex() + " (" + pool.size() + " bytes), the sender "
                            + PacketFsTransferResult.hex(h.fingerprint()) + " (" + h.poolSize() + " bytes); both sides must"
                            + " use the same pool file and geometry");
                    return;
                }
                handshaken = true;
                watchSilence();
                ctx.writeAndFlush(PacketFsTransferUnits.hello(ctx.alloc(), PacketFsTransferUnits.ROLE_RECEIVER, pool),
                        ctx.voidPromise());
                break;
            }
            case PacketFsControlUnit.FILE: {
                if (!handshaken || info != null) {
                    return; // a duplicate FILE, or one before HELLO: ignore
                }
                info = PacketFsTransferUnits.parseFile(unit.content());
                Path dir = output.toAbsolutePath().getParent();
                temp = Files.createTempFile(dir, "." + output.getFileName() + ".", ".part");
                file = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    sha = MessageDigest.getInstance("SHA-256");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
                writeBehind = new FileWriteBehind(file, sha, "packetfs-writer");
                start = System.nanoTime();
                listener.onProgress(0, info.size());
                break;
            }
            case PacketFsControlUnit.END: {
                if (info == null) {
                    stop(PacketFsTransferUnits.CLOSE_PROTOCOL, "END before FILE");
                    return;
                }
                PacketFsTransferUnits.End end = PacketFsTransferUnits.parseEnd(unit.content());
                if (verifying) {
                    return; // a repeated END while the writer finishes
                }
                if (written != info.size() || end.bytes() != info.size()) {
                    stop(PacketFsTransferUnits.CLOSE_INTEGRITY, "received " + written + " bytes, the sender sent "
                            + end.bytes() + " of " + info.size() + ": data was lost");
                    return;
                }
                verifying = true;
                writeBehind.finish().whenComplete((digest, failure) -> ctx.executor().execute(() -> {
                    verifying = false;
                    if (failure != null) {
                        stop(PacketFsTransferUnits.CLOSE_IO, "cannot write " + output + ": " + failure.getMessage());
                    } else {
                        verified(end, digest);
                    }
                }));
                break;
            }
            case PacketFsControlUnit.CLOSE: {
                if (!handshaken) {
                    return; // no sender accepted yet: a CLOSE from anyone must not end a waiting receiver
                }
                PacketFsTransferUnits.Close c = PacketFsTransferUnits.parseClose(unit.content());
                abandon("sender stopped the transfer: " + c.message());
                break;
            }
            default:
                break;
        }
    }

    /** Back on the event loop with the SHA-256 of everything written: checks it, then syncs and renames. */
    private void verified(PacketFsTransferUnits.End end, byte[] digest) {
        if (done.isDone() || file == null) {
            return; // abandoned meanwhile
        }
        if (!Arrays.equals(digest, end.sha256())) {
            stop(PacketFsTransferUnits.CLOSE_INTEGRITY, "SHA-256 mismatch: received " + PacketFsTransferResult.hex(digest)
                    + ", sender " + PacketFsTransferResult.hex(end.sha256()));
            return;
        }
        // syncing a large file takes hundreds of milliseconds: not on the event loop, which must go on
        // acknowledging the sender's last frames meanwhile
        finishing = true;
        FileChannel verified = file;
        file = null;
        this.digest = digest;
        String message = written + " bytes, SHA-256 " + PacketFsTransferResult.hex(digest) + " verified";
        writeBehind.close();
        CompletableFuture.runAsync(() -> syncAndRename(verified))
                .whenComplete((ignored, failure) -> ctx.executor().execute(() -> finished(failure, message)));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!handshaken && cause instanceof PacketFsException) {
            strayFrames++; // garbage from a third party before any sender was accepted: ignore it
            return;
        }
        if (cause instanceof PacketFsPeerTimeoutException) {
            senderSilent(); // the reliability handler saw no acknowledgement for the same time
        } else if (cause instanceof PacketFsException) {
            stop(PacketFsTransferUnits.CLOSE_INTEGRITY, cause.getMessage());
        } else {
            stop(PacketFsTransferUnits.CLOSE_PROTOCOL, String.valueOf(cause));
        }
    }

    /** Off the event loop: makes the verified file durable, then gives it its name. */
    private void syncAndRename(FileChannel verified) {
        try (verified) {
            verified.force(false);
            try {
                // createTempFile made it owner-only; the output gets the usual rw-r--r--
                Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString(
                        "rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Back on the event loop after {@link #syncAndRename}: tells the sender, and ends. */
    private void finished(Throwable failure, String message) {
        finishing = false;
        if (failure != null) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
            if (cause instanceof java.io.UncheckedIOException) {
                cause = cause.getCause();
            }
            stop(PacketFsTransferUnits.CLOSE_IO, "cannot write " + output + ": " + cause.getMessage());
            return;
        }
        ctx.writeAndFlush(PacketFsTransferUnits.close(ctx.alloc(), PacketFsTransferUnits.CLOSE_OK, message));
        complete(true, "wrote " + output + ": " + message);
    }

    /** Tells the sender why, and ends with an error. */
    private void stop(int code, String why) {
        if (done.isDone() || finishing) {
            return; // finishing: the file is verified; the sync and rename end the transfer either way
        }
        ctx.writeAndFlush(PacketFsTransferUnits.close(ctx.alloc(), code, why));
        abandon(why);
    }

    /** Gives up from the receiver's side (Ctrl-C, timeouts): the same as a failed transfer. */
    void abort(String why) {
        ctx.executor().execute(() -> stop(PacketFsTransferUnits.CLOSE_ABORTED, why));
        try {
            done.get(2, java.util.concurrent.TimeUnit.SECONDS); // let the partial file go before the JVM does
        } catch (Exception ignored) {
            // best effort on the way out
        }
    }

    private void abandon(String why) {
        if (writeBehind != null) {
            writeBehind.close();
        }
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // deleted next
            }
            file = null;
        }
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the name marks it as partial anyway
            }
        }
        complete(false, why);
    }

    private void complete(boolean ok, String message) {
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        report();
        PacketFsTransferResult r = pipeline.result(ok, message, false, written, 0, start, 0, 0, ok ? digest : null);
        if (ok) {
            done.complete(r);
        } else {
            done.completeExceptionally(new PacketFsTransferException(r));
        }
    }
}
