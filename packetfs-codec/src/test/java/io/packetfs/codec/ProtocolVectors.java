package io.packetfs.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the numbered test vectors of docs/PROTOCOL.md, the single home of the wire format. */
final class ProtocolVectors {

    private static final Pattern BLOCK = Pattern.compile("```vector\\n(.*?)```", Pattern.DOTALL);

    /** One vector. */
    static final class Vector {
        int id;
        PacketFsConfig config;
        int firstWindow;
        final List<byte[]> frames = new ArrayList<>();
        final List<String> expect = new ArrayList<>();
        /** Size and seed of the synthetic pool named by the {@code pool} key, or -1. */
        long poolSize = -1;
        long poolSeed;
        /** The pool's bytes when the {@code pool} key gives them ({@code bytes=HEX}), else null (synthetic). */
        byte[] poolBytes;
        /** What a pool decoder after the pipeline yields: {@code BYTES HEX} and {@code ERROR REASON} lines. */
        final List<String> decoded = new ArrayList<>();
        boolean encode;

        /** Whether every frame is exactly as long as its Frame Length field (so it can travel in a byte stream). */
        boolean streamable() {
            for (byte[] f : frames) {
                if (f.length < 8 || ((f[2] & 0xFF) << 8 | (f[3] & 0xFF)) != f.length) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return "V" + id;
        }
    }

    private ProtocolVectors() {
    }

    static List<Vector> load() {
        String text;
        try {
            text = Files.readString(PacketFsProtocolDocument.path(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Vector> vectors = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            vectors.add(parse(m.group(1)));
        }
        return Collections.unmodifiableList(vectors);
    }

    private static Vector parse(String block) {
        Vector v = new Vector();
        for (String raw : block.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "id":
                    v.id = Integer.parseInt(value);
                    break;
                case "config":
                    parseConfig(v, value);
                    break;
                case "frame":
                    v.frames.add(hex(value));
                    break;
                case "expect":
                    v.expect.add(value.toUpperCase().replaceAll("\\s+", " "));
                    break;
                case "pool":
                    for (String kv : value.split("\\s+")) {
                        if (kv.startsWith("size=")) {
                            v.poolSize = Long.parseLong(kv.substring(5));
                        } else if (kv.startsWith("seed=")) {
                            v.poolSeed = Long.parseLong(kv.substring(5));
                        } else if (kv.startsWith("bytes=")) {
                            v.poolBytes = hex(kv.substring(6));
                            v.poolSize = v.poolBytes.length;
                        } else if (!"synthetic".equals(kv)) {
                            throw new IllegalArgumentException("unknown pool key " + kv + " in: " + block);
                        }
                    }
                    break;
                case "decoded":
                    v.decoded.add(value.toUpperCase().replaceAll("\\s+", " "));
                    break;
                case "encode":
                    v.encode = "yes".equals(value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown vector key '" + key + "' in: " + block);
            }
        }
        if (v.config == null || v.frames.isEmpty() || v.expect.isEmpty()) {
            throw new IllegalArgumentException("incomplete vector: " + block);
        }
        return v;
    }

    private static void parseConfig(Vector v, String value) {
        PacketFsConfig.Builder b = PacketFsConfig.builder();
        for (String kv : value.split("\\s+")) {
            String[] p = kv.split("=");
            switch (p[0]) {
                case "window_pow2":
                    b.windowPow2(Integer.parseInt(p[1]));
                    break;
                case "crc":
                    b.crcEnabled("on".equals(p[1]));
                    break;
                case "first_window":
                    v.firstWindow = Integer.parseInt(p[1], 16);
                    break;
                default:
                    throw new IllegalArgumentException("unknown config key " + p[0]);
            }
        }
        v.config = b.build();
    }

    static byte[] hex(String s) {
        String h = s.replaceAll("[\\s|]", "");
        if ((h.length() & 1) != 0) {
            throw new IllegalArgumentException("odd hex length: " + s);
        }
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
