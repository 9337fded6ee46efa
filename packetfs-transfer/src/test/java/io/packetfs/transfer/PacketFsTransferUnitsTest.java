package io.packetfs.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsControlUnit;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.PacketFsProtocolDocument;
import io.packetfs.codec.pool.PacketFsPool;
import io.packetfs.codec.pool.PacketFsPoolGeometry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The session units' bodies (docs/PROTOCOL.md 7) against the document's {@code unit-body} vectors: each body is built
 * from its fields and must equal the vector's bytes, and the bytes parse back to the fields; every body cut short by
 * one byte or more is refused as {@code TRUNCATED}.
 */
class PacketFsTransferUnitsTest {

    private static final Pattern BLOCK = Pattern.compile("```unit-body\\n(.*?)```", Pattern.DOTALL);

    /** One vector: the unit's name, its fields and its body. */
    record Vector(String unit, Map<String, String> fields, byte[] body) {
    }

    static List<Vector> vectors() throws Exception {
        String doc = Files.readString(PacketFsProtocolDocument.path());
        List<Vector> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(doc);
        while (m.find()) {
            String[] lines = m.group(1).split("\n");
            String head = lines[0].substring("unit ".length());
            int sp = head.indexOf(' ');
            String unit = sp < 0 ? head : head.substring(0, sp);
            Map<String, String> fields = new HashMap<>();
            String rest = sp < 0 ? "" : head.substring(sp + 1);
            while (!rest.isEmpty()) {
                int eq = rest.indexOf('=');
                String key = rest.substring(0, eq);
                // a message is the rest of the line; other values end at a space
                int end = key.equals("message") ? rest.length() : rest.indexOf(' ', eq) < 0 ? rest.length()
                        : rest.indexOf(' ', eq);
                fields.put(key, rest.substring(eq + 1, end));
                rest = end >= rest.length() ? "" : rest.substring(end + 1);
            }
            out.add(new Vector(unit, fields, ByteBufUtil.decodeHexDump(lines[1].substring("hex ".length())
                    .replace(" ", ""))));
        }
        return out;
    }

    private static PacketFsControlUnit build(Vector v) {
        ByteBufAllocator a = ByteBufAllocator.DEFAULT;
        Map<String, String> f = v.fields();
        switch (v.unit()) {
            case "HELLO":
                return PacketFsTransferUnits.hello(a, Integer.parseInt(f.get("role")),
                        ByteBufUtil.decodeHexDump(f.get("fingerprint")), Long.parseLong(f.get("size")),
                        ByteBufUtil.decodeHexDump(f.get("geometry")));
            case "FILE":
                return PacketFsTransferUnits.file(a, Long.parseLong(f.get("size")), f.get("name"));
            case "SYNC_ACK":
                return PacketFsTransferUnits.syncAck(a, Integer.parseInt(f.get("window")));
            case "END":
                return PacketFsTransferUnits.end(a, Long.parseLong(f.get("bytes")), Long.parseLong(f.get("refs")),
                        ByteBufUtil.decodeHexDump(f.get("sha256")));
            case "CLOSE":
                return PacketFsTransferUnits.close(a, Integer.parseInt(f.get("code")), f.get("message"));
            default:
                throw new AssertionError("unknown unit in PROTOCOL.md: " + v.unit());
        }
    }

    /** Parses {@code body} as the vector's unit and checks every field. */
    private static void checkParsed(Vector v, ByteBuf body) {
        Map<String, String> f = v.fields();
        switch (v.unit()) {
            case "HELLO": {
                PacketFsTransferUnits.Hello h = PacketFsTransferUnits.parseHello(body);
                assertThat(h.version()).isEqualTo(PacketFsTransferUnits.SESSION_VERSION);
                assertThat(h.role()).isEqualTo(Integer.parseInt(f.get("role")));
                assertThat(h.fingerprint()).isEqualTo(ByteBufUtil.decodeHexDump(f.get("fingerprint")));
                assertThat(h.poolSize()).isEqualTo(Long.parseLong(f.get("size")));
                assertThat(h.geometry()).isEqualTo(ByteBufUtil.decodeHexDump(f.get("geometry")));
                break;
            }
            case "FILE": {
                PacketFsTransferUnits.FileInfo i = PacketFsTransferUnits.parseFile(body);
                assertThat(i.size()).isEqualTo(Long.parseLong(f.get("size")));
                assertThat(i.name()).isEqualTo(f.get("name"));
                break;
            }
            case "SYNC_ACK":
                assertThat(PacketFsTransferUnits.parseSyncAck(body)).isEqualTo(Integer.parseInt(f.get("window")));
                break;
            case "END": {
                PacketFsTransferUnits.End e = PacketFsTransferUnits.parseEnd(body);
                assertThat(e.bytes()).isEqualTo(Long.parseLong(f.get("bytes")));
                assertThat(e.refs()).isEqualTo(Long.parseLong(f.get("refs")));
                assertThat(e.sha256()).isEqualTo(ByteBufUtil.decodeHexDump(f.get("sha256")));
                break;
            }
            case "CLOSE": {
                PacketFsTransferUnits.Close c = PacketFsTransferUnits.parseClose(body);
                assertThat(c.code()).isEqualTo(Integer.parseInt(f.get("code")));
                assertThat(c.message()).isEqualTo(f.get("message"));
                break;
            }
            default:
                throw new AssertionError(v.unit());
        }
    }

    private static int minimumLength(String unit) {
        switch (unit) {
            case "HELLO":
                return PacketFsTransferUnits.HELLO_GEOMETRY;
            case "FILE":
                return -1; // depends on the name length: checked separately
            case "SYNC_ACK":
                return PacketFsTransferUnits.SYNC_ACK_LENGTH;
            case "END":
                return PacketFsTransferUnits.END_LENGTH;
            case "CLOSE":
                return PacketFsTransferUnits.CLOSE_MESSAGE;
            default:
                throw new AssertionError(unit);
        }
    }

    @Test
    void everyVectorOfTheDocumentIsBuiltAndParsedExactly() throws Exception {
        List<Vector> vs = vectors();
        assertThat(vs).extracting(Vector::unit).contains("HELLO", "FILE", "SYNC_ACK", "END", "CLOSE");
        for (Vector v : vs) {
            PacketFsControlUnit u = build(v);
            try {
                assertThat(ByteBufUtil.getBytes(u.content())).as(v.unit()).isEqualTo(v.body());
            } finally {
                u.release();
            }
            // parsed from a buffer whose reader index is not 0, so offsets are relative
            ByteBuf b = Unpooled.buffer().writeBytes(new byte[] {9, 9, 9}).writeBytes(v.body());
            b.readerIndex(3);
            try {
                checkParsed(v, b);
                assertThat(b.readerIndex()).isEqualTo(3);
            } finally {
                b.release();
            }
        }
    }

    @Test
    void bodiesCutShortAreTruncatedNeverAnOutOfBoundsRead() throws Exception {
        for (Vector v : vectors()) {
            int min = v.unit().equals("FILE") ? v.body().length : minimumLength(v.unit());
            for (int n = 0; n < min; n++) {
                ByteBuf b = Unpooled.wrappedBuffer(v.body(), 0, n);
                try {
                    assertThatThrownBy(() -> checkParsed(v, b)).as("%s cut to %d bytes", v.unit(), n)
                            .isInstanceOf(PacketFsException.class)
                            .matches(e -> ((PacketFsException) e).reason() == PacketFsException.Reason.TRUNCATED);
                } finally {
                    b.release();
                }
            }
        }
    }

    @Test
    void helloForAPoolCarriesItsFingerprintSizeAndGeometry() {
        try (PacketFsPool pool = PacketFsPool.synthetic(1 << 20, 3, PacketFsPoolGeometry.DEFAULT)) {
            PacketFsControlUnit u = PacketFsTransferUnits.hello(ByteBufAllocator.DEFAULT,
                    PacketFsTransferUnits.ROLE_RECEIVER, pool);
            try {
                PacketFsTransferUnits.Hello h = PacketFsTransferUnits.parseHello(u.content());
                assertThat(h.role()).isEqualTo(PacketFsTransferUnits.ROLE_RECEIVER);
                assertThat(h.fingerprint()).isEqualTo(pool.fingerprint());
                assertThat(h.poolSize()).isEqualTo(pool.size());
                ByteBuf g = Unpooled.buffer();
                pool.geometry().writeTo(g);
                assertThat(h.geometry()).isEqualTo(ByteBufUtil.getBytes(g));
                g.release();
            } finally {
                u.release();
            }
        }
    }

    @Test
    void longNamesAndMessagesAreCutAt1024Bytes() {
        String longName = "n".repeat(5000);
        PacketFsControlUnit f = PacketFsTransferUnits.file(ByteBufAllocator.DEFAULT, 1, longName);
        PacketFsControlUnit c = PacketFsTransferUnits.close(ByteBufAllocator.DEFAULT, 2, longName);
        try {
            assertThat(PacketFsTransferUnits.parseFile(f.content()).name()).hasSize(1024);
            assertThat(PacketFsTransferUnits.parseClose(c.content()).message()).hasSize(1024);
        } finally {
            f.release();
            c.release();
        }
        assertThatThrownBy(() -> PacketFsTransferUnits.end(ByteBufAllocator.DEFAULT, 0, 0, new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 32");
    }
}
