package io.packetfs.codec.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.packetfs.codec.PacketFsConfig;
import io.packetfs.codec.PacketFsPipelines;
import io.packetfs.codec.PacketFsProtocolDocument;
import io.packetfs.codec.PacketFsRefs;
import io.packetfs.codec.PacketFsTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The reliable-delivery vectors R1..R3 of docs/PROTOCOL.md section 9, reproduced by two {@link PacketFsReliability}
 * handlers with fixed Session IDs: A (0xA1A1A1A1) sends six frames, B (0xB2B2B2B2) loses the third and fourth,
 * asks for them (R3), gets them and acknowledges everything (R2). R1 is A's first frame on the wire.
 */
class PacketFsReliabilityVectorsTest {

    private static final Pattern BLOCK = Pattern.compile("```reliable\\n(.*?)```", Pattern.DOTALL);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    static Map<String, Map<String, String>> vectors() throws IOException {
        String text = Files.readString(PacketFsProtocolDocument.path(), StandardCharsets.UTF_8);
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            Map<String, String> v = new LinkedHashMap<>();
            for (String line : m.group(1).split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    v.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            out.put(v.get("id"), v);
        }
        return out;
    }

    static String hex(ByteBuf b) {
        return ByteBufUtil.hexDump(b).toUpperCase();
    }

    static String clean(String hex) {
        return hex.replaceAll("[\\s|]", "").toUpperCase();
    }

    private EmbeddedChannel peer(int session) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new PacketFsReliability(PacketFsConfig.builder().crcEnabled(false).build(),
                PacketFsReliabilityConfig.builder().receiveWindowFrames(1024).build(),
                session));
        channels.add(ch);
        return ch;
    }

    /** V1's frame (three L1 references), as the tier encoder writes it. */
    static ByteBuf codecFrame() {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(clean("10 10 000D 00000000 | 0002 41 42 43")));
    }

    @Test
    void vectorsMatchTheDocument() throws IOException {
        Map<String, Map<String, String>> doc = vectors();
        EmbeddedChannel a = peer(0xA1A1A1A1);
        EmbeddedChannel b = peer(0xB2B2B2B2);
        List<ByteBuf> wire = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            a.writeOneOutbound(codecFrame());
        }
        a.flushOutbound();
        for (Object f; (f = a.readOutbound()) != null; ) {
            wire.add((ByteBuf) f);
        }
        assertEquals(6, wire.size());
        assertEquals(clean(doc.get("R1").get("wire")), hex(wire.get(0)), "R1");
        for (int i : new int[] {0, 1, 4, 5}) {
            b.writeInbound(Unpooled.copiedBuffer(wire.get(i)));
        }
        b.advanceTimeBy(5, TimeUnit.MILLISECONDS); // past the NACK delay (2 ms), at the next tick
        b.runScheduledPendingTasks();
        ByteBuf nack = b.readOutbound();
        assertNotNull(nack);
        assertEquals(clean(doc.get("R3").get("wire")), hex(nack), "R3");
        nack.release();
        b.writeInbound(Unpooled.copiedBuffer(wire.get(2)));
        b.writeInbound(Unpooled.copiedBuffer(wire.get(3)));
        b.advanceTimeBy(5, TimeUnit.MILLISECONDS);
        b.runScheduledPendingTasks();
        ByteBuf status = b.readOutbound();
        assertNotNull(status);
        assertEquals(clean(doc.get("R2").get("wire")), hex(status), "R2");
        status.release();
        // B passed up the six codec frames, in order, exactly as A's encoder wrote them but for the sequence
        for (int i = 0; i < 6; i++) {
            ByteBuf f = b.readInbound();
            ByteBuf expected = codecFrame();
            expected.setInt(4, i);
            assertEquals(hex(expected), hex(f));
            expected.release();
            f.release();
        }
        wire.forEach(ByteBuf::release);
    }

    @Test
    void theCodecReadsWhatTheReliabilityLayerPassesUp() throws IOException {
        Map<String, Map<String, String>> doc = vectors();
        EmbeddedChannel ch = new EmbeddedChannel();
        PacketFsPipelines.addReliableCodec(ch.pipeline(), PacketFsConfig.builder().crcEnabled(false).build(),
                PacketFsReliabilityConfig.DEFAULT);
        channels.add(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(clean(doc.get("R1").get("wire")))));
        PacketFsRefs refs = ch.readInbound();
        assertEquals(PacketFsTier.L1, refs.tier());
        assertEquals(3, refs.count());
        assertEquals(0x41, refs.ref(0));
        refs.release();
    }
}
