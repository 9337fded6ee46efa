package io.packetfs.codec;

/**
 * Observes the state machine of a PacketFS handler ({@link PacketFsEncoderState} or {@link PacketFsDecoderState}).
 * Called on the event loop at every transition; keep it cheap.
 *
 * @param <S> the state type
 */
@FunctionalInterface
public interface PacketFsStateListener<S extends Enum<S>> {

    /** The handler moved from {@code from} to {@code to}. */
    void onTransition(S from, S to);
}
