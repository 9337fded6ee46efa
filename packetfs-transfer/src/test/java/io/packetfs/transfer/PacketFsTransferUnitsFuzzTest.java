package io.packetfs.transfer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.packetfs.codec.PacketFsException;
import io.packetfs.codec.pool.PacketFsPoolGeometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz target for the session units' body parsers (HELLO, FILE, END, CLOSE, SYNC_ACK; docs/PROTOCOL.md 7) and
 * the pool geometry of a HELLO body: the parsers may throw only {@link PacketFsException}, the geometry only
 * {@link IllegalArgumentException}; none of them changes the body's reference count. Under plain {@code mvn test} it
 * runs in regression mode over {@code src/test/resources/io/packetfs/transfer/PacketFsTransferUnitsFuzzTestInputs/
 * transferUnits/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class PacketFsTransferUnitsFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void transferUnits(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 4);
        ByteBuf body = Unpooled.wrappedBuffer(data.consumeRemainingAsBytes());
        try {
            switch (which) {
                case 0:
                    PacketFsTransferUnits.Hello h = PacketFsTransferUnits.parseHello(body);
                    assertEquals(32, h.fingerprint().length);
                    try {
                        PacketFsPoolGeometry.readFrom(Unpooled.wrappedBuffer(h.geometry()));
                    } catch (IllegalArgumentException expected) {
                        // documented
                    }
                    break;
                case 1:
                    PacketFsTransferUnits.parseFile(body);
                    break;
                case 2:
                    assertEquals(32, PacketFsTransferUnits.parseEnd(body).sha256().length);
                    break;
                case 3:
                    PacketFsTransferUnits.parseClose(body);
                    break;
                default:
                    int id = PacketFsTransferUnits.parseSyncAck(body);
                    assertTrue(id >= 0 && id <= 0xFFFF, "window id " + id);
                    break;
            }
        } catch (PacketFsException expected) {
            // documented
        } finally {
            assertEquals(1, body.refCnt());
            body.release();
        }
    }
}
