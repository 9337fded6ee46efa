package io.packetfs.examples;

/** How a transfer ended, and its figures. */
final class TransferResult {

    boolean ok;
    String message;
    long fileBytes;
    long wireBytes;
    long frames;
    long refs;
    double seconds;

    static TransferResult failure(String message) {
        TransferResult r = new TransferResult();
        r.ok = false;
        r.message = message;
        return r;
    }

    String summary(String who) {
        double secs = Math.max(seconds, 1e-9);
        return String.format("%s: %s%n%s: %,d bytes of file, %,d wire bytes (ratio %.4f, %s), %,d frames, "
                        + "%,.0f frames/s, %,.1f MB/s of file, %.2f s",
                who, message, who, fileBytes, wireBytes, fileBytes == 0 ? 0.0 : (double) wireBytes / fileBytes,
                fileBytes == 0 ? "empty file" : String.format("%.1fx fewer bytes on the wire",
                        (double) fileBytes / Math.max(1, wireBytes)),
                frames, frames / secs, fileBytes / secs / 1e6, seconds);
    }
}
