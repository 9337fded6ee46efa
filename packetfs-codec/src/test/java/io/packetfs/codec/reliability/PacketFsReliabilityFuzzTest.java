package io.packetfs.codec.reliability;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsPipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jazzer fuzz target for {@link PacketFsReliability}'s inbound side (docs/PROTOCOL.md section 9) with the codec
 * above it: up to 24 inputs per run, each raw garbage, a data frame or a feedback frame whose header fields, units,
 * Session ID and sequence are fuzzed and whose CRC32C is either right (so the fuzzer gets past it) or fuzzed, with
 * the clock advanced between inputs so that the timers (NACK, STATUS, retransmission, peer timeout) run.
 * Seed corpus:
 * {@code src/test/resources/io/packetfs/codec/reliability/PacketFsReliabilityFuzzTestInputs/reliableFrames/}.
 *
 * <p>Every input must satisfy: only {@link PacketFsException} reaches the pipeline's end; every buffer fed and every
 * frame the handler writes is released ({@code refCnt() == 0}); the handler never holds more data frames than its
 * receive window (16 here) nor more sent frames than its send buffer; the work per input is bounded.
 */
class PacketFsReliabilityFuzzTest {

    private static final int LOCAL_SESSION = 0xB2B2B2B2;
    private static final int PEER_SESSION = 0xA1A1A1A1;
    private static final PacketFsConfig CONFIG = PacketFsConfig.builder().windowPow2(4).build();

    @FuzzTest(maxDuration = "2m")
    void reliableFrames(FuzzedDataProvider data) {
        PacketFsReliabilityConfig reliability = PacketFsReliabilityConfig.builder().receiveWindowFrames(16)
                .sendBufferFrames(64).writeWaterMarks(8, 32).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        PacketFsReliability handler = new PacketFsReliability(CONFIG, reliability, LOCAL_SESSION);
        ch.pipeline().addLast(PacketFsPipelines.RELIABILITY, handler);
        PacketFsPipelines.addCodec(ch.pipeline(), PacketFsPipelines.codecConfigUnderReliability(CONFIG));
        Tail tail = new Tail();
        ch.pipeline().addLast(tail);
        List<ByteBuf> fed = new ArrayList<>();
        CRC32C crc = new CRC32C();
        int inputs = data.consumeInt(1, 24);
        for (int i = 0; i < inputs && data.remainingBytes() > 0; i++) {
            ByteBuf frame;
            int mode = data.consumeInt(0, 7);
            if (mode == 0) {
                byte[] raw = data.consumeBytes(data.consumeInt(0, 1600));
                frame = Unpooled.buffer(raw.length).writeBytes(raw);
            } else {
                boolean feedback = mode >= 5;
                byte[] units = data.consumeBytes(data.consumeInt(0, 1400));
                int flags = data.consumeInt(0, 9) == 0 ? data.consumeInt(0, 15)
                        : 0b1000 | 0b0100 | (feedback ? 0b0010 : 0);
                int seq = data.consumeBoolean() ? data.consumeInt(0, 40) : data.consumeInt();
                int session = data.consumeInt(0, 9) == 0 ? data.consumeInt() : PEER_SESSION;
                int length = 8 + units.length + 8;
                int lengthField = data.consumeInt(0, 19) == 0 ? data.consumeInt(0, 65535) : length;
                frame = Unpooled.buffer(length);
                frame.writeByte(1 << 4 | flags).writeByte(CONFIG.windowPow2()).writeShort(lengthField).writeInt(seq);
                frame.writeBytes(units).writeInt(session);
                crc.reset();
                crc.update(frame.array(), frame.arrayOffset(), frame.writerIndex());
                frame.writeInt(data.consumeInt(0, 9) == 0 ? data.consumeInt() : (int) crc.getValue());
            }
            fed.add(frame);
            ch.writeInbound(frame);
            tail.check();
            if (data.consumeBoolean()) {
                // the application writes too, so the sending half has frames to repair
                ByteBuf out = Unpooled.buffer(13).writeByte(0x18).writeByte(CONFIG.windowPow2()).writeShort(13)
                        .writeInt(0).writeBytes(new byte[] {0x00, 0x02, 0x41, 0x42, 0x43});
                if (ch.isWritable()) {
                    ch.writeOneOutbound(out);
                } else {
                    out.release();
                }
            }
            ch.advanceTimeBy(data.consumeInt(0, 3000), TimeUnit.MILLISECONDS);
            ch.runPendingTasks();
            ch.runScheduledPendingTasks();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ReferenceCountUtil.release(o);
            }
            tail.check();
            if (handler.framesHeld() > 16 || handler.unacknowledged() > 64) {
                fail("holds more than its bounds: " + handler);
            }
        }
        ch.finishAndReleaseAll();
        tail.check();
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "a fed buffer was not released");
        }
    }

    /** Releases everything that arrives; records exceptions. */
    private static final class Tail extends ChannelInboundHandlerAdapter {
        private final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        void check() {
            for (Throwable t : errors) {
                if (!(t instanceof PacketFsException)) {
                    throw new AssertionError("undocumented exception: " + t, t);
                }
            }
            errors.clear();
        }
    }
}
