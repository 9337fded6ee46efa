package io.packetfs.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Turns Netty's leak reports into test failures. Registered for every test class through the JUnit service loader
 * (src/test/resources/META-INF/services), it installs a leak detector factory whose detectors record each report;
 * after each class it collects garbage, prods the detectors, and fails if any buffer was garbage-collected without
 * being released. Surefire runs with {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 */
public final class LeakFailureExtension implements AfterAllCallback {

    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            // Leak reports are made when a new resource is tracked: allocate a few to drain the queue.
            for (int k = 0; k < 8; k++) {
                ByteBuf probe = Unpooled.directBuffer(1);
                probe.release();
                Unpooled.buffer(1).release();
            }
        }
        List<String> found;
        synchronized (LEAKS) {
            found = new ArrayList<>(LEAKS);
            LEAKS.clear();
        }
        if (!found.isEmpty()) {
            fail(found.size() + " leaked buffer(s) in " + context.getDisplayName() + ":\n" + found.get(0));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    synchronized (LEAKS) {
                        LEAKS.add(resourceType + records);
                    }
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    synchronized (LEAKS) {
                        LEAKS.add(resourceType + " (untraced)");
                    }
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
