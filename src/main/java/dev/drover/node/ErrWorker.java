package dev.drover.node;

/** A worker refused, failed or ended a piece of work or a lease; the message says why. */
public class ErrWorker extends RuntimeException {
  public ErrWorker(String message) {
    super(message);
  }
}
