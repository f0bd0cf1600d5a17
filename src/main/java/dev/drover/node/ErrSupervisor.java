package dev.drover.node;

/** A client could not reach or use a supervisor; the message says which and why. */
public class ErrSupervisor extends RuntimeException {
  public ErrSupervisor(String message) {
    super(message);
  }
}
