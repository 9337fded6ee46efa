package io.packetfs.codec.pool;

import io.packetfs.codec.PacketFsCopyUnit;

/**
 * Receives the COPY units that {@link PacketFsPoolEncoder} produces, in stream order. The sink takes ownership of
 * each unit and must release it (or pass it on to something that does).
 */
@FunctionalInterface
public interface PacketFsPoolCopySink {

    /** One COPY unit (docs/PROTOCOL.md 8.7). */
    void onCopy(PacketFsCopyUnit unit);
}
