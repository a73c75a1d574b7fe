package dev.flywheel.deploy;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the broker's child JVM: runs {@code kafka.Kafka} and exits when the parent dies.
 *
 * <p>The parent keeps this process's standard input open and never writes to it; end of input
 * therefore means the parent is gone (even after {@code kill -9}), and the broker then shuts down
 * cleanly through its own shutdown hook instead of living on as an orphan holding the ports. This
 * class uses only the JDK, so the broker's classpath stays Kafka's own.
 */
public final class BrokerMain {
  private BrokerMain() {}

  /**
   * @param args the arguments of {@code kafka.Kafka}: the path of {@code server.properties}
   */
  public static void main(String[] args) throws Exception {
    Thread watchdog = new Thread(BrokerMain::exitWhenParentGone, "flywheel-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) args);
  }

  private static void exitWhenParentGone() {
    InputStream in = System.in;
    byte[] buffer = new byte[64];
    try {
      while (in.read(buffer) >= 0) {
        // The parent never writes; keep reading until end of input.
      }
    } catch (IOException e) {
      // A broken pipe also means the parent is gone.
    }
    System.err.println("flywheel: parent process gone, stopping the broker");
    System.exit(0);
  }
}
