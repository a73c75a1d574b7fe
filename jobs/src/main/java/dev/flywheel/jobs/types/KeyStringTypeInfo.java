package dev.flywheel.jobs.types;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of string keys serialized by {@link KeyStringSerializer} (Flink's string bytes, written
 * in one call): pass {@link #INSTANCE} to {@code keyBy(selector, type)} instead of {@code
 * Types.STRING}. Partitioning is unchanged: Flink assigns key groups from {@code
 * String.hashCode()}, not from the serializer.
 */
public final class KeyStringTypeInfo extends TypeInformation<String> {
  private static final long serialVersionUID = 1L;

  /** The shared instance. */
  public static final KeyStringTypeInfo INSTANCE = new KeyStringTypeInfo();

  private KeyStringTypeInfo() {}

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
  public Class<String> getTypeClass() {
    return String.class;
  }

  @Override
  public boolean isKeyType() {
    return true;
  }

  @Override
  public TypeSerializer<String> createSerializer(SerializerConfig config) {
    return KeyStringSerializer.INSTANCE;
  }

  @Override
  public String toString() {
    return "String<KeyStringSerializer>";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyStringTypeInfo;
  }

  @Override
  public int hashCode() {
    return KeyStringTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof KeyStringTypeInfo;
  }
}
