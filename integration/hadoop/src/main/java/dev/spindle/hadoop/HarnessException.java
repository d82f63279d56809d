package dev.spindle.hadoop;

/** A failure the launcher reports as one line (what went wrong and what to do), without a stack. */
final class HarnessException extends RuntimeException {
  HarnessException(String message) {
    super(message);
  }

  HarnessException(String message, Throwable cause) {
    super(message, cause);
  }
}
