package io.packetfs.codec;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Test tail handler: records every inbound unit and error as a line in the vocabulary of the PROTOCOL.md vectors
 * ({@code refs L1 41 42}, {@code sync 0000 crc 89C3 match}, {@code copy 058A}, {@code bytes 41D7},
 * {@code error TRUNCATED}) and releases what it reads.
 */
final class EventRecorder extends ChannelInboundHandlerAdapter {

    final List<String> events = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    final List<Integer> refs = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof PacketFsRefs) {
                PacketFsRefs r = (PacketFsRefs) msg;
                StringBuilder sb = new StringBuilder("REFS ").append(r.tier());
                String fmt = "%0" + (r.tier().bytes() * 2) + "X";
                for (int i = 0; i < r.count(); i++) {
                    sb.append(' ').append(String.format(fmt, r.ref(i)));
                    refs.add(r.ref(i));
                }
                events.add(sb.toString());
            } else if (msg instanceof PacketFsSync) {
                events.add(describe((PacketFsSync) msg));
            } else if (msg instanceof PacketFsCopyUnit) {
                PacketFsCopyUnit unit = (PacketFsCopyUnit) msg;
                events.add((unit.coded() ? "CODED " : "COPY ")
                        + io.netty.buffer.ByteBufUtil.hexDump(unit.content()).toUpperCase());
            } else if (msg instanceof io.netty.buffer.ByteBuf) {
                events.add("BYTES " + io.netty.buffer.ByteBufUtil.hexDump((io.netty.buffer.ByteBuf) msg).toUpperCase());
            } else if (msg instanceof PacketFsControlUnit) {
                PacketFsControlUnit c = (PacketFsControlUnit) msg;
                events.add(String.format("CONTROL %02X %s", c.opcode(),
                        io.netty.buffer.ByteBufUtil.hexDump(c.content()).toUpperCase()).trim());
            } else {
                events.add("OTHER " + msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    static String describe(PacketFsSync s) {
        if (!s.hasCrc()) {
            return String.format("SYNC %04X", s.windowId());
        }
        String verdict = s.status() == PacketFsSync.CrcStatus.UNCHECKED ? "" : " " + s.status();
        return String.format("SYNC %04X CRC %04X%s", s.windowId(), s.crc(), verdict);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
        if (cause instanceof PacketFsException) {
            events.add("ERROR " + ((PacketFsException) cause).reason());
        } else {
            events.add("ERROR " + cause);
        }
    }
}
