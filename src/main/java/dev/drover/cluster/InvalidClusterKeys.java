package dev.drover.cluster;

/** The cluster's key material is missing, unreadable, too open or inconsistent; says which. */
public class InvalidClusterKeys extends RuntimeException {
  public InvalidClusterKeys(String message) {
    super(message);
  }

  public InvalidClusterKeys(String message, Throwable cause) {
    super(message, cause);
  }
}
