package dev.flywheel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.DeadLetterJson;
import dev.flywheel.jobs.events.DecoderConfig;
import dev.flywheel.jobs.events.DlqReason;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The JSON examples and the option table in docs/ are what the code accepts and writes. */
class DocsExamplesTest {
  private static final Pattern BLOCK =
      Pattern.compile("(?:<!-- invalid: (\\w+) -->\\s*)?```json\\n(.*?)```", Pattern.DOTALL);

  private static Path docs() {
    String root = System.getProperty("flywheel.repo.root", "..");
    return Path.of(root, "docs");
  }

  private record Block(String invalidReason, String json) {
    /** The block as one line: the line breaks in the docs only separate fields. */
    String compact() {
      return json.strip().replaceAll("\\n\\s*", "");
    }

    byte[] bytes() {
      return compact().getBytes(StandardCharsets.UTF_8);
    }
  }

  private static List<Block> blocks(String file) throws Exception {
    String text = Files.readString(docs().resolve(file));
    Matcher m = BLOCK.matcher(text);
    List<Block> blocks = new ArrayList<>();
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    return blocks;
  }

  @Test
  void everyJsonExampleOfEventsMdIsWhatTheCodeDoes() throws Exception {
    EventDecoder decoder = new EventDecoder(new DecoderConfig(18, 7, 1 << 20, 10_000, 1000, true));
    int events = 0;
    int predictions = 0;
    int deadLetters = 0;
    for (Block block : blocks("events.md")) {
      String json = block.compact();
      if (json.contains("\"scoredAt\"")) {
        Prediction p = PredictionJson.parse(block.bytes());
        assertThat(new String(PredictionJson.encode(p), StandardCharsets.UTF_8)).isEqualTo(json);
        predictions++;
      } else if (json.contains("\"reason\"")) {
        DeadLetter d = DeadLetterJson.parse(block.bytes());
        assertThat(new String(DeadLetterJson.encode(d), StandardCharsets.UTF_8)).isEqualTo(json);
        // and the original really fails that way
        assertThat(decoder.decode(d.original)).isNull();
        assertThat(decoder.failure().reason()).isEqualTo(d.reason);
        assertThat(decoder.failure().detail()).isEqualTo(d.detail);
        assertThat(d.originalSize).isEqualTo(d.original.length);
        deadLetters++;
      } else {
        Event e = decoder.decode(block.bytes());
        if (block.invalidReason() == null) {
          assertThat(decoder.failure()).as(json).isNull();
          assertThat(e.featureCount()).as(json).isGreaterThanOrEqualTo(0);
        } else {
          assertThat(e).as(json).isNull();
          assertThat(decoder.failure().reason())
              .isEqualTo(DlqReason.valueOf(block.invalidReason()));
        }
        events++;
      }
    }
    assertThat(events).isGreaterThanOrEqualTo(5);
    assertThat(predictions).isEqualTo(3);
    assertThat(deadLetters).isEqualTo(1);
  }

  @Test
  void optionsMdHoldsTheGeneratedTable() throws Exception {
    String expected = FlywheelOptions.markdownTable();
    String actual = Files.readString(docs().resolve("options.md"));
    if (!actual.contains(expected)) {
      Path fresh = Path.of("target", "options-table.md");
      Files.writeString(fresh, expected);
      throw new AssertionError(
          "docs/options.md is out of date: paste the table from jobs/" + fresh + " into it");
    }
  }
}
