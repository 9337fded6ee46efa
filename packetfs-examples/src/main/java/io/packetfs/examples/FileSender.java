package io.packetfs.examples;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.packetfs.codec.PacketFsCloseWindow;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsPool;
import io.packetfs.codec.PacketFsSyncInserter;
import io.packetfs.codec.PacketFsTierEncoder;
import io.packetfs.codec.PacketFsTransferUnits;
import me.tongfei.progressbar.ProgressBar;

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
final class FileSender extends ChannelInboundHandlerAdapter {

    /** Windows sent but not yet acknowledged, at most. */
    static final int MAX_WINDOWS_IN_FLIGHT = 16;
    private static final int CHUNK = 256 * 1024;
    private static final long HELLO_INTERVAL_MILLIS = 250;

    private enum State { HANDSHAKE, SENDING, ENDING, DONE }

    final CompletableFuture<TransferResult> done = new CompletableFuture<>();
    private final PacketFsPool pool;
    private final Path input;
    private final long timeoutNanos;
    private final WireMeter meter;
    private final boolean progress;
    private final boolean reliable;
    private final int timeoutSeconds;
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
    private ProgressBar bar;
    private long strayFrames;
    private boolean pumpScheduled;
    private long maxRate;

    FileSender(PacketFsPool pool, Path input, int timeoutSeconds, WireMeter meter, boolean progress,
               boolean reliable) {
        this.reliable = reliable;
        this.timeoutSeconds = timeoutSeconds;
        this.pool = pool;
        this.input = input;
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        this.meter = meter;
        this.progress = progress;
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

    boolean reliable() {
        return reliable;
    }

    /** Caps the sending rate at {@code bytesPerSecond} wire bytes per second (0: no cap); before the pipeline is built. */
    void maxRate(long bytesPerSecond) {
        this.maxRate = bytesPerSecond;
    }

    long maxRate() {
        return maxRate;
    }

    int timeoutSeconds() {
        return timeoutSeconds;
    }

    /**
     * How long the receiver has said nothing. In reliable mode the receiver's STATUS and NACK frames are the answer
     * during a transfer: they stop in the reliability handler and never reach this one, so its view counts too (a
     * transfer longer than the timeout used to fail here, with the receiver alive and acknowledging).
     */
    private long silentNanos() {
        return Transfers.silentNanos(channel, lastHeard);
    }

    private void receiverSilent() {
        fail(state == State.HANDSHAKE
                ? "no receiver answered within " + timeoutSeconds + " s: is 'packetfs recv' running on the same "
                + "transport, with the same pool" + (reliable ? "" : " and --unreliable") + "?"
                : "the receiver stopped answering for " + timeoutSeconds + " s (a stopped receiver, or a path "
                + "that lost everything); the transfer is incomplete");
    }

    private void sendHello() {
        channel.writeAndFlush(PacketFsTransferUnits.hello(channel.alloc(), PacketFsTransferUnits.ROLE_SENDER,
                pool.fingerprint(), pool.size(), geometryBytes(pool)), channel.voidPromise());
    }

    static byte[] geometryBytes(PacketFsPool pool) {
        ByteBuf b = io.netty.buffer.Unpooled.buffer();
        try {
            pool.geometry().writeTo(b);
            return io.netty.buffer.ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
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
        if (bar != null) {
            bar.stepTo(sent);
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
                            + pool.size() + " bytes), the receiver " + hex(h.fingerprint()) + " (" + h.poolSize()
                            + " bytes); both sides must use the same pool file and geometry";
                    channel.writeAndFlush(PacketFsTransferUnits.close(channel.alloc(),
                            PacketFsTransferUnits.CLOSE_POOL_MISMATCH, why), channel.voidPromise());
                    fail(why);
                    return;
                }
                state = State.SENDING;
                dataStart = System.nanoTime();
                if (progress) {
                    bar = Transfers.progressBar("send", fileSize);
                }
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
                PacketFsSyncInserter inserter =
                        (PacketFsSyncInserter) channel.pipeline().get(PacketFsPipelines.SYNC_INSERTER);
                long emitted = inserter.syncsEmitted();
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
     * Sends file chunks while the channel is writable and, in unreliable mode, while the receiver is at most
     * MAX_WINDOWS_IN_FLIGHT windows behind.
     */
    private void pump() {
        PacketFsSyncInserter inserter = (PacketFsSyncInserter) channel.pipeline().get(PacketFsPipelines.SYNC_INSERTER);
        try {
            while (state == State.SENDING && channel.isWritable()
                    && (reliable || inserter.syncsEmitted() - acked < MAX_WINDOWS_IN_FLIGHT)) {
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
                int n = chunk.readableBytes();
                sent += n;
                channel.writeAndFlush(chunk, channel.voidPromise());
                if (reliable) {
                    // one chunk per turn of the event loop: acknowledgements and repair requests are read between
                    // chunks instead of after a long burst of encoding. Not execute(): the event loop runs queued
                    // tasks for up to io.netty.eventLoop.maxTaskProcessingQuantumMs (1 s) before it reads again, so
                    // a task that queues itself starves reads (a NACK waited 180 ms). A scheduled task is taken up
                    // once per turn, after the reads.
                    if (!pumpScheduled) {
                        pumpScheduled = true;
                        channel.eventLoop().schedule(() -> {
                            pumpScheduled = false;
                            pump();
                        }, 0, TimeUnit.NANOSECONDS);
                    }
                    break;
                }
            }
            channel.flush(); // END, FILE
        } catch (IOException e) {
            fail("cannot read " + input + ": " + e.getMessage());
        }
    }

    private void endOfFile() {
        state = State.ENDING;
        endSent = System.nanoTime();
        channel.write(PacketFsCloseWindow.INSTANCE, channel.voidPromise());
        PacketFsTierEncoder encoder = (PacketFsTierEncoder) channel.pipeline().get(PacketFsPipelines.ENCODER);
        long refs = encoder.refsEncoded();
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
        if (bar != null) {
            bar.stepTo(sent);
            bar.close();
        }
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException ignored) {
            // read-only file: nothing to lose
        }
        TransferResult r = new TransferResult();
        r.ok = ok;
        r.message = message;
        r.fileBytes = sent;
        r.wireBytes = meter.bytesOut;
        r.frames = meter.framesOut;
        r.refs = ((PacketFsTierEncoder) channel.pipeline().get(PacketFsPipelines.ENCODER)).refsEncoded();
        long end = System.nanoTime();
        r.seconds = (end - start) / 1e9;
        if (dataStart != 0) {
            r.handshakeSeconds = (dataStart - start) / 1e9;
            r.dataSeconds = ((endSent != 0 ? endSent : end) - dataStart) / 1e9;
            r.closingSeconds = endSent != 0 ? (end - endSent) / 1e9 : 0;
        }
        r.recordRepair(channel);
        r.recordCongestion(channel);
        done.complete(r);
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
        if (cause instanceof io.packetfs.codec.PacketFsException && ((io.packetfs.codec.PacketFsException) cause)
                .reason() == io.packetfs.codec.PacketFsException.Reason.PEER_TIMEOUT) {
            receiverSilent(); // the reliability handler saw no acknowledgement for the same time
            return;
        }
        if (state == State.HANDSHAKE && cause instanceof io.packetfs.codec.PacketFsException) {
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

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
