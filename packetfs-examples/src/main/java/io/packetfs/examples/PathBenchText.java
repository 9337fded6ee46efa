package io.packetfs.examples;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code bench-path} reads from the text of other programs: the summary of {@code send}, the line of
 * {@code tcp-copy}, {@code tc -s qdisc show}, and {@code /proc/PID/net/{udp,udp6,tcp,tcp6}}.
 *
 * <p>The summaries are read by label, not by position, so that fields added to them (a congestion window, a pacing
 * rate, an RTT) do not move what is read here:
 * <pre>
 *   send: OK ...
 *   send: 2,097,152 bytes of file, 2,105,890 wire bytes (ratio 1.0042, ...), 1,512 frames, 2,871 frames/s,
 *         4.0 MB/s of file, 0.53 s[, any further fields]
 *   send: frames sent 1,512, retransmitted 3 (...)...
 * </pre>
 */
final class PathBenchText {

    private static final String NUMBER = "(\\d[\\d,]*)";
    private static final Pattern SUMMARY_LINE = Pattern.compile("(?m)^send: .*\\bbytes of file\\b.*$");
    private static final Pattern FILE_BYTES = Pattern.compile(NUMBER + " bytes of file\\b");
    private static final Pattern WIRE_BYTES = Pattern.compile(NUMBER + " wire bytes\\b");
    private static final Pattern FRAMES = Pattern.compile(NUMBER + " frames(?![/\\w])");
    /** A number followed by the unit "s" alone: "0.53 s", not "MB/s", "frames/s" or "3.1 ms". */
    private static final Pattern SECONDS = Pattern.compile("(?<![\\w.,/])(\\d[\\d,]*(?:\\.\\d+)?) s(?![\\w/])");
    private static final Pattern FRAMES_SENT = Pattern.compile("(?m)^send: .*\\bframes sent " + NUMBER);
    private static final Pattern RETRANSMITTED = Pattern.compile("(?m)^send: .*\\bretransmitted " + NUMBER);
    private static final Pattern TCP_COPY = Pattern.compile("(?m)^tcp-copy: (\\d+) bytes, (\\d+(?:\\.\\d+)?) s");
    private static final Pattern DROPPED = Pattern.compile("\\(dropped (\\d+)");

    private PathBenchText() {
    }

    /** The figures of one {@code send} run; -1 for a field the text did not have. */
    static final class SendSummary {
        long fileBytes = -1;
        long wireBytes = -1;
        long frames = -1;
        double seconds = -1;
        long framesSent = -1;
        long retransmitted = -1;
    }

    /**
     * Reads the summary of {@code send} from its standard output; null if there is no summary line or it lacks the
     * file bytes, wire bytes or seconds. The repair line (reliable delivery only) is optional.
     */
    static SendSummary parseSend(String stdout) {
        Matcher line = SUMMARY_LINE.matcher(stdout);
        if (!line.find()) {
            return null;
        }
        String summary = line.group();
        SendSummary s = new SendSummary();
        s.fileBytes = firstLong(FILE_BYTES, summary);
        s.wireBytes = firstLong(WIRE_BYTES, summary);
        s.frames = firstLong(FRAMES, summary);
        Matcher secs = SECONDS.matcher(summary);
        if (secs.find()) {
            s.seconds = Double.parseDouble(digits(secs.group(1)));
        }
        s.framesSent = firstLong(FRAMES_SENT, stdout);
        s.retransmitted = firstLong(RETRANSMITTED, stdout);
        return s.fileBytes < 0 || s.wireBytes < 0 || s.seconds < 0 ? null : s;
    }

    /** {bytes, seconds} of the sending {@code tcp-copy}, or null. */
    static double[] parseTcpCopy(String stdout) {
        Matcher m = TCP_COPY.matcher(stdout);
        return m.find() ? new double[] {Long.parseLong(m.group(1)), Double.parseDouble(m.group(2))} : null;
    }

    /**
     * The drops of the root qdisc in {@code tc -s qdisc show dev IF}: the first "(dropped N" after the line that
     * starts with "qdisc" and names "root", before the next qdisc; -1 if there is none.
     */
    static long parseRootDrops(String tcOutput) {
        String[] lines = tcOutput.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].trim();
            if (l.startsWith("qdisc ") && l.contains(" root")) {
                for (int j = i; j < lines.length; j++) {
                    if (j > i && lines[j].trim().startsWith("qdisc ")) {
                        break;
                    }
                    Matcher m = DROPPED.matcher(lines[j]);
                    if (m.find()) {
                        return Long.parseLong(m.group(1));
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    /**
     * True if a table of {@code /proc/PID/net/udp}, {@code udp6}, {@code tcp} or {@code tcp6} has a socket bound to
     * {@code ipv4} (or to an IPv4-mapped IPv6 address of it) and {@code port}, in state {@code state} (two hex
     * digits: 0A is TCP LISTEN; null for any state, as an unconnected UDP socket). The kernel prints each 32-bit
     * word of an address in host byte order, so both orders are accepted.
     */
    static boolean hasSocket(String table, byte[] ipv4, int port, String state) {
        String be = hex(ipv4[0], ipv4[1], ipv4[2], ipv4[3]);
        String le = hex(ipv4[3], ipv4[2], ipv4[1], ipv4[0]);
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "sl local_address rem_address st ..."; data rows start with "N:"
            if (f.length < 4 || !f[0].endsWith(":")) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            if (colon < 8) {
                continue;
            }
            String addr = f[1].substring(colon - 8, colon).toUpperCase(java.util.Locale.ROOT);
            int p;
            try {
                p = Integer.parseInt(f[1].substring(colon + 1), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (p == port && (addr.equals(be) || addr.equals(le)) && (state == null || state.equalsIgnoreCase(f[3]))) {
                return true;
            }
        }
        return false;
    }

    private static String hex(byte... b) {
        StringBuilder sb = new StringBuilder(8);
        for (byte x : b) {
            sb.append(String.format("%02X", x & 0xff));
        }
        return sb.toString();
    }

    private static long firstLong(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(digits(m.group(1))) : -1;
    }

    private static String digits(String grouped) {
        return grouped.replace(",", "");
    }
}
