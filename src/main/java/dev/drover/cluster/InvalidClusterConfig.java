package dev.drover.cluster;

/** A cluster setting (address, seed, journal) is malformed or cannot work; says which and why. */
public class InvalidClusterConfig extends RuntimeException {
  public InvalidClusterConfig(String message) {
    super(message);
  }

  public InvalidClusterConfig(String message, Throwable cause) {
    super(message, cause);
  }
}
