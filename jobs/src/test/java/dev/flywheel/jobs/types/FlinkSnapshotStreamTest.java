package dev.flywheel.jobs.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.state.CompressibleFSDataOutputStream;
import org.apache.flink.runtime.state.UncompressedStreamCompressionDecorator;
import org.junit.jupiter.api.Test;

/**
 * Pins a trap of the Flink version this project builds on: the stream the heap state backend writes
 * snapshots through ({@link CompressibleFSDataOutputStream}) overrides only {@code write(int)}, so
 * a bulk write (a model's 64 KiB blocks, a byte array in operator state) reaches the checkpoint
 * file one call per byte. docs/bench/pipeline.md ("Fourth round") measures what it costs. If this
 * test fails, Flink has fixed it: update that page and BENCHMARKS.md §4.
 */
class FlinkSnapshotStreamTest {

  /** Counts the calls it gets. */
  private static final class Counting extends FSDataOutputStream {
    long singleBytes;
    long bulkCalls;
    long pos;

    @Override
    public void write(int b) {
      singleBytes++;
      pos++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bulkCalls++;
      pos += len;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void flush() {}

    @Override
    public void sync() {}

    @Override
    public void close() {}
  }

  @Test
  void flinksSnapshotStreamTurnsABulkWriteIntoOneCallPerByte() throws IOException {
    Counting file = new Counting();
    CompressibleFSDataOutputStream snapshot =
        new CompressibleFSDataOutputStream(file, UncompressedStreamCompressionDecorator.INSTANCE);
    DataOutputViewStreamWrapper view = new DataOutputViewStreamWrapper(snapshot);

    view.write(new byte[65_536], 0, 65_536);
    view.flush();

    assertThat(file.pos).isEqualTo(65_536);
    assertThat(file.bulkCalls).as("bulk calls that reached the file").isZero();
    assertThat(file.singleBytes).as("write(int) calls").isEqualTo(65_536);
  }
}
