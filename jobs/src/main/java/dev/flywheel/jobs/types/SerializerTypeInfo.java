package dev.flywheel.jobs.types;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The {@link TypeInformation} of a record type with its own hand-written, stateless {@link
 * TypeSerializer}: an atomic type (a key type only if made by {@link #forKeys}) whose serializer
 * ignores the serializer config, so neither the POJO serializer's reflection nor Kryo is ever
 * involved. Record classes pick it up through a {@code @TypeInfo} factory, so {@code
 * TypeInformation.of(Event.class)} returns it.
 *
 * @param <T> the record type
 */
public final class SerializerTypeInfo<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final TypeSerializer<T> serializer;
  private final boolean keyType;

  /**
   * @param type the record class
   * @param serializer its serializer (stateless: one instance is shared)
   */
  public SerializerTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
    this(type, serializer, false);
  }

  private SerializerTypeInfo(Class<T> type, TypeSerializer<T> serializer, boolean keyType) {
    this.type = Objects.requireNonNull(type);
    this.serializer = Objects.requireNonNull(serializer);
    this.keyType = keyType;
  }

  /**
   * The same for a key type ({@code keyBy(selector, type)}): its class must have a stable {@code
   * hashCode} and {@code equals}, from which Flink assigns key groups; the serializer only writes
   * keys into state and timers.
   */
  public static <T> SerializerTypeInfo<T> forKeys(Class<T> type, TypeSerializer<T> serializer) {
    return new SerializerTypeInfo<>(type, serializer, true);
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return type;
  }

  @Override
  public boolean isKeyType() {
    return keyType;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer;
  }

  @Override
  public String toString() {
    return type.getSimpleName() + "<" + serializer.getClass().getSimpleName() + ">";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SerializerTypeInfo<?> other
        && other.canEqual(this)
        && type == other.type
        && keyType == other.keyType
        && serializer.equals(other.serializer);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * type.hashCode() + serializer.hashCode()) + Boolean.hashCode(keyType);
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof SerializerTypeInfo;
  }
}
