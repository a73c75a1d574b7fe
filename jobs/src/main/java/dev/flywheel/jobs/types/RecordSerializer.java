package dev.flywheel.jobs.types;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The shared part of the job's hand-written, stateless record serializers: variable length, no
 * instance reuse (a deserialized or copied record is always a new instance, which the object-reuse
 * argument in docs/pipeline.md relies on), and a stream copy through a deserialized record.
 * Subclasses write the layout ({@code serialize}, {@code deserialize}, {@code copy}), say whether
 * the type is immutable, and give the snapshot.
 *
 * @param <T> the record type
 */
public abstract class RecordSerializer<T> extends TypeSerializerSingleton<T> {
  private static final long serialVersionUID = 1L;

  @Override
  public final T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public final int getLength() {
    return -1;
  }

  @Override
  public final T deserialize(T reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }
}
