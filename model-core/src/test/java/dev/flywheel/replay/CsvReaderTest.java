package dev.flywheel.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {

  private static List<List<String>> read(String text, int bufferChars) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    try (CsvReader r = new CsvReader(new StringReader(text), bufferChars)) {
      while (r.next()) {
        List<String> row = new ArrayList<>();
        for (int f = 0; f < r.fieldCount(); f++) {
          row.add(r.field(f));
        }
        rows.add(row);
        assertThat(r.recordNumber()).isEqualTo(rows.size());
      }
    }
    return rows;
  }

  @Test
  void splitsFieldsAndRecords() throws IOException {
    for (int buffer : new int[] {1, 2, 3, 7, 1 << 16}) {
      assertThat(read("a,b,c\n1,,3\r\n,x,\n", buffer))
          .as("buffer %d", buffer)
          .containsExactly(List.of("a", "b", "c"), List.of("1", "", "3"), List.of("", "x", ""));
    }
  }

  @Test
  void lastRecordWithoutNewlineAndBlankLines() throws IOException {
    for (int buffer : new int[] {1, 4, 1 << 16}) {
      assertThat(read("\na,b\n\n\r\n1,2", buffer))
          .as("buffer %d", buffer)
          .containsExactly(List.of("a", "b"), List.of("1", "2"));
    }
  }

  @Test
  void quotedFields() throws IOException {
    for (int buffer : new int[] {1, 2, 5, 1 << 16}) {
      assertThat(read("\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\"\n\"\",z\n", buffer))
          .as("buffer %d", buffer)
          .containsExactly(List.of("a,b", "say \"hi\"", "line\nbreak"), List.of("", "z"));
    }
  }

  @Test
  void emptyInput() throws IOException {
    assertThat(read("", 8)).isEmpty();
    assertThat(read("\n\n", 8)).isEmpty();
  }

  @Test
  void longRecordsGrowTheRecordBuffer() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      sb.append(i == 0 ? "" : ",").append("value").append(i);
    }
    List<List<String>> rows = read(sb + "\n" + sb + "\n", 64);
    assertThat(rows).hasSize(2);
    assertThat(rows.get(1)).hasSize(500);
    assertThat(rows.get(1).get(499)).isEqualTo("value499");
  }
}
