package dev.flywheel.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.types.SerializerTypeInfo;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.model.Model;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.io.ModelCodec;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ModelSerializerTest {

  private static Model trainedModel() {
    Model model = new Model(Fixtures.settings().modelConfig());
    List<LabeledExample> data = Fixtures.examples("m", 12, 1);
    SparseBatch batch = new SparseBatch(4, 3);
    for (int b = 0; b < 3; b++) {
      batch.clear();
      for (int i = 0; i < 4; i++) {
        data.get(4 * b + i).addTo(batch);
      }
      model.train(batch, null);
    }
    return model;
  }

  @Test
  void roundTripsAModelWithItsOptimiserStateBitForBit() throws IOException {
    Model model = trainedModel();
    DataOutputSerializer out = new DataOutputSerializer(1024);
    ModelSerializer.INSTANCE.serialize(model, out);
    Model back =
        ModelSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(back.version()).isEqualTo(3);
    assertThat(ModelCodec.writeSnapshot(back)).isEqualTo(ModelCodec.writeSnapshot(model));

    DataOutputSerializer copied = new DataOutputSerializer(1024);
    ModelSerializer.INSTANCE.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());

    Model copy = ModelSerializer.INSTANCE.copy(model);
    assertThat(copy).isNotSameAs(model);
    assertThat(ModelCodec.writeSnapshot(copy)).isEqualTo(ModelCodec.writeSnapshot(model));
  }

  @Test
  void corruptStateFailsWithAnIOExceptionNotAnUncheckedOne() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    ModelSerializer.INSTANCE.serialize(trainedModel(), out);
    byte[] bytes = out.getCopyOfBuffer();
    bytes[bytes.length / 2] ^= 0x55;
    assertThatThrownBy(() -> ModelSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("model state");
  }

  @Test
  void snapshotRoundTripsAndIsCompatibleAsIsWithItself() throws IOException {
    TypeSerializerSnapshot<Model> snapshot = ModelSerializer.INSTANCE.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<Model> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
    assertThat(read).isInstanceOf(ModelSerializerSnapshot.class);
    assertThat(read.restoreSerializer()).isEqualTo(ModelSerializer.INSTANCE);
    TypeSerializerSchemaCompatibility<Model> compatibility =
        ModelSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
  }

  @Test
  void anotherSerializersSnapshotIsIncompatibleAndAnUnknownVersionIsRejected() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSnapshot<Model> foreign =
        (TypeSerializerSnapshot) StringSerializer.INSTANCE.snapshotConfiguration();
    assertThat(new ModelSerializerSnapshot().resolveSchemaCompatibility(foreign).isIncompatible())
        .isTrue();
    assertThatThrownBy(
            () ->
                new ModelSerializerSnapshot()
                    .readSnapshot(2, new DataInputDeserializer(new byte[0]), null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 2 is unknown");
  }

  @Test
  void everyTypeOnTheWireOrInStateIsAPojoOrHasItsOwnSerializerSoKryoIsNeverUsed() {
    for (Class<?> type :
        List.of(
            LabeledExample.class,
            ModelUpdate.class,
            TrainerProgress.class,
            dev.flywheel.jobs.events.Event.class,
            dev.flywheel.jobs.events.Prediction.class)) {
      assertThat(TypeInformation.of(type))
          .as(type.getSimpleName())
          .isInstanceOfAny(PojoTypeInfo.class, SerializerTypeInfo.class);
    }
  }
}
