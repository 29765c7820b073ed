package io.jnvme.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Fuzzes the saved-state decoder: {@link SavedStateCodec#decode} must only ever return a state or
 * throw {@link SavedStateException} (no other exception, no exhausted heap), and a state it
 * returns must encode back to bytes that decode to the same encoding.
 *
 * <p>The first input byte chooses the shape: odd, the rest is the whole file as stored; even, the
 * rest is a payload that gets a valid header, length and checksum, so the fuzzer reaches the field
 * decoding behind the checksum. Seeds are real saved states (see {@code SeedWriter}).
 */
class SavedStateFuzzTest {
  private static final byte[] MAGIC = "JNVMESAV".getBytes(StandardCharsets.US_ASCII);

  @FuzzTest
  void decode(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    byte[] bytes = (input[0] & 1) != 0
        ? Arrays.copyOfRange(input, 1, input.length)
        : frame(input[0] >>> 1 & 3, Arrays.copyOfRange(input, 1, input.length));
    ControllerSavedState s;
    try {
      s = SavedStateCodec.decode(bytes);
    } catch (SavedStateException e) {
      if (e.reason() != SavedStateException.Reason.CORRUPT) {
        throw new AssertionError("decode failed with reason " + e.reason(), e);
      }
      return;
    } catch (RuntimeException | Error e) {
      throw new AssertionError("decode threw something other than SavedStateException", e);
    }
    byte[] again = SavedStateCodec.encode(s);
    byte[] third = SavedStateCodec.encode(decodeOrFail(again));
    if (!Arrays.equals(again, third)) {
      throw new AssertionError("a decoded state does not encode stably");
    }
  }

  private static ControllerSavedState decodeOrFail(byte[] b) {
    try {
      return SavedStateCodec.decode(b);
    } catch (SavedStateException e) {
      throw new AssertionError("an encoded state does not decode", e);
    }
  }

  /** Header (magic, version, length), payload, CRC-32: what the codec accepts as intact. */
  static byte[] frame(int version, byte[] payload) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(all);
    o.write(MAGIC);
    o.writeShort(version);
    o.writeInt(payload.length);
    o.write(payload);
    o.flush();
    CRC32 crc = new CRC32();
    crc.update(all.toByteArray());
    o.writeInt((int) crc.getValue());
    o.flush();
    return all.toByteArray();
  }
}
