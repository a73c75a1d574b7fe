package dev.flywheel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    ModelConfig c = ModelConfig.defaults();
    assertThat(c.hashBits()).isEqualTo(18);
    assertThat(c.embeddingDim()).isEqualTo(16);
    assertThat(c.hiddenLayers()).containsExactly(32);
    assertThat(c.maxBatchSize()).isEqualTo(256);
    assertThat(c.scalerBits()).isEqualTo(12);
    assertThat(c.loss()).isEqualTo(ModelConfig.LossType.LOGISTIC);
    assertThat(c.interactions()).isEqualTo(ModelConfig.Interactions.NONE);
    assertThat(c.hasFactorizationMachine()).isFalse();
  }

  @Test
  void factorizationMachineNeedsADeepTower() {
    assertThatThrownBy(
            () ->
                ModelConfig.builder()
                    .hiddenLayers()
                    .interactions(ModelConfig.Interactions.FM)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interactions FM needs a deep tower");
    ModelConfig fm = ModelConfig.builder().interactions(ModelConfig.Interactions.FM).build();
    assertThat(fm.hasFactorizationMachine()).isTrue();
    assertThat(fm).isNotEqualTo(ModelConfig.defaults());
    assertThat(fm.toString()).contains("interactions=FM");
    assertThat(fm.toBuilder().build()).isEqualTo(fm).hasSameHashCodeAs(fm);
    assertThat(ModelConfig.Interactions.fromCode(1)).isEqualTo(ModelConfig.Interactions.FM);
    assertThat(ModelConfig.Interactions.fromCode(0)).isEqualTo(ModelConfig.Interactions.NONE);
    assertThat(ModelConfig.Interactions.fromCode(2)).isNull();
  }

  @Test
  void invalidOptionsAreNamedWithTheirValue() {
    assertThatThrownBy(() -> ModelConfig.builder().learningRate(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("learningRate")
        .hasMessageContaining("-1.0");
    assertThatThrownBy(() -> ModelConfig.builder().hashBits(29).build())
        .hasMessageContaining("hashBits")
        .hasMessageContaining("29");
    assertThatThrownBy(() -> ModelConfig.builder().hiddenLayers(8, 0).build())
        .hasMessageContaining("hiddenLayers[1]");
    assertThatThrownBy(() -> ModelConfig.builder().momentum(1.0).build())
        .hasMessageContaining("momentum");
    assertThatThrownBy(() -> ModelConfig.builder().l2(Double.NaN).build())
        .hasMessageContaining("l2");
    assertThatThrownBy(() -> ModelConfig.builder().maxBatchSize(0).build())
        .hasMessageContaining("maxBatchSize");
    assertThatThrownBy(
            () -> ModelConfig.builder().adagradEpsilon(0).adagradInitialAccumulator(0).build())
        .hasMessageContaining("adagradEpsilon + adagradInitialAccumulator");
  }

  @Test
  void toBuilderRoundTripsAndEqualityCoversEveryOption() {
    ModelConfig c =
        ModelConfig.builder()
            .hashBits(10)
            .embeddingDim(4)
            .hiddenLayers(3, 2)
            .optimizer(ModelConfig.OptimizerType.ADAM)
            .l2(1e-4)
            .build();
    assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    assertThat(c.toBuilder().hiddenLayers(3).build()).isNotEqualTo(c);
    assertThat(c.toBuilder().l2(2e-4).build()).isNotEqualTo(c);
    assertThat(c.toString()).contains("hiddenLayers=[3, 2]").contains("optimizer=ADAM");
  }

  @Test
  void javaSerializationRoundTrips() throws Exception {
    ModelConfig c = ModelConfig.builder().hashBits(9).hiddenLayers(7, 3).l2(0.01).build();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(c).isNotSameAs(c);
    }
  }

  @Test
  void hiddenLayersAreDefensivelyCopied() {
    int[] widths = {5};
    ModelConfig c = ModelConfig.builder().hiddenLayers(widths).build();
    widths[0] = 7;
    c.hiddenLayers()[0] = 9;
    assertThat(c.hiddenLayers()).containsExactly(5);
  }
}
