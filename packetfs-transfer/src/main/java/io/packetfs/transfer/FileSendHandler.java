package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.reliability.PacketFsPeerTimeoutException;
import io.packetfs.codec.reliability.PacketFsReliability;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The sending side of a file transfer (docs/PROTOCOL.md section 7), at the top of a pipeline whose pool encoder
 * turns the file's bytes into references. HELLO until the receiver answers with the same pool; FILE; the file in
 * chunks while the channel is writable (reliable mode: the reliability handler below turns it unwritable when the
 * receiver's window is full, and repairs losses), or, in unreliable mode, never more than
 * {@link #MAX_WINDOWS_IN_FLIGHT} windows ahead of the receiver's SYNC_ACKs; END with the SHA-256; then it waits for
 * the receiver's CLOSE, which carries the verdict.
 */
final class FileSendHandler extends ChannelInboundHandlerAdapter {

    /** Windows sent but not yet acknowledged, at most. */
    static final int MAX_WINDOWS_IN_FLIGHT = 16;
    private static final int CHUNK = 256 * 1024;
    /** The pipeline gets a chunk in slices of this many bytes, so that a turn of {@link #pump()} can end sooner. */
    private static final int SLICE = 32 * 1024;
    /** Wire bytes after which a turn of {@link #pump()} yields to reads (reliable mode). */
    private static final int TURN_WIRE_BUDGET = 32 * 1024;
    /** Slices after which a turn of {@link #pump()} yields to reads (reliable mode): 8 MiB of file. */
    private static final int TURN_SLICES = 256;
    private static final long HELLO_INTERVAL_MILLIS = 250;

    private enum State { HANDSHAKE, SENDING, ENDING, DONE }

    final CompletableFuture<PacketFsTransferResult> done = new CompletableFuture<>();
    private final PacketFsPool pool;
    private final Path input;
    private final long timeoutNanos;
    private final TransferPipeline pipeline;
    private final PacketFsTransferListener listener;
    private final boolean reliable;
    private final long timeoutSeconds;
    private State state = State.HANDSHAKE;
    private Channel channel;
    private FileChannel file;
    private long fileSize;
    private long sent;
    private long acked;
    private long lastHeard;
    private long start;
    private long dataStart;
    private long endSent;
    private MessageDigest sha;
    private FileReadAhead readAhead;
    private ScheduledFuture<?> ticker;
    private long strayFrames;
    private boolean pumpScheduled;
    /** The chunk being sent, from its reader index on; null between chunks. */
    private ByteBuf pending;
    private long reported;

    FileSendHandler(PacketFsPool pool, Path input, PacketFsTransferConfig config, TransferPipeline pipeline,
                    PacketFsTransferListener listener) {
        this.reliable = config.reliable();
        this.timeoutNanos = config.peerTimeout().toNanos();
        this.timeoutSeconds = config.peerTimeout().toSeconds();
        this.pool = pool;
        this.input = input;
        this.pipeline = pipeline;
        this.listener = listener;
    }

    /** Opens the file and starts the handshake; call on the channel's event loop. */
    void start(Channel ch) {
        channel = ch;
        try {
            file = FileChannel.open(input, StandardOpenOption.READ);
            fileSize = file.size();
            sha = MessageDigest.getInstance("SHA-256");
        } catch (IOException | NoSuchAlgorithmException e) {
            fail("cannot read " + input + ": " + e.getMessage());
            return;
        }
        start = System.nanoTime();
        lastHeard = start;
        // reading and hashing start now, so the first chunks are ready (and that code warm) when the receiver answers
        readAhead = new FileReadAhead(file, sha, ch.alloc(), CHUNK, "packetfs-reader");
        sendHello();
        ticker = ch.eventLoop().scheduleAtFixedRate(this::tick, HELLO_INTERVAL_MILLIS, HELLO_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * How long the receiver has said nothing. In reliable mode the receiver's STATUS and NACK frames are the answer
     * during a transfer: they stop in the reliability handler and never reach this one, so its view counts too (a
     * transfer longer than the timeout used to fail here, with the receiver alive and acknowledging).
     */
    private long silentNanos() {
        return pipeline.silentNanos(lastHeard);
    }

    private void receiverSilent() {
        fail(state == State.HANDSHAKE
                ? "no receiver answered within " + timeoutSeconds + " s: is 'packetfs recv' running on the same "
                + "transport, with the same pool" + (reliable ? "" : " and --unreliable") + "?"
                : "the receiver stopped answering for " + timeoutSeconds + " s (a stopped receiver, or a path "
                + "that lost everything); the transfer is incomplete");
    }

    private void sendHello() {
        channel.writeAndFlush(PacketFsTransferUnits.hello(channel.alloc(), PacketFsTransferUnits.ROLE_SENDER, pool),
                channel.voidPromise());
    }

    private void tick() {
        if (state == State.DONE) {
            return;
        }
        if (silentNanos() > timeoutNanos) {
            receiverSilent();
            return;
        }
        if (state == State.HANDSHAKE && !reliable) {
            sendHello(); // reliable mode: the reliability handler repeats the first HELLO until it is acknowledged
        }
        report();
    }

    private void report() {
        if (sent != reported) {
            reported = sent;
            listener.onProgress(sent, fileSize);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof PacketFsControlUnit) {
                lastHeard = System.nanoTime();
                onControl((PacketFsControlUnit) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onControl(PacketFsControlUnit unit) {
        switch (unit.opcode()) {
            case PacketFsControlUnit.HELLO: {
                PacketFsTransferUnits.Hello h = PacketFsTransferUnits.parseHello(unit.content());
                if (state != State.HANDSHAKE || h.role() != PacketFsTransferUnits.ROLE_RECEIVER) {
                    return; // a late duplicate answer
                }
                if (!java.util.Arrays.equals(h.fingerprint(), pool.fingerprint()) || h.poolSize() != pool.size()) {
                    String why = "pool mismatch: this sender holds pool " + pool.fingerprintHex() + " ("
                            + pool.size() + " bytes), the receiver " + PacketFsTransferResult.hex(h.fingerprint())
                            + " (" + h.poolSize() + " bytes); both sides must use the same pool file and geometry";
                    channel.writeAndFlush(PacketFsTransferUnits.close(channel.alloc(),
                            PacketFsTransferUnits.CLOSE_POOL_MISMATCH, why), channel.voidPromise());
                    fail(why);
                    return;
                }
                state = State.SENDING;
                dataStart = System.nanoTime();
                listener.onProgress(0, fileSize);
                channel.write(PacketFsTransferUnits.file(channel.alloc(), fileSize,
                        input.getFileName().toString()), channel.voidPromise());
                pump();
                break;
            }
            case PacketFsControlUnit.SYNC_ACK: {
                if (state != State.SENDING && state != State.ENDING) {
                    return;
                }
                // windows are acknowledged in order; an ack for window id w means windows up to w arrived
                long emitted = pipeline.syncsEmitted();
                int id = PacketFsTransferUnits.parseSyncAck(unit.content());
                long ahead = (id - acked) & 0xFFFF; // windows this ack covers beyond the last one, minus 1
                if (acked + ahead + 1 <= emitted) {
                    acked += ahead + 1;
                }
                if (state == State.SENDING) {
                    pump();
                }
                break;
            }
            case PacketFsControlUnit.CLOSE: {
                PacketFsTransferUnits.Close c = PacketFsTransferUnits.parseClose(unit.content());
                if (c.code() == PacketFsTransferUnits.CLOSE_OK && state == State.ENDING) {
                    PacketFsReliability reliability = pipeline.reliability();
                    if (reliability != null) {
                        reliability.acknowledgeNow(); // the receiver's CLOSE arrived: tell it, so it can go at once
                    }
                    finish(true, "receiver verified the file: " + c.message());
                } else {
                    fail("receiver stopped the transfer: " + c.message());
                }
                break;
            }
            default:
                break;
        }
    }

    /**
     * Sends file chunks, in slices of {@value #SLICE} bytes, while the channel is writable and, in unreliable mode,
     * while the receiver is at most MAX_WINDOWS_IN_FLIGHT windows behind. In reliable mode one turn of the event loop
     * sends slices until they have put {@value #TURN_WIRE_BUDGET} bytes on the wire or {@value #TURN_SLICES} slices
     * are gone, then yields, so that the receiver's acknowledgements are read within about a millisecond: literals
     * (a slice is some 25 frames of encoding) yield after a slice or two, while pool content (a few wire bytes per
     * slice) goes megabytes per turn. One chunk of pool content per wake-up of the event loop capped a file in the
     * pool at about 1,000 chunks a second. (A 256 KiB chunk of literals is about 4 ms of encoding on a busy core;
     * slicing it did not measurably shorten the round trips the sender sees, which a queue sets.)
     */
    private void pump() {
        try {
            long wireAtStart = pipeline.meter.bytesOut;
            int slices = 0;
            while (state == State.SENDING && channel.isWritable()
                    && (reliable || pipeline.syncsEmitted() - acked < MAX_WINDOWS_IN_FLIGHT)) {
                if (reliable && (slices == TURN_SLICES || pipeline.meter.bytesOut - wireAtStart >= TURN_WIRE_BUDGET)) {
                    // Not execute(): the event loop runs queued tasks for up to
                    // io.netty.eventLoop.maxTaskProcessingQuantumMs (1 s) before it reads again, so a task that
                    // queues itself starves reads (a NACK waited 180 ms). A scheduled task is taken up once per
                    // turn, after the reads.
                    if (!pumpScheduled) {
                        pumpScheduled = true;
                        channel.eventLoop().schedule(() -> {
                            pumpScheduled = false;
                            pump();
                        }, 0, TimeUnit.NANOSECONDS);
                    }
                    break;
                }
                if (pending == null) {
                    ByteBuf chunk = readAhead.poll(); // read and hashed on the reader thread
                    if (chunk == null) {
                        // not read yet: the reader calls back (once per wait, from its thread; not a self-queued task)
                        readAhead.onReady(() -> channel.eventLoop().execute(this::pump));
                        break;
                    }
                    if (chunk == FileReadAhead.END) {
                        endOfFile();
                        break;
                    }
                    pending = chunk;
                }
                ByteBuf slice;
                if (pending.readableBytes() <= SLICE) {
                    slice = pending;
                    pending = null;
                } else {
                    slice = pending.readRetainedSlice(SLICE);
                }
                sent += slice.readableBytes();
                slices++;
                channel.write(slice, channel.voidPromise());
            }
            channel.flush(); // the slices' last frame, END, FILE
        } catch (IOException e) {
            fail("cannot read " + input + ": " + e.getMessage());
        }
    }

    private void endOfFile() {
        state = State.ENDING;
        endSent = System.nanoTime();
        channel.write(PacketFsCloseWindow.INSTANCE, channel.voidPromise());
        long refs = pipeline.refsEncoded();
        channel.write(PacketFsTransferUnits.end(channel.alloc(), sent, refs, readAhead.digest()), channel.voidPromise());
    }

    private void finish(boolean ok, String message) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (readAhead != null) {
            readAhead.close();
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        report();
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException ignored) {
            // read-only file: nothing to lose
        }
        PacketFsTransferResult r = pipeline.result(ok, message, true, sent,
                channel == null ? 0 : pipeline.refsEncoded(), start, dataStart, endSent,
                readAhead == null ? null : readAhead.digest());
        if (ok) {
            done.complete(r);
        } else {
            done.completeExceptionally(new PacketFsTransferException(r));
        }
    }

    private void fail(String message) {
        if (state != State.DONE && channel != null && channel.isActive()) {
            // best effort: tell the receiver, so that it deletes its partial file instead of waiting
            channel.writeAndFlush(PacketFsTransferUnits.close(channel.alloc(), PacketFsTransferUnits.CLOSE_ABORTED,
                    "the sender gave up: " + message), channel.voidPromise());
        }
        finish(false, message);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (state == State.SENDING && ctx.channel().isWritable()) {
            pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PacketFsPeerTimeoutException) {
            receiverSilent(); // the reliability handler saw no acknowledgement for the same time
            return;
        }
        if (state == State.HANDSHAKE && cause instanceof PacketFsException) {
            strayFrames++; // garbage from a third party before the session exists: ignore it
            return;
        }
        fail("transfer failed: " + cause.getMessage());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail("the channel closed before the transfer ended");
        ctx.fireChannelInactive();
    }

}
