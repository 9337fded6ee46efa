package io.packetfs.codec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where docs/PROTOCOL.md is, for the tests that read its vectors in every module (through the codec's test-jar):
 * found from the working directory upwards (Maven runs tests in the module's directory).
 */
public final class PacketFsProtocolDocument {

    private PacketFsProtocolDocument() {
    }

    /** The path of docs/PROTOCOL.md. */
    public static Path path() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs").resolve("PROTOCOL.md");
            if (Files.isRegularFile(doc)) {
                return doc;
            }
        }
        throw new IllegalStateException("docs/PROTOCOL.md not found above " + Paths.get("").toAbsolutePath());
    }
}
