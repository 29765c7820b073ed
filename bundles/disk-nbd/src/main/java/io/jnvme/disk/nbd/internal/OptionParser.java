package io.jnvme.disk.nbd.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Decodes the data of handshake options. Pure functions over a buffer, for tests. */
final class OptionParser {
  private OptionParser() {}

  /** The option data is malformed; the reply is NBD_REP_ERR_INVALID with this message. */
  static final class InvalidOption extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidOption(String message) {
      super(message, null, false, false);
    }
  }

  /** NBD_OPT_INFO and NBD_OPT_GO: an export name and the information requested. */
  record InfoRequest(String name, List<Integer> requests) {}

  /**
   * Parses the data of NBD_OPT_INFO or NBD_OPT_GO: a 32-bit name length, the name, a 16-bit
   * count and that many 16-bit information types, and nothing else.
   */
  static InfoRequest parseInfo(ByteBuffer data) throws InvalidOption {
    int total = data.remaining();
    if (total < 6) {
      throw new InvalidOption("option data of " + total + " bytes is shorter than 6");
    }
    long nameLength = Integer.toUnsignedLong(data.getInt(data.position()));
    if (nameLength > total - 6) {
      throw new InvalidOption("name length " + nameLength + " exceeds the option data");
    }
    int p = data.position() + 4;
    String name = utf8(data, p, (int) nameLength);
    p += (int) nameLength;
    int count = Short.toUnsignedInt(data.getShort(p));
    p += 2;
    if (total != 4 + nameLength + 2 + 2L * count) {
      throw new InvalidOption("option data of " + total + " bytes does not hold a name of "
          + nameLength + " bytes and " + count + " information requests");
    }
    List<Integer> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      requests.add(Short.toUnsignedInt(data.getShort(p + 2 * i)));
    }
    return new InfoRequest(name, requests);
  }

  /** Decodes an NBD string: UTF-8, at most 4096 bytes, no NUL. */
  static String utf8(ByteBuffer data, int at, int length) throws InvalidOption {
    if (length > Nbd.MAX_STRING) {
      throw new InvalidOption("string of " + length + " bytes is longer than "
          + Nbd.MAX_STRING);
    }
    ByteBuffer slice = data.duplicate();
    slice.limit(at + length).position(at);
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(slice).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidOption("string is not valid UTF-8");
    }
    if (s.indexOf('\0') >= 0) {
      throw new InvalidOption("string contains NUL");
    }
    return s;
  }
}
