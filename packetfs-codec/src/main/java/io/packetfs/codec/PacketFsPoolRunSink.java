package io.packetfs.codec;

/**
 * Receives the runs of references that {@link PacketFsPoolEncoder} produces, in stream order. The sink takes
 * ownership of each run and must release it (or pass it on to something that does).
 */
@FunctionalInterface
public interface PacketFsPoolRunSink {

    /** One run of references of one tier (1 to 16,384 references). */
    void onRun(PacketFsRefs run);
}
