package io.packetfs.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test handler: copies each inbound {@link PacketFsEthernetFrame} (addresses and payload bytes) into a list and
 * releases it at once, and keeps what reached {@code exceptionCaught}. Waits are bounded (10 s) and end as soon as the
 * expected count is there: tests never depend on timing.
 */
final class PacketFsEthernetRecorder extends ChannelInboundHandlerAdapter {

    /** The longest a test waits for something it expects. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** One received frame. */
    static final class Received {
        final PacketFsMacAddress destination;
        final PacketFsMacAddress source;
        final byte[] payload;

        Received(PacketFsMacAddress destination, PacketFsMacAddress source, byte[] payload) {
            this.destination = destination;
            this.source = source;
            this.payload = payload;
        }

        /** The payload as ASCII text. */
        String text() {
            return new String(payload, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    private final List<Received> frames = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final List<Object> others = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof PacketFsEthernetFrame) {
                PacketFsEthernetFrame frame = (PacketFsEthernetFrame) msg;
                Received received = new Received(frame.destination(), frame.source(),
                        ByteBufUtil.getBytes(frame.content()));
                synchronized (this) {
                    frames.add(received);
                }
            } else {
                synchronized (this) {
                    others.add(msg.getClass());
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        synchronized (this) {
            errors.add(cause);
        }
    }

    /** Frames received so far. */
    synchronized int count() {
        return frames.size();
    }

    /** A copy of the frames received so far. */
    synchronized List<Received> frames() {
        return new ArrayList<>(frames);
    }

    /** A copy of what reached exceptionCaught. */
    synchronized List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    /** Messages that were not frames (classes). */
    synchronized List<Object> others() {
        return new ArrayList<>(others);
    }

    /** Waits (at most 10 s) until {@code count} frames arrived; fails saying how many did. */
    List<Received> awaitFrames(int count, PacketFsEthernetChannel channel) throws InterruptedException {
        awaitTrue(() -> count() >= count, () -> "expected " + count + " frames within 10 s on " + channel
                + ", got " + count() + " (kernel: " + channel.kernelPackets() + " packets, " + channel.kernelDrops()
                + " drops; ignored " + channel.framesIgnored() + ", invalid " + channel.invalidFrames()
                + "; errors " + errors() + ")");
        return frames();
    }

    /** Waits (at most 10 s) until {@code condition} holds; fails with {@code message}. */
    static void awaitTrue(BooleanSupplier condition, Supplier<String> message) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(message.get());
            }
            Thread.sleep(2);
        }
    }
}
