package dev.flywheel.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;

/**
 * A streaming CSV record reader that allocates nothing per record: characters are read through a
 * large buffer and each record is copied into one reused {@code char[]}, with the start and length
 * of every field kept in reused {@code int[]} arrays. Callers read fields as char ranges.
 *
 * <p>Dialect (RFC 4180): fields separated by commas, records by {@code \n} or {@code \r\n}; a field
 * that starts with {@code "} is quoted and may contain commas, newlines and doubled quotes {@code
 * ""} (unescaped in the record buffer). Blank lines are skipped. Not thread-safe.
 */
final class CsvReader implements Closeable {
  private final Reader in;
  private final char[] buffer;
  private int position;
  private int limit;
  private boolean eof;

  private char[] record = new char[256];
  private int recordLength;
  private int[] starts = new int[16];
  private int[] lengths = new int[16];
  private int fields;
  private long records;

  /**
   * @param in the character source, closed by {@link #close()}
   * @param bufferChars size of the read buffer in chars
   */
  CsvReader(Reader in, int bufferChars) {
    this.in = in;
    this.buffer = new char[bufferChars];
  }

  /**
   * Reads the next non-blank record.
   *
   * @return false at the end of the input
   */
  boolean next() throws IOException {
    while (true) {
      if (!readRecord()) {
        return false;
      }
      if (fields > 1 || lengths[0] > 0) {
        records++;
        return true;
      }
    }
  }

  private boolean readRecord() throws IOException {
    recordLength = 0;
    fields = 0;
    int fieldStart = 0;
    boolean quoted = false;
    boolean atFieldStart = true;
    boolean any = false;
    while (true) {
      if (position == limit && !fill()) {
        if (!any) {
          return false;
        }
        endField(fieldStart);
        return true;
      }
      any = true;
      char c = buffer[position++];
      if (quoted) {
        if (c == '"') {
          if (position == limit && !fill()) {
            quoted = false;
            continue;
          }
          if (buffer[position] == '"') {
            position++;
            append(c);
          } else {
            quoted = false;
          }
        } else {
          append(c);
        }
        continue;
      }
      if (c == ',') {
        endField(fieldStart);
        fieldStart = recordLength;
        atFieldStart = true;
      } else if (c == '\n') {
        if (recordLength > fieldStart && record[recordLength - 1] == '\r') {
          recordLength--;
        }
        endField(fieldStart);
        return true;
      } else if (c == '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
      } else {
        append(c);
        atFieldStart = false;
      }
    }
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buffer, 0, buffer.length);
    while (n == 0) {
      n = in.read(buffer, 0, buffer.length);
    }
    if (n < 0) {
      eof = true;
      position = 0;
      limit = 0;
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }

  private void append(char c) {
    if (recordLength == record.length) {
      record = Arrays.copyOf(record, record.length * 2);
    }
    record[recordLength++] = c;
  }

  private void endField(int fieldStart) {
    if (fields == starts.length) {
      starts = Arrays.copyOf(starts, fields * 2);
      lengths = Arrays.copyOf(lengths, fields * 2);
    }
    starts[fields] = fieldStart;
    lengths[fields] = recordLength - fieldStart;
    fields++;
  }

  /** Number of fields of the current record. */
  int fieldCount() {
    return fields;
  }

  /** The current record's characters; field {@code f} is {@code [start(f), start(f)+length(f))}. */
  char[] chars() {
    return record;
  }

  int start(int field) {
    return starts[field];
  }

  int length(int field) {
    return lengths[field];
  }

  /** Field {@code f} as a new String (for headers, messages and tests; allocates). */
  String field(int f) {
    return new String(record, starts[f], lengths[f]);
  }

  /** Number of records returned so far (1 for the first, usually the header). */
  long recordNumber() {
    return records;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
